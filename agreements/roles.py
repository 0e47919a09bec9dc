"""Who is an editor: one constant and one function, used by the views, the API's permission, the digest and the
commands. Editors are the members of the editors group (and superusers)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

EDITORS_GROUP = "editors"


def is_editor(user: Any) -> bool:
    """Whether this user may change the record."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if getattr(user, "is_superuser", False):
        return True
    groups = getattr(user, "groups", None)
    return bool(groups is not None and groups.filter(name=EDITORS_GROUP).exists())


def editors() -> QuerySet:
    """Active users who are editors."""
    return get_user_model().objects.filter(Q(groups__name=EDITORS_GROUP) | Q(is_superuser=True), is_active=True)
