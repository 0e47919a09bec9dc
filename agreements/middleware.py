"""Middleware of the domain app.

DatabaseUnavailableMiddleware: when the database is unreachable, answer at once with 503 and Retry-After instead of
a 500 (pages that the cache holds keep being served); the connection is re-established by the next request once it
is back. PrivatePagesMiddleware: the editor area, logins and the admin are never stored by a browser or proxy.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

logger = logging.getLogger(__name__)


def _database_answers() -> bool:
    connection = connections["default"]
    try:
        connection.close_if_unusable_or_obsolete()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except (OperationalError, InterfaceError):
        connection.close()
        return False
    return True


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> Any:
        if not isinstance(exception, (OperationalError, InterfaceError)) or _database_answers():
            return None  # not an outage (a schema or query error, say): a real 500, reported as such
        logger.warning("database unavailable: %s", exception)
        response = HttpResponse(
            "The database is unavailable for a moment; please try again shortly.\n",
            status=503,
            content_type="text/plain; charset=utf-8",
        )
        response["Retry-After"] = "5"
        return response


# Pages that show or take an editor's session: what they hold is one person's, never a shared cache's.
PRIVATE_PREFIXES = ("/editor/", "/accounts/", "/admin/")


class PrivatePagesMiddleware:
    """`Cache-Control: private, no-store` on every response under the editor, login and admin paths."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path_info.startswith(PRIVATE_PREFIXES):
            patch_cache_control(response, private=True, no_store=True)
        return response
