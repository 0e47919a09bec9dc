"""REST framework plumbing named in settings: pagination and the read-only-or-editor permission.

Kept apart from agreements.api so that DRF's settings can import it without a circular import.
"""

from __future__ import annotations

from typing import Any

from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import SAFE_METHODS, IsAuthenticatedOrReadOnly

from .roles import is_editor


class Pagination(PageNumberPagination):
    """`{"count", "next", "previous", "results"}`, `page_size` up to 500."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class ReadOnlyOrEditor(IsAuthenticatedOrReadOnly):
    """Anyone may read; only editors may write. (A subclass of IsAuthenticatedOrReadOnly so that the OpenAPI
    schema documents reads as open.)"""

    def has_permission(self, request: Any, view: Any) -> bool:
        return request.method in SAFE_METHODS or is_editor(request.user)
