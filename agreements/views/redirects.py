"""The one check of a user-given redirect target (`next=`): every view that redirects where a request asks uses it.
(The login and logout views are Django's own, which make the same check.)"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme


def next_url(request: HttpRequest, default: str, *, field: str = "next") -> str:
    """Where to go after this request: its `next` (posted or in the query) when that is a path or URL on this
    site, `default` (a URL or URL name) when none is given. Any other target — another host, another scheme, a
    control character — is a ValidationError naming `field`, raised before the caller writes anything."""
    given = request.POST.get(field) or request.GET.get(field) or ""
    if not given:
        return resolve_url(default)
    safe = url_has_allowed_host_and_scheme(given, allowed_hosts={request.get_host()}, require_https=request.is_secure())
    if not safe or not given.isprintable():
        raise ValidationError({field: f"Not a page of this site: {given[:100]!r}."})
    return given
