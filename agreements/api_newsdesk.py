"""POST /api/v1/sources/lookup/ (editors only): the source fields of a URL, as the editor forms' look-up gives them."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from .drf import JSONParser
from .lookup import FIELDS, lookup_or_error


class SourceLookup(APIView):
    """Fetch a URL that is not on record through the safe fetcher and read publisher, title, publication date, kind
    and origin from its metadata; `missing` names what the page does not state, `error` why it could not be read.
    A URL on record answers with the source's fields (`exists`)."""

    parser_classes = [JSONParser]

    @extend_schema(
        request=inline_serializer("SourceLookupRequest", {"url": serializers.URLField()}),
        responses=inline_serializer(
            "SourceLookupResult",
            {
                "url": serializers.URLField(),
                "exists": serializers.BooleanField(),
                **{name: serializers.CharField() for name in FIELDS},
                "missing": serializers.ListField(child=serializers.CharField()),
                "error": serializers.CharField(),
            },
        ),
    )
    def post(self, request: Any) -> Response:
        url = request.data.get("url") if isinstance(request.data, dict) else None
        found, error = lookup_or_error(url if isinstance(url, str) else "")
        if found is None:
            return Response({"errors": {"url": [error]}}, status=400)
        return Response(found.as_json())
