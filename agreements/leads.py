"""The leads inbox: watched feeds polled through the safe fetcher (conditional GET, per-feed backoff) and parsed
with feedparser; items that match a keyword rule become leads, deduplicated by normalised URL and by near-identical
title across feeds, and tagged with the countries they name (English names of the reference data, and the Spanish,
French and Portuguese names of CLDR through Babel)."""

from __future__ import annotations

import calendar
import datetime as dt
import difflib
import functools
import html
import json
import re
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import feedparser
from django.conf import settings
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from . import fetcher, services
from .localize import folded, territories
from .models import Country, Feed, KeywordRule, Lead
from .reference import country_lookup

SIMILAR_TITLE = 0.9  # difflib ratio of two title keys above which they are one story
RECENT_DAYS = 14  # near-identical titles are looked for among the leads found this recently
OTHER_LANGUAGES = ("es", "fr", "pt")
TAG = re.compile(r"<[^>]+>")


def text_key(text: str) -> str:
    """Case-folded, accents and punctuation dropped, whitespace collapsed: what titles and phrases compare by."""
    return " ".join(re.sub(r"[^\w]+", " ", folded(text)).split())


@functools.lru_cache(maxsize=16)
def _pattern(phrases: tuple[str, ...]) -> re.Pattern[str] | None:
    """One pattern matching any of the phrases (text keys), the longest first; made once per set of phrases (a poll
    matches every item of every feed against the same rules)."""
    words = sorted({p for p in phrases if p}, key=len, reverse=True)
    if not words:
        return None
    return re.compile(r"(?<!\w)(" + "|".join(re.escape(w) for w in words) + r")(?!\w)")


@functools.lru_cache(maxsize=1)
def _country_names_cached(_version: int) -> tuple[dict[str, str], re.Pattern[str] | None]:
    names: dict[str, str] = {}
    countries = {c.iso2: c for c in country_lookup().values()}
    for key, country in country_lookup().items():
        if len(key) > 3:  # names, not ISO codes ("US", "GBR" match too much ordinary text)
            names[text_key(key)] = country.iso2
    for language in OTHER_LANGUAGES:
        names_there = territories(language)
        for iso2 in countries:
            if (name := names_there.get(iso2)) and len(name) > 3:
                names.setdefault(text_key(name), iso2)
    return names, _pattern(tuple(names))


def country_names() -> tuple[dict[str, str], re.Pattern[str] | None]:
    """Country names (text keys) → ISO alpha-2, and one pattern matching any of them."""
    return _country_names_cached(len(country_lookup()))


@dataclass
class Match:
    words: list[str]  # the keyword rules' phrases and the country names found, as written in the item
    countries: list[str]  # ISO alpha-2


def match(text: str, phrases: list[str]) -> Match | None:
    """The rules and countries an item's text matches; None when no keyword rule does."""
    key = text_key(text)
    rules = _pattern(tuple(text_key(p) for p in phrases))
    hits = sorted({m.group(1) for m in rules.finditer(key)}) if rules else []
    if not hits:
        return None
    names, pattern = country_names()
    found = sorted({m.group(1) for m in pattern.finditer(key)}) if pattern else []
    return Match(words=sorted(set(hits) | set(found)), countries=sorted({names[n] for n in found}))


def highlight(text: str, words: list[str]) -> SafeString:
    """The text with each matched word (compared without case or accents) wrapped in <mark>: the spans are found in
    the plain text, then every piece of it is escaped and only our own <mark> tags are added around escaped text."""
    wanted = {text_key(w) for w in words if text_key(w)}
    tokens = list(re.finditer(r"\w+", text))
    marks: list[tuple[int, int]] = []
    longest = max((len(w.split()) for w in wanted), default=0)
    i = 0
    while i < len(tokens):
        for n in range(min(longest, len(tokens) - i), 0, -1):
            start, end = tokens[i].start(), tokens[i + n - 1].end()
            if text_key(text[start:end]) in wanted:
                marks.append((start, end))
                i += n
                break
        else:
            i += 1
    out, last = [], 0
    for start, end in marks:
        out += [escape(text[last:start]), "<mark>", escape(text[start:end]), "</mark>"]
        last = end
    out.append(escape(text[last:]))
    return mark_safe("".join(out))  # noqa: S308 - every piece of the text is escaped


def _validators(feed: Feed) -> dict[str, Any]:
    since = None
    if feed.last_modified:
        try:
            since = parsedate_to_datetime(feed.last_modified)
        except (TypeError, ValueError):
            since = None
    return {"etag": feed.etag, "if_modified_since": since}


def backoff(failures: int) -> dt.timedelta:
    """How long a feed rests after `failures` failed polls in a row: the poll interval doubled each time, capped."""
    minutes = settings.FEED_POLL_MINUTES * 2 ** min(failures, 16)
    return min(dt.timedelta(minutes=minutes), dt.timedelta(hours=settings.FEED_BACKOFF_MAX_HOURS))


