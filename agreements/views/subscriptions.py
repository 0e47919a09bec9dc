"""Follow a filter by email (no account): subscribe (rate-limited), confirm with the signed link, unsubscribe in one
click (the address is deleted). Never cached: each answer is one person's."""

from __future__ import annotations

from typing import Any

from axes.helpers import get_client_ip_address
from django import forms
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from .. import digests, services
from ..models import Subscription

HOUR = 3600


class SubscribeForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Email address"), max_length=254)
    query = forms.CharField(
        label=gettext_lazy("Filter"),
        max_length=1000,
        required=False,
        help_text=gettext_lazy("The filter of a list, as in its address, e.g. receiving_country=RW."),
    )
    country = forms.CharField(label=gettext_lazy("Or a country"), max_length=100, required=False)
    frequency = forms.ChoiceField(
        label=gettext_lazy("How often"), choices=Subscription.Frequency.choices, initial="daily"
    )


def _over_limit(key: str, limit: int) -> bool:
    """Count one request against `key` for an hour; True when it is past the limit (the cache holds the count)."""
    cache.add(key, 0, HOUR)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, HOUR)
        count = 1
    return count > limit


@never_cache
def subscribe(request: HttpRequest) -> HttpResponse:
    """GET: the form, its filter taken from the page's query string (`/subscribe/?receiving_country=RW`). POST:
    a confirmation mail to the address; nothing else is sent until it is confirmed."""
    if request.method != "POST":
        initial = {"query": request.GET.urlencode()}
        return render(request, "agreements/subscribe.html", {"form": SubscribeForm(initial=initial)})
    form = SubscribeForm(request.POST)
    if not form.is_valid():
        return render(request, "agreements/subscribe.html", {"form": form}, status=400)
    email = form.cleaned_data["email"].strip().lower()
    params = QueryDict(form.cleaned_data["query"].lstrip("?"), mutable=True)
    if form.cleaned_data["country"]:
        params.setlist("receiving_country", [form.cleaned_data["country"]])
    query, errors = digests.normalise_query(params)
    if errors:
        for name, messages in errors.items():
            form.add_error(
                "country" if name == "receiving_country" and form.cleaned_data["country"] else "query",
                [f"{name}: {m}" for m in messages],
            )
        return render(request, "agreements/subscribe.html", {"form": form}, status=400)
    client = get_client_ip_address(request) or "unknown"
    if _over_limit(f"subscribe:address:{email}", settings.SUBSCRIBE_PER_ADDRESS_HOURLY) | _over_limit(
        f"subscribe:client:{client}", settings.SUBSCRIBE_PER_CLIENT_HOURLY
    ):
        form.add_error("email", _("Too many subscription requests: try again in an hour."))
        response = render(request, "agreements/subscribe.html", {"form": form}, status=429)
        response["Retry-After"] = str(HOUR)
        return response
    sub = services.subscribe(
        email=email, query=query, frequency=form.cleaned_data["frequency"], language=translation.get_language() or "en"
    )
    if sub.confirmed_at is None:
        digests.send_confirmation(sub)
    return render(request, "agreements/subscribe_done.html", {"sub": sub, "state": "sent"})


@never_cache
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    data = digests.read_token(token, digests.CONFIRM_SALT, max_age=digests.CONFIRM_MAX_AGE)
    sub = Subscription.objects.filter(pk=data["s"], email=data["e"]).first() if data and "s" in data else None
    if sub is None:
        context: dict[str, Any] = {"state": "invalid"}
        return render(request, "agreements/subscribe_done.html", context, status=404)
    services.confirm_subscription(sub)
    return render(request, "agreements/subscribe_done.html", {"sub": sub, "state": "confirmed"})


@never_cache
@csrf_exempt  # RFC 8058 one-click: the mail client POSTs without a session; the signed token is the credential
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET: a button (mail scanners open links; only a POST deletes). POST: delete the address."""
    data = digests.read_token(token, digests.UNSUBSCRIBE_SALT)
    if data is None:
        return render(request, "agreements/subscribe_done.html", {"state": "invalid"}, status=404)
    if request.method != "POST":
        return render(request, "agreements/unsubscribe.html", {"email": data["e"]})
    services.unsubscribe(data["e"])
    return render(request, "agreements/subscribe_done.html", {"state": "unsubscribed"})
