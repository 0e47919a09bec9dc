"""Writes of the newsdesk: watched feeds and keyword rules, leads and their state, subscriptions and the claim of
a digest. None of these change the public record, so none bumps the data version."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from ..models import Country, DigestRun, Feed, KeywordRule, Lead, Subscription
from .checks import clean_http_url, normalize_url


def add_feed(*, url: str, publisher: str) -> Feed:
    """Watch a feed (an http/https URL; its publisher pre-fills its leads' source)."""
    url = clean_http_url(url, field="url")
    publisher = " ".join((publisher or "").split())
    if not publisher:
        raise ValidationError({"publisher": "A feed needs its publisher."})
    feed, _ = Feed.objects.get_or_create(url=url, defaults={"publisher": publisher[:200]})
    return feed


def add_keyword(*, phrase: str) -> KeywordRule:
    """A keyword rule (unique by its text key: case, accents and punctuation aside)."""
    from ..leads import text_key

    phrase = " ".join((phrase or "").split())[:200]
    if not text_key(phrase):
        raise ValidationError({"phrase": "A keyword rule needs a word or phrase."})
    rule, _ = KeywordRule.objects.get_or_create(phrase_key=text_key(phrase), defaults={"phrase": phrase})
    return rule


def record_feed_poll(feed: Feed, *, now: dt.datetime, status: int | None, next_poll_at: dt.datetime, **kw: Any) -> None:
    """What one poll found: its answer, the validators of the next conditional GET, failures in a row."""
    changes: dict[str, Any] = {
        "last_polled_at": now,
        "last_status": status,
        "next_poll_at": next_poll_at,
        "last_error": kw.get("error", "")[:300],
        "failures": kw.get("failures", 0),
    }
    if "etag" in kw or "last_modified" in kw:
        changes |= {"etag": kw.get("etag", "")[:500], "last_modified": kw.get("last_modified", "")[:100]}
    Feed.objects.filter(pk=feed.pk).update(**changes)
    for name, value in changes.items():
        setattr(feed, name, value)


def add_lead(
    *,
    url: str,
    title: str,
    title_key: str,
    summary: str,
    published_at: dt.datetime | None,
    feed: Feed | None,
    words: list[str],
    countries: list[Country],
    now: dt.datetime,
) -> Lead | None:
    """A new lead (None when another poll made the same one first: one lead per normalised URL)."""
    try:
        with transaction.atomic():
            lead = Lead.objects.create(
                url=url,
                normalized_url=normalize_url(url),
                title=title,
                title_key=title_key,
                summary=summary,
                published_at=published_at,
                feed=feed,
                matched=words,
                found_at=now,
            )
            lead.countries.set(countries)
    except IntegrityError:
        return None
    return lead


def note_lead_copy(lead: Lead, url: str) -> None:
    """Another feed's URL for a lead's story (kept once)."""
    if url != lead.url and url not in lead.also_in:
        lead.also_in = [*lead.also_in, url][:20]
        Lead.objects.filter(pk=lead.pk).update(also_in=lead.also_in)


def set_lead_state(lead: Lead, state: str, *, until: dt.datetime | None = None) -> None:
    """Dismiss, snooze (until a time), mark logged, or bring back a lead."""
    if state not in Lead.State.values:
        raise ValidationError({"state": f"Unknown state {state!r}."})
    lead.state = state
    lead.snoozed_until = until if state == Lead.State.SNOOZED else None
    Lead.objects.filter(pk=lead.pk).update(state=lead.state, snoozed_until=lead.snoozed_until)


def subscribe(*, email: str, query: str, frequency: str, language: str) -> Subscription:
    """A new (unconfirmed) subscription, or the one this address has for this filter (its frequency and language
    updated; confirmed stays confirmed)."""
    sub, created = Subscription.objects.get_or_create(
        email=email, query=query, defaults={"frequency": frequency, "language": language}
    )
    if not created and (sub.frequency, sub.language) != (frequency, language):
        Subscription.objects.filter(pk=sub.pk).update(frequency=frequency, language=language)
        sub.frequency, sub.language = frequency, language
    return sub


def confirm_subscription(sub: Subscription, *, now: dt.datetime | None = None) -> None:
    if sub.confirmed_at is None:
        sub.confirmed_at = now or timezone.now()
        Subscription.objects.filter(pk=sub.pk, confirmed_at__isnull=True).update(confirmed_at=sub.confirmed_at)


def unsubscribe(email: str) -> int:
    """Delete the address: every subscription it has (and their digests' records). Returns how many."""
    deleted, _ = Subscription.objects.filter(email=email).delete()
    return deleted


def claim_digest(
    sub: Subscription, *, period: str, covers_from: dt.datetime, covers_until: dt.datetime
) -> DigestRun | None:
    """Claim this subscription's digest of this period: the row is inserted once; a second worker (or a second
    run) gets None. The unique constraint in the database decides, not a lock in one process."""
    try:
        with transaction.atomic():
            return DigestRun.objects.create(
                subscription=sub, period=period, covers_from=covers_from, covers_until=covers_until
            )
    except IntegrityError:
        return None


def release_digest(run: DigestRun) -> None:
    """Give a claimed period back (its mail could not be sent): the next run claims it again."""
    DigestRun.objects.filter(pk=run.pk, sent_at__isnull=True).delete()


def digest_sent(run: DigestRun, *, items: int, now: dt.datetime) -> None:
    DigestRun.objects.filter(pk=run.pk).update(items=items, sent_at=now)