def poll_feeds(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Poll every active feed that is due; returns counts (feeds polled, not modified, failed, leads made)."""
    now = now or timezone.now()
    due = Feed.objects.filter(active=True).exclude(next_poll_at__gt=now).order_by("next_poll_at", "pk")
    phrases = list(KeywordRule.objects.values_list("phrase", flat=True))
    totals = {"polled": 0, "not_modified": 0, "failed": 0, "leads": 0}
    for feed in due:
        totals["polled"] += 1
        outcome = poll_feed(feed, phrases, now=now)
        if isinstance(outcome, int):
            totals["leads"] += outcome
        else:
            totals[outcome] += 1
    return totals


def poll_feed(feed: Feed, phrases: list[str], *, now: dt.datetime) -> Any:
    """One conditional GET of one feed: "not_modified", "failed", or the number of leads it made."""
    result = fetcher.fetch(
        feed.url, max_bytes=settings.FEED_MAX_BYTES, deadline=settings.FEED_TIMEOUT, **_validators(feed)
    )
    if result.not_modified:
        services.record_feed_poll(feed, now=now, status=304, next_poll_at=now + backoff(0))
        return "not_modified"
    error = result.error or (f"HTTP {result.status}" if result.status != 200 else "")
    if not error and result.truncated:
        error = f"over the size cap ({settings.FEED_MAX_BYTES:,} bytes)"
    entries = feed_entries(result.body) if not error else None
    if entries is None and not error:
        error = "not an RSS, Atom or JSON feed"
    if error:
        failures = feed.failures + 1
        services.record_feed_poll(
            feed, now=now, status=result.status, error=error, failures=failures, next_poll_at=now + backoff(failures)
        )
        return "failed"
    made = 0
    for entry in entries or []:
        made += _lead_from(entry, feed, phrases, now)
    services.record_feed_poll(
        feed,
        now=now,
        status=result.status,
        etag=result.headers.get("ETag", ""),
        last_modified=result.headers.get("Last-Modified", ""),
        next_poll_at=now + backoff(0),
    )
    return made


@dataclass
class Entry:
    link: str
    title: str
    summary: str
    published: dt.datetime | None


def feed_entries(body: bytes) -> list[Entry] | None:
    """A feed's items: RSS and Atom by feedparser, JSON Feed (which feedparser 6 does not read) from its JSON; None
    when the body is none of them."""
    if body.lstrip().startswith(b"{"):
        try:
            data = json.loads(body)
        except ValueError:
            return None
        items = data.get("items") if isinstance(data, dict) else None
        if (
            not isinstance(data, dict)
            or "jsonfeed.org" not in str(data.get("version", ""))
            or not isinstance(items, list)
        ):
            return None
        return [
            Entry(
                str(item.get("url") or ""),
                str(item.get("title") or ""),
                str(item.get("summary") or item.get("content_text") or ""),
                _iso_time(str(item.get("date_published") or "")),
            )
            for item in items
            if isinstance(item, dict)
        ]
    parsed = feedparser.parse(body)
    if not parsed.entries and (parsed.bozo or not parsed.get("version")):
        return None
    return [
        Entry(str(e.get("link") or ""), str(e.get("title") or ""), str(e.get("summary") or ""), _entry_time(e))
        for e in parsed.entries
    ]


def _iso_time(value: str) -> dt.datetime | None:
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _entry_time(entry: Any) -> dt.datetime | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if not parsed:
        return None
    return dt.datetime.fromtimestamp(calendar.timegm(parsed), dt.UTC)


def _lead_from(entry: Entry, feed: Feed, phrases: list[str], now: dt.datetime) -> int:
    """Make a lead of one feed item if it matches and is new (1), else 0. A second copy of a story (its URL, or
    a near-identical title, already a lead) is noted on the first."""
    url = entry.link.strip()
    title = " ".join(entry.title.split())[:500]
    summary = " ".join(TAG.sub(" ", html.unescape(entry.summary)).split())[:2000]
    if not url or not title or fetcher.url_problem(url):
        return 0
    found = match(f"{title} {summary}", phrases)
    if found is None:
        return 0
    normalized = services.normalize_url(url)
    key = text_key(title)
    same = Lead.objects.filter(normalized_url=normalized).first() or _same_story(key, now)
    if same is not None:
        services.note_lead_copy(same, url)
        return 0
    services.add_lead(
        url=url,
        title=title,
        title_key=key,
        summary=summary,
        published_at=entry.published,
        feed=feed,
        words=found.words,
        countries=list(Country.objects.filter(iso2__in=found.countries)),
        now=now,
    )
    return 1


def _same_story(key: str, now: dt.datetime) -> Lead | None:
    """A lead found recently whose title is the same story's (equal or near-identical keys)."""
    exact = Lead.objects.filter(title_key=key).first()
    if exact is not None:
        return exact
    recent = Lead.objects.filter(found_at__gte=now - dt.timedelta(days=RECENT_DAYS)).only("pk", "title_key")
    for lead in recent.order_by("-found_at")[:1000]:
        if difflib.SequenceMatcher(None, key, lead.title_key).ratio() >= SIMILAR_TITLE:
            return lead
    return None
