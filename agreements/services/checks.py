"""Shared checks of the write path: URLs, countries, dates, text, sources, and the content identity of events.

Every check raises a ValidationError naming the field it refuses, so forms, the API and the importer can show the
problem next to what was typed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext

from .. import fetcher
from ..dates import Precision, format_partial_date
from ..models import Country, Source
from ..reference import parse_country

MAX_TEXT = 5000  # quotes, paraphrases and notes: a paragraph or a few, never a whole article
# The largest whole number read from input: PostgreSQL's `integer`, the column of every count we store (people) and
# past any id or page that exists, so one bound serves forms, serializers, pagination and the importer.
MAX_INT = 2_147_483_647
MAX_URL = 2000  # the URL columns' length
TRACKING_PARAMS = ("utm_", "fbclid", "gclid", "mc_cid", "mc_eid")
User = AbstractBaseUser | AnonymousUser | None


def clean_http_url(url: str, *, field: str = "url") -> str:
    """The URL stripped and written as the URI a browser would request (`fetcher.as_uri`: scheme and host in lower
    case, `HTTPS://Example.org/café` is `https://example.org/caf%C3%A9`), or a ValidationError naming `field` for
    anything that is not an http(s) URL the fetcher could try: the fetcher's own rule (`fetcher.url_problem`)
    refuses a user name or password, a port past 65535 and a host that is not valid."""
    url = (url or "").strip()
    if not url:
        raise ValidationError({field: gettext("A URL is required.")})
    if len(url) > MAX_URL:
        raise ValidationError({field: gettext("The URL is longer than %(n)s characters.") % {"n": f"{MAX_URL:,}"}})
    if any(ch.isspace() or not ch.isprintable() for ch in url):
        raise ValidationError({field: gettext("Not a valid URL: it holds a space or a control character.")})
    scheme, colon, _ = url.partition(":")
    if not colon or scheme.lower() not in {"http", "https"}:
        raise ValidationError({field: gettext("Must be an http or https URL.")})
    if problem := fetcher.url_problem(url):
        reason = problem.removeprefix("refused: ")
        raise ValidationError({field: f"{reason[:1].upper()}{reason[1:]}."})
    uri = fetcher.as_uri(url)
    if len(uri) > MAX_URL:
        raise ValidationError(
            {field: gettext("The URL is longer than %(n)s characters once percent-encoded.") % {"n": f"{MAX_URL:,}"}}
        )
    return uri


def name_key(name: str) -> str:
    """THE identity of a name (an actor's, a publisher's, an origin's): case-folded for every alphabet, with its
    whitespace collapsed. Stored beside the name by every writer, so both databases compare keys, never lower()
    (SQLite's folds only ASCII)."""
    return " ".join((name or "").casefold().split())


def set_source_keys(source: Source) -> None:
    """Store a source's name keys: its publisher's, and its independent origin's (the origin, or the publisher
    itself when it did its own reporting) — what "backed by N independent publishers" counts."""
    source.publisher_key = name_key(source.publisher)
    source.origin_key = name_key(source.origin) or source.publisher_key


def normalize_url(url: str) -> str:
    """The identity of a source: scheme-less, lower-case host, no default port, fragment or tracking parameters."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    if parts.port and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    path = parts.path or "/"
    if len(path) > 1:
        path = path.rstrip("/")
    query = urlencode(
        sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not k.startswith(TRACKING_PARAMS))
    )
    return urlunsplit(("https", host, path, query, ""))


def resolve_country(value: Country | str | None, *, field: str) -> Country:
    """A Country from an instance or any form the country parser accepts; unknown → ValidationError."""
    if isinstance(value, Country):
        return value
    text = (value or "").strip()
    if not text:
        raise ValidationError({field: gettext("A country is required.")})
    country = parse_country(text)
    if country is None:
        raise ValidationError({field: gettext("Unknown country %(text)s.") % {"text": repr(text[:100])}})
    return country


def check_date(date: dt.date | None, precision: str, *, field: str = "date") -> None:
    if date is None:
        raise ValidationError({field: gettext("A date is required.")})
    if precision not in Precision.values:
        raise ValidationError({field: f"Unknown date precision {precision!r}."})
    if date > timezone.now().date():
        raise ValidationError(
            {field: gettext("The date %(day)s is in the future.") % {"day": format_partial_date(date, precision)}}
        )


def check_text(value: str, *, field: str) -> str:
    value = (value or "").strip()
    if len(value) > MAX_TEXT:
        raise ValidationError(
            {
                field: gettext("At most %(n)s characters (%(given)s given).")
                % {"n": f"{MAX_TEXT:,}", "given": f"{len(value):,}"}
            }
        )
    return value


def check_sources(sources: Sequence[Source] | None) -> list[Source]:
    sources = [s for s in (sources or []) if s is not None]
    if not sources:
        raise ValidationError({"sources": gettext("At least one source is required: nothing is recorded without one.")})
    return sources


def whole_number(value: object, *, field: str, minimum: int = 0) -> int:
    """`value` (an int, or its ASCII digits) as an int from `minimum` to MAX_INT, or a ValidationError naming
    `field`. Digits are counted before conversion, so a value thousands of digits long costs nothing."""
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit() and len(value.strip()) <= 10:
        value = int(value.strip())
    if not isinstance(value, int) or isinstance(value, bool) or not minimum <= value <= MAX_INT:
        raise ValidationError(
            {
                field: gettext("Must be a whole number from %(low)s to %(high)s.")
                % {"low": minimum, "high": f"{MAX_INT:,}"}
            }
        )
    return value


def check_people(people: int | None, *, field: str = "people") -> None:
    """People transferred: none given, or a whole number the column holds."""
    if people is not None:
        whole_number(people, field=field)


Nationalities = list[tuple[Country, int | None]]


def check_nationalities(
    nationalities: Iterable[tuple[Country | str, object]], people: int | None, *, field: str = "nationalities"
) -> Nationalities:
    """The citizenships of the people of one transfer, as (Country, count or None): each country through the one
    country parser, once; each count a whole number that is not above the transfer's `people` (when given). A
    person may hold two citizenships, so the counts are not summed."""
    out: Nationalities = []
    for value, count in nationalities:
        country = resolve_country(value, field=field)
        if any(country.pk == seen.pk for seen, _ in out):
            raise ValidationError({field: gettext("%(country)s is given twice.") % {"country": country.name}})
        number = None
        if count is not None and count != "":
            try:
                number = whole_number(count, field=field)
            except ValidationError:
                message = gettext("The count for %(country)s must be a whole number from 0 to %(high)s.") % {
                    "country": country.name,
                    "high": f"{MAX_INT:,}",
                }
                raise ValidationError({field: message}) from None
            if people is not None and number > people:
                message = gettext(
                    "The count for %(country)s (%(n)s) is more than the %(people)s people transferred."
                ) % {"country": country.name, "n": f"{number:,}", "people": f"{people:,}"}
                raise ValidationError({field: message})
        out.append((country, number))
    return out


def check_people_totals(arrangement_ids: Iterable[int], *, field: str = "people") -> None:
    """The people transferred under each arrangement (the sum its derived state stores) must fit the column too:
    run after a write that adds or changes people, inside its transaction, so a refusal writes nothing."""
    from ..models import StatusChange

    for chunk in chunks(set(arrangement_ids)):
        over = (
            StatusChange.objects.filter(arrangement__in=chunk, people__isnull=False)
            .order_by()
            .values("arrangement")
            .annotate(total=Sum("people"))
            .filter(total__gt=MAX_INT)
            .exists()
        )
        if over:
            raise ValidationError(
                {
                    field: gettext("The people transferred under one arrangement would pass %(high)s.")
                    % {"high": f"{MAX_INT:,}"}
                }
            )


def content_key(**fields: Any) -> str:
    """A stable identity for an event without an import_ref: a hash of what it says."""
    payload = json.dumps(fields, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


def status_change_key(
    *,
    sending_state: str,
    receiving_country: str,
    date: dt.date,
    precision: str,
    status: str,
    note: str,
    people: int | None,
    with_statement: bool = False,
) -> str:
    return content_key(
        record_type="status_change",
        sending_state=sending_state,
        receiving_country=receiving_country,
        date=format_partial_date(date, precision),
        status=status,
        note=note,
        people=people,
        statement=with_statement,
    )


def statement_key(
    *,
    sending_state: str,
    receiving_countries: Iterable[str],
    date: dt.date,
    precision: str,
    actor: str,
    stance: str,
    quote: str,
    paraphrase: str,
    status: str | None,
) -> str:
    return content_key(
        record_type="statement",
        sending_state=sending_state,
        receiving_countries=sorted(set(receiving_countries)),
        date=format_partial_date(date, precision),
        actor=name_key(actor),
        stance=stance,
        quote=quote,
        paraphrase=paraphrase,
        status=status or "",
    )


def track(instance: Any, user: User, reason: str) -> None:
    """Tell django-simple-history who made this save and why."""
    if user is not None and getattr(user, "is_authenticated", False):
        instance._history_user = user
    instance._change_reason = (reason or "")[:100]


def note_sources_added(records: Sequence[Any], user: User, reason: str) -> None:
    """A history entry for each event that gained a source (no field of its own row changes, so no save would)."""
    from simple_history.utils import bulk_update_with_history

    for model in {type(r) for r in records}:
        same = [r for r in records if type(r) is model]
        bulk_update_with_history(
            same, model, [], default_user=history_user(user), default_change_reason=(reason or "source added")[:100]
        )


def history_user(user: User) -> Any:
    """The user to record in the history, or None for anonymous and system writes."""
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def unique_slugs(names: list[str]) -> list[str]:
    """A new, unused actor slug for each name (names that slug alike get -2, -3, …)."""
    from ..models import Actor

    bases = [slugify(name)[:200] or "actor" for name in names]
    taken: set[str] = set()
    for group in chunks(sorted(set(bases)), 100):
        prefixes = Q()
        for base in group:
            prefixes |= Q(slug__startswith=base)
        taken |= set(Actor.objects.filter(prefixes).values_list("slug", flat=True))
    slugs = []
    for base in bases:
        slug, n = base, 2
        while slug in taken:
            slug, n = f"{base}-{n}", n + 1
        taken.add(slug)
        slugs.append(slug)
    return slugs


def chunks(values: Iterable[Any], size: int = 500) -> Iterator[list[Any]]:
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]
