"""OpenAPI generation: reads are open to everyone, so their operations document optional authentication; every
operation documents the errors it answers (400 and 404 for reads, 400 and 403 for writes)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema
from rest_framework.permissions import SAFE_METHODS

from .drf import ReadOnlyOrEditor


class TrackerAutoSchema(AutoSchema):
    def get_auth(self) -> list[Any]:
        auths = super().get_auth()
        readable = any(isinstance(p, ReadOnlyOrEditor) for p in self.view.get_permissions())
        if readable and self.method in SAFE_METHODS and {} not in auths:
            auths.append({})
        return auths

    def _get_response_bodies(self, direction: Any = "response") -> Any:
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        if self.method in SAFE_METHODS:
            # Every read answers a bad filter with 400 (errors by field) and an unknown page or object with 404.
            errors = {"400": "A filter value is not valid; errors by parameter name.", "404": "No such page or object."}
        else:
            # Every write answers a refused value with 400 (errors by field, or "detail" for a body that is not
            # JSON) and a client that is not a logged-in editor with 403.
            errors = {"400": "A value is refused; errors by field name.", "403": "Editors only."}
        error = {"type": "object", "additionalProperties": True}
        for status, description in errors.items():
            responses.setdefault(
                status, {"content": {"application/json": {"schema": error}}, "description": description}
            )
        return responses
