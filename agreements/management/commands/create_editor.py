"""python manage.py create_editor USERNAME [--admin]: a local account with a generated password, printed once."""

import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser

from agreements.roles import EDITORS_GROUP


class Command(BaseCommand):
    help = "Create (or reset the password of) an editor account; --admin also makes it a superuser."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--admin", action="store_true", help="Also give access to Django admin as superuser.")

    def handle(self, *args: Any, username: str, admin: bool, **options: Any) -> None:
        if not username.strip():
            raise CommandError("username: required")
        password = secrets.token_urlsafe(15)
        user, created = get_user_model().objects.get_or_create(username=username)
        user.set_password(password)
        user.is_staff = True
        user.is_superuser = user.is_superuser or admin
        user.save()
        group, _ = Group.objects.get_or_create(name=EDITORS_GROUP)
        user.groups.add(group)
        verb = "Created" if created else "Reset the password of"
        self.stdout.write(f"{verb} editor {username!r}{' (superuser)' if user.is_superuser else ''}.")
        self.stdout.write(f"Password (shown once): {password}")
