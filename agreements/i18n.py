"""The interface's language: the URL says it (`/es/…`; English unprefixed), a cookie remembers the reader's choice.

A first visit (no language cookie) to an English page goes by the browser's Accept-Language, once: a redirect to
another language stores the choice in the cookie and Accept-Language is not read again (a page already in the
reader's language sets no cookie, so it stays cacheable). Thereafter the cookie decides where an unprefixed
page goes, and the switcher (`language/<code>/?next=…`, on every page) changes it, keeping the current view (path
and query). Machine readers — the API, feeds, exports, embeds, pictures, htmx fragments — are never redirected.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.urls import Resolver404, resolve, reverse, translate_url
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.http import urlencode

from .views.redirects import next_url

# Unprefixed paths that are for machines or other sites, never redirected to another language.
MACHINE_PREFIXES = (
    "/api/",
    "/admin/",
    "/static/",
    "/feeds/",
    "/embed/",
    "/export/",
    "/healthz",
    "/styles/",
    "/language/",
    "/data/tracker-data-",
)
MACHINE_SUFFIXES = (".csv", ".json", ".geojson", ".svg", ".png", ".zip", ".txt", ".gz")


def language_codes() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def path_language(path: str) -> str:
    """The language a path is in: its prefix, or the default language when it has none."""
    return translation.get_language_from_path(path) or settings.LANGUAGE_CODE


def unprefixed_path(path: str) -> str:
    """The path without its language prefix (`/es/editor/` → `/editor/`): what a rule about our paths reads."""
    language = translation.get_language_from_path(path)
    return path.removeprefix(f"/{language}") if language else path


def translated_path(path: str, language: str) -> str:
    """The same view (path and query) in another language; the path unchanged when it is not one of ours."""
    with translation.override(path_language(path.split("?", 1)[0])):
        return translate_url(path, language)


def _is_page(request: HttpRequest) -> bool:
    path = request.path
    if request.method not in ("GET", "HEAD") or request.headers.get("HX-Request"):
        return False
    if path.startswith(MACHINE_PREFIXES) or path.endswith(MACHINE_SUFFIXES):
        return False
    return "text/html" in request.headers.get("Accept", "")


class FirstVisitLanguageMiddleware:
    """After LocaleMiddleware: an unprefixed page goes to the reader's language — the cookie's, or on a first visit
    Accept-Language's (then remembered in the cookie)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not _is_page(request):
            return self.get_response(request)
        cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        remembered = cookie if cookie in language_codes() else None
        prefixed = translation.get_language_from_path(request.path_info)
        if prefixed is None:
            wanted = remembered or translation.get_language_from_request(request, check_path=False)
            if wanted != settings.LANGUAGE_CODE and wanted in language_codes():
                target = translated_path(request.get_full_path(), wanted)
                if target != request.get_full_path():
                    response: HttpResponse = HttpResponseRedirect(target)
                    _remember(response, wanted)
                    patch_vary_headers(response, ("Accept-Language", "Cookie"))
                    return response
        # A page shown in the language its URL or Accept-Language already gives sets no cookie: a reader's first page
        # stays public and cacheable (a shared cache stores no response that sets a cookie). Only a redirect to
        # another language and the switcher remember a choice.
        response = self.get_response(request)
        if prefixed is None:
            patch_vary_headers(response, ("Cookie",))
        return response


def _remember(response: HttpResponse, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite="Lax",  # settings.LANGUAGE_COOKIE_SAMESITE, as a literal for the type checker
    )


def switch_language(request: HttpRequest, language: str) -> HttpResponse:
    """The switcher: the page `next` names (path and query) in `language`, and the choice remembered."""
    if language not in language_codes():
        raise Http404("No such language.")
    try:
        given = next_url(request, "agreements:home")
    except ValidationError as exc:
        return HttpResponseBadRequest("; ".join(exc.messages))
    target = translated_path(given, language)
    try:
        with translation.override(language):
            resolve(target.split("?", 1)[0])
    except Resolver404:
        target = translated_path("/", language)
    response = HttpResponseRedirect(target)
    _remember(response, language)
    return response


def languages(request: HttpRequest) -> dict[str, Any]:
    """For base.html: the switcher's links and the hreflang alternates of the current page."""
    full_path = request.get_full_path()
    current = translation.get_language()
    alternates = []
    for code, name in settings.LANGUAGES:
        path = translated_path(full_path, code)
        alternates.append(
            {
                "code": code,
                "name": name,
                "current": code == current,
                "href": request.build_absolute_uri(path),
                "switch": f"{reverse('switch-language', args=[code])}?{urlencode({'next': full_path})}",
            }
        )
    return {"language_alternates": alternates, "LANGUAGE_CODE": current}
