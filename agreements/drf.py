"""REST framework plumbing named in settings: the JSON parser, pagination and the read-only-or-editor permission.

Kept apart from agreements.api so that DRF's settings can import it without a circular import.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from rest_framework import exceptions, parsers
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import SAFE_METHODS, IsAuthenticatedOrReadOnly

from .roles import is_editor
from .services.checks import whole_number

MAX_JSON_DEPTH = 32  # our inputs nest three deep; past this a body is refused before anything walks it


def _depth(value: Any) -> int:
    """How deeply lists and objects nest in parsed JSON (without recursion: the value may nest thousands deep)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, depth)
            if depth > MAX_JSON_DEPTH:
                break
            stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, with bodies nested past MAX_JSON_DEPTH refused as a parse error (400): Python's decoder
    raises RecursionError (a 500) around a thousand levels, and every later step (serializers, error messages,
    renderers) would recurse through what it returned."""

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError(f"JSON parse error - nested more than {MAX_JSON_DEPTH} levels deep.") from None
        if _depth(data) > MAX_JSON_DEPTH:
            raise exceptions.ParseError(f"JSON parse error - nested more than {MAX_JSON_DEPTH} levels deep.")
        return data


class Pagination(PageNumberPagination):
    """`{"count", "next", "previous", "results"}`, `page_size` up to 500 (a larger one gives 500). A `page_size`
    that is not a whole number from 1 up is a 400 naming it (DRF would quietly give 50); a `page` that does not
    exist is DRF's 404."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request: Any) -> int:
        given = request.query_params.get(self.page_size_query_param)
        if given is None:
            return self.page_size
        try:
            return min(whole_number(given, field=self.page_size_query_param, minimum=1), self.max_page_size)
        except ValidationError as exc:
            raise exceptions.ValidationError(exc.message_dict) from None


class ReadOnlyOrEditor(IsAuthenticatedOrReadOnly):
    """Anyone may read; only editors may write. (A subclass of IsAuthenticatedOrReadOnly so that the OpenAPI
    schema documents reads as open.)"""

    def has_permission(self, request: Any, view: Any) -> bool:
        return request.method in SAFE_METHODS or is_editor(request.user)
