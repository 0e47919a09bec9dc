"""The editors group, holding exactly the permissions that editing needs (no delete: editors retract)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

PERMISSIONS = [
    "add_statement", "change_statement", "view_statement",
    "add_statuschange", "change_statuschange", "view_statuschange",
    "add_source", "change_source", "view_source",
    "add_actor", "change_actor", "view_actor",
    "change_arrangement", "view_arrangement",
    "add_term", "change_term", "view_term",
    "add_verification", "view_verification",
    "view_country",
]


def create_group(apps, schema_editor):
    for config in apps.get_app_configs():
        config.models_module = True
        create_permissions(config, apps=apps, verbosity=0)
        config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="editors")
    group.permissions.set(Permission.objects.filter(content_type__app_label="agreements", codename__in=PERMISSIONS))


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="editors").delete()


class Migration(migrations.Migration):
    dependencies = [("agreements", "0005_retraction"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(create_group, remove_group)]
