"""Middleware of the domain app, at the edge.

RefuseNulMiddleware: a NUL character in the URL or a cookie is refused with 400 before any view or query sees it.
DatabaseUnavailableMiddleware: when the database is unreachable, answer at once with 503 and Retry-After instead of
a 500 (pages that the cache holds keep being served); the connection is re-established by the next request once it
is back. PrivatePagesMiddleware: the editor area, logins, the admin and every response that sets a cookie or reads a
session are never stored by a browser or proxy.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.validators import ProhibitNullCharactersValidator
from django.db import InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse, JsonResponse

from .caching import private
from .i18n import unprefixed_path

logger = logging.getLogger(__name__)


NUL = "\x00"


def _nul_in(request: HttpRequest) -> str | None:
    """The name of the first part of the request's URL or cookies that holds a NUL character (None when none does)."""
    if NUL in request.path:
        return "path"
    for name, values in request.GET.lists():
        if NUL in name or any(NUL in value for value in values):
            return name
    return next((name for name, value in request.COOKIES.items() if NUL in name + value), None)


class RefuseNulMiddleware:
    """400, naming the parameter, for a NUL character in the path, the query string or a cookie.

    No text column can hold one on PostgreSQL (the driver refuses the query: a 500), and no URL, country, slug or
    session key contains one, so refusing it here, before a view or the session store queries with it, is exact.
    Forms and serializers refuse NUL in what is posted (Django's and DRF's ProhibitNullCharactersValidator); the
    importer refuses it in a cell.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        name = _nul_in(request)
        if name is not None:
            return JsonResponse({"errors": {name: [str(ProhibitNullCharactersValidator.message)]}}, status=400)
        return self.get_response(request)


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
PRIVATE_PREFIXES = ("/editor/", "/accounts/", "/admin/", "/subscribe/")


def _reads_a_session(request: HttpRequest) -> bool:
    """The request carried a session cookie and the response was made with the session read (who is logged in)."""
    session = getattr(request, "session", None)
    return settings.SESSION_COOKIE_NAME in request.COOKIES and session is not None and session.accessed


class PrivatePagesMiddleware:
    """`Cache-Control: private, no-store` (and `Vary: Cookie`) on every response under the editor, login and admin
    paths, and on any other that sets a cookie or was made from a session: one person's response is never stored
    by a shared cache, whatever the view said. Public reads get their public policy from caching.cached_response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            unprefixed_path(request.path_info).startswith(PRIVATE_PREFIXES)
            or response.cookies
            or _reads_a_session(request)
        ):
            private(response)
        return response
