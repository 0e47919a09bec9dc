"""Follow a country, a sender or any filter: readers' subscriptions and their digests.

A subscription is an email address and one list filter (the query string of /status-changes/ or /statements/,
normalised; `?country=RW` is `receiving_country=RW`). Double opt-in: nothing is sent but the confirmation mail until
its signed link is opened. Each digest lists the status changes and statements recorded since the last one that
match the filter, rendered in the subscriber's language, with a one-click unsubscribe (link and List-Unsubscribe
headers) that deletes the address. The digest of a period is claimed by inserting its row (services.claim_digest),
so two workers running the job at once send it once.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.db.models import Max, Q
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from . import services
from .filters import CountryCodeFilter
from .lists import STATEMENTS, STATUS_CHANGES, ListSpec
from .localize import short_datetime
from .models import Subscription

logger = logging.getLogger(__name__)

CONFIRM_SALT = "agreements.subscription.confirm"
UNSUBSCRIBE_SALT = "agreements.subscription.unsubscribe"
CONFIRM_MAX_AGE = 7 * 24 * 3600
NOT_FILTERS = {"page", "sort", "format"}
SPECS = (STATUS_CHANGES, STATEMENTS)
LISTED = 50


def _filters(spec: ListSpec) -> set[str]:
    return set(getattr(spec.filterset, "base_filters", {}))


def normalise_query(params: QueryDict) -> tuple[str, dict[str, list[str]]]:
    """The filter as its normal form (sorted keys and values, empty values and paging dropped), or the errors by
    parameter name: a parameter that filters neither list, or a value its list refuses."""
    given = QueryDict(mutable=True)
    for key in sorted(params):
        values = sorted({v.strip() for v in params.getlist(key) if v.strip()})
        if key == "country":
            key = "receiving_country"
        if key in NOT_FILTERS or not values:
            continue
        given.setlist(key, sorted(set(given.getlist(key)) | set(values)))
    errors: dict[str, list[str]] = {}
    known = set().union(*(_filters(spec) for spec in SPECS))
    for key in given:
        if key not in known:
            errors[key] = [_("Not a filter of the status changes or statements lists.")]
    if not given:
        errors["query"] = [_("Choose a filter or a country to follow.")]
    if errors:
        return "", errors
    for spec in _specs_for(given):
        filterset = spec.filterset_for(given)
        if not filterset.is_valid():
            return "", {k: [str(e) for e in v] for k, v in filterset.errors.items()}
        for key, value in filterset.form.cleaned_data.items():  # a country as its code ("Rwanda", "rw": RW)
            if isinstance(filterset.filters.get(key), CountryCodeFilter) and value:
                given.setlist(key, [getattr(value, "iso2", value)])
    return given.urlencode(), {}


def _specs_for(params: QueryDict) -> list[ListSpec]:
    """The lists every parameter of the filter applies to (a statements-only filter never matches status changes)."""
    return [spec for spec in SPECS if set(params) <= _filters(spec)]


@dataclass
class Item:
    kind: str
    date: str
    text: str
    url: str


def matching_items(query: str, since: dt.datetime, until: dt.datetime) -> list[Item]:
    """The status changes and statements recorded in (since, until] that match the filter, oldest first."""
    params = QueryDict(query)
    items: list[tuple[dt.datetime, Item]] = []
    for spec in _specs_for(params):
        filterset = spec.filterset_for(params)
        if not filterset.is_valid():
            continue
        rows = filterset.qs.filter(recorded_at__gt=since, recorded_at__lte=until).order_by("recorded_at", "pk")
        for row in rows[: LISTED + 1]:
            items.append((row.recorded_at, _item(spec, row)))
    items.sort(key=lambda pair: pair[0])
    return [item for _, item in items]


def _item(spec: ListSpec, row: Any) -> Item:
    if spec is STATUS_CHANGES:
        pair = row.arrangement
        text = f"{pair.sending_state.local_name} → {pair.receiving_country.local_name}: {row.get_status_display()}"
        return Item(_("Status change"), row.date_display, text, row.arrangement.receiving_country.get_absolute_url())
    countries = ", ".join(a.receiving_country.local_name for a in row.arrangements.all()) or _("policy")
    text = f"{row.actor.name} ({row.get_stance_display()}) — {countries}"
    return Item(_("Statement"), row.date_display, text, row.actor.get_absolute_url())


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def confirm_url(sub: Subscription) -> str:
    token = signing.dumps({"s": sub.pk, "e": sub.email}, salt=CONFIRM_SALT)
    return absolute(reverse("agreements:subscription-confirm", args=[token]))


def unsubscribe_url(sub: Subscription) -> str:
    token = signing.dumps({"e": sub.email}, salt=UNSUBSCRIBE_SALT)
    return absolute(reverse("agreements:subscription-unsubscribe", args=[token]))


def read_token(token: str, salt: str, max_age: int | None = None) -> dict[str, Any] | None:
    try:
        data = signing.loads(token, salt=salt, max_age=max_age)
    except signing.BadSignature:
        return None
    return data if isinstance(data, dict) else None


def _mail(sub: Subscription, subject: str, body: str) -> EmailMessage:
    link = unsubscribe_url(sub)
    footer = "\n\n-- \n" + _("Unsubscribe (deletes your address): %(link)s") % {"link": link}
    headers = {"List-Unsubscribe": f"<{link}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    return EmailMessage(subject, body + footer, settings.DEFAULT_FROM_EMAIL, [sub.email], headers=headers)


def send_confirmation(sub: Subscription) -> None:
    with translation.override(sub.language):
        subject = _("[Third-Country Tracker] Confirm your subscription")
        body = _(
            "Someone (we hope you) asked for a %(frequency)s digest of the changes matching ?%(query)s.\n\n"
            "Confirm with this link (valid for 7 days); until then nothing else is sent:\n%(link)s\n\n"
            "If it was not you, ignore this mail: the address is deleted with the unsubscribe link below."
        ) % {"frequency": sub.get_frequency_display().lower(), "query": sub.query, "link": confirm_url(sub)}
        _mail(sub, subject, body).send()


def period_key(frequency: str, now: dt.datetime) -> str:
    day = timezone.localdate(now, dt.UTC)
    if frequency == Subscription.Frequency.WEEKLY:
        year, week, _weekday = day.isocalendar()
        return f"W{year}-{week:02d}"
    return f"D{day.isoformat()}"


def send_digests(*, now: dt.datetime | None = None) -> int:
    """Send this period's digest to every confirmed subscription that has not had it; returns how many were sent
    (a subscription with nothing new gets no mail, its period is still used up). A digest that could not be sent
    gives its period back, so the next run covers the same changes; the other subscribers still get theirs."""
    now = now or timezone.now()
    sent = 0
    confirmed = Subscription.objects.filter(confirmed_at__isnull=False).annotate(
        last=Max("digests__covers_until", filter=Q(digests__sent_at__isnull=False))
    )
    for sub in confirmed.order_by("pk"):
        period = period_key(sub.frequency, now)
        since = max(filter(None, [sub.last, sub.confirmed_at]))
        run = services.claim_digest(sub, period=period, covers_from=since, covers_until=now)
        if run is None:
            continue  # another worker (or an earlier run) has this period
        with translation.override(sub.language):  # the items' words too, not only the subject
            items = matching_items(sub.query, since, now)
            try:
                if items:
                    _digest_mail(sub, items, since, now).send()
            except Exception:
                logger.exception("digest %s for subscription %s not sent; its period is given back", period, sub.pk)
                services.release_digest(run)
                continue
        sent += bool(items)
        services.digest_sent(run, items=len(items), now=timezone.now())
    return sent


def _digest_mail(sub: Subscription, items: list[Item], since: dt.datetime, until: dt.datetime) -> EmailMessage:
    """The digest, in the active language (the subscriber's)."""
    subject = _("[Third-Country Tracker] %(count)d new for ?%(query)s") % {"count": len(items), "query": sub.query}
    lines = [f"- {item.date} · {item.kind}: {item.text}\n  {absolute(item.url)}" for item in items[:LISTED]]
    if len(items) > LISTED:
        lines.append(_("- … and more: %(link)s") % {"link": absolute("/status-changes/?" + sub.query)})
    intro = _("Recorded between %(since)s and %(until)s UTC, matching ?%(query)s:") % {
        "since": short_datetime(since.astimezone(dt.UTC)),
        "until": short_datetime(until.astimezone(dt.UTC)),
        "query": sub.query,
    }
    return _mail(sub, subject, intro + "\n\n" + "\n".join(lines))
