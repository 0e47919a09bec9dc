"""The write path. Views, forms, the API, the admin and the importer change data only through these functions.

Each function is keyword-only and atomic, refuses bad input with a ValidationError naming the field, records who
made the change and why (django-simple-history), keeps each arrangement's derived state (current status, people
transferred, staleness deadline) in step with its event log, and invalidates cached reads on commit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery, Sum
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.text import slugify
from simple_history.utils import bulk_create_with_history

from .dates import Precision, format_partial_date
from .models import Actor, Arrangement, Country, Source, Statement, StatusChange, Verification
from .querysets import LATEST_FIRST, stale_windows

logger = logging.getLogger(__name__)

MAX_TEXT = 5000  # quotes, paraphrases and notes: a paragraph or a few, never a whole article
DATA_VERSION_KEY = "tracker:data-version"
TRACKING_PARAMS = ("utm_", "fbclid", "gclid", "mc_cid", "mc_eid")
User = AbstractBaseUser | AnonymousUser | None


# ---------------------------------------------------------------------------------------------------------------
# Validation helpers


def clean_http_url(url: str, *, field: str = "url") -> str:
    """Return the URL stripped, or refuse anything that is not an absolute http(s) URL."""
    url = (url or "").strip()
    if not url:
        raise ValidationError({field: "A URL is required."})
    parts = urlsplit(url)
    if parts.scheme.lower() not in {"http", "https"}:
        raise ValidationError({field: f"Only http and https URLs are accepted (got {url[:100]!r})."})
    if not parts.hostname or any(ch.isspace() for ch in url):
        raise ValidationError({field: f"Not a valid URL: {url[:100]!r}."})
    if len(url) > 2000:
        raise ValidationError({field: "The URL is longer than 2,000 characters."})
    return url


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
    """A Country from an instance or an ISO alpha-2/alpha-3 code or English name; unknown → ValidationError."""
    if isinstance(value, Country):
        return value
    from .reference import country_lookup

    text = (value or "").strip()
    if not text:
        raise ValidationError({field: "A country is required."})
    country = country_lookup().get(text.casefold())
    if country is None:
        raise ValidationError({field: f"Unknown country {text[:100]!r}."})
    return country


def _check_date(date: dt.date | None, precision: str, *, field: str = "date") -> None:
    if date is None:
        raise ValidationError({field: "A date is required."})
    if precision not in Precision.values:
        raise ValidationError({field: f"Unknown date precision {precision!r}."})
    if date > timezone.now().date():
        raise ValidationError({field: f"The date {format_partial_date(date, precision)} is in the future."})


def _check_text(value: str, *, field: str) -> str:
    value = (value or "").strip()
    if len(value) > MAX_TEXT:
        raise ValidationError({field: f"At most {MAX_TEXT:,} characters ({len(value):,} given)."})
    return value


def _check_sources(sources: Sequence[Source] | None) -> list[Source]:
    sources = [s for s in (sources or []) if s is not None]
    if not sources:
        raise ValidationError({"sources": "At least one source is required: nothing is recorded without one."})
    return sources


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
        actor=actor.casefold(),
        stance=stance,
        quote=quote,
        paraphrase=paraphrase,
        status=status or "",
    )


def _track(instance: Any, user: User, reason: str) -> None:
    """Tell django-simple-history who made this save and why."""
    if user is not None and getattr(user, "is_authenticated", False):
        instance._history_user = user
    instance._change_reason = (reason or "")[:100]


def bump_data_version() -> None:
    """Invalidate every cached read (map API, pages) by moving the data version on."""
    try:
        cache.set(DATA_VERSION_KEY, uuid.uuid4().hex, None)
    except Exception:  # the cache being down must never fail a write; reads then miss and go to the database
        logger.warning("could not bump the data version in the cache", exc_info=True)


def data_version() -> str:
    """The current data version (a token that changes on every write), for cache keys and ETags."""
    try:
        version = cache.get(DATA_VERSION_KEY)
        if version is None:
            version = uuid.uuid4().hex
            cache.add(DATA_VERSION_KEY, version, None)
            version = cache.get(DATA_VERSION_KEY, version)
        return str(version)
    except Exception:
        logger.warning("cache unavailable; serving uncached", exc_info=True)
        return ""


def data_changed() -> None:
    """After this transaction commits, every cached read is stale."""
    transaction.on_commit(bump_data_version)


# ---------------------------------------------------------------------------------------------------------------
# Sources, actors and arrangements


@dataclass
class Found:
    """The result of a find-or-create: the object, whether it was created, and details that differed."""

    obj: Any
    created: bool
    differences: list[str] = field(default_factory=list)


def differences(obj: Any, given: dict[str, Any]) -> list[str]:
    """Given details that differ from the stored ones (empty values are not compared)."""
    out = []
    for name, value in given.items():
        if value in (None, ""):
            continue
        stored = getattr(obj, name)
        stored_cmp = stored.pk if hasattr(stored, "pk") else stored
        value_cmp = value.pk if hasattr(value, "pk") else value
        if str(stored_cmp or "").casefold() != str(value_cmp).casefold():
            out.append(f"{name}: stored {stored_cmp!r}, given {value_cmp!r} (stored kept)")
    return out


@transaction.atomic
def get_or_create_source(
    *,
    url: str,
    publisher: str = "",
    title: str = "",
    published: dt.date | None = None,
    published_precision: str = Precision.DAY,
    kind: str = "",
    archive_url: str = "",
    user: User = None,
    reason: str = "",
) -> Found:
    """The source with this URL after normalisation, or a new one (which needs a publisher)."""
    url = clean_http_url(url, field="source_url")
    normalized = normalize_url(url)
    existing = Source.objects.filter(normalized_url=normalized).first()
    given = {"publisher": publisher.strip(), "title": title.strip(), "kind": kind}
    if existing is not None:
        return Found(existing, False, differences(existing, given))
    if not publisher.strip():
        raise ValidationError({"source_publisher": "A new source needs its publisher."})
    if kind and kind not in Source.Kind.values:
        raise ValidationError({"source_kind": f"Unknown source kind {kind!r}."})
    if published is not None:
        _check_date(published, published_precision, field="source_date")
    if archive_url:
        archive_url = clean_http_url(archive_url, field="archive_url")
    if len(title) > 500 or len(publisher) > 200:
        raise ValidationError({"source_title": "Title at most 500 characters, publisher at most 200."})
    source = Source(
        url=url,
        normalized_url=normalized,
        publisher=publisher.strip(),
        title=title.strip(),
        published=published,
        published_precision=published_precision,
        kind=kind,
        archive_url=archive_url,
    )
    _track(source, user, reason or "new source")
    source.save()
    data_changed()
    return Found(source, True)


def _unique_slug(name: str) -> str:
    base = slugify(name)[:200] or "actor"
    slug, n = base, 2
    while Actor.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def get_or_create_actor(
    *,
    name: str,
    role: str = "",
    kind: str = "",
    country: Country | str | None = None,
    user: User = None,
    reason: str = "",
) -> Found:
    """The actor with this name (case-insensitive), or a new one."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"actor": "An actor is required."})
    if len(name) > 200:
        raise ValidationError({"actor": "An actor's name has at most 200 characters."})
    if kind and kind not in Actor.Kind.values:
        raise ValidationError({"actor_kind": f"Unknown actor kind {kind!r}."})
    country_obj = resolve_country(country, field="actor_country") if country else None
    existing = Actor.objects.filter(name__iexact=name).first()
    if existing is not None:
        return Found(
            existing,
            False,
            differences(existing, {"role": role.strip(), "kind": kind, "country": country_obj}),
        )
    actor = Actor(
        name=name,
        slug=_unique_slug(name),
        role=role.strip()[:200],
        kind=kind or Actor.Kind.OTHER,
        country=country_obj,
    )
    _track(actor, user, reason or "new actor")
    actor.save()
    data_changed()
    return Found(actor, True)


def get_or_create_arrangement(
    *, sending_state: Country | str, receiving_country: Country | str, user: User = None, reason: str = ""
) -> Found:
    """The arrangement of this pair, locked for the rest of the transaction (writers of one arrangement queue up, so
    each one's refresh of the derived state sees every change committed before it), or a new one."""
    sending = resolve_country(sending_state, field="sending_state")
    receiving = resolve_country(receiving_country, field="receiving_country")
    if sending.pk == receiving.pk:
        raise ValidationError({"receiving_country": "The receiving country must differ from the sending state."})
    pair = {"sending_state": sending, "receiving_country": receiving}
    existing = Arrangement.objects.select_for_update().filter(**pair).first()
    if existing is not None:
        return Found(existing, False)
    arrangement = Arrangement(**pair)
    _track(arrangement, user, reason or "new arrangement")
    try:
        with transaction.atomic():  # a savepoint: another writer may create the same pair at the same moment
            arrangement.save()
    except IntegrityError:
        return Found(Arrangement.objects.select_for_update().get(**pair), False)
    return Found(arrangement, True)


# ---------------------------------------------------------------------------------------------------------------
# Events


@transaction.atomic
def record_status_change(
    *,
    sending_state: Country | str,
    receiving_country: Country | str,
    status: str,
    date: dt.date | None,
    precision: str = Precision.DAY,
    sources: Sequence[Source],
    note: str = "",
    people: int | None = None,
    statement: Statement | None = None,
    import_ref: str | None = None,
    user: User = None,
    reason: str = "",
) -> StatusChange:
    """Record that an arrangement moved to `status` on `date`, on the word of at least one source."""
    if status not in Arrangement.Status.values:
        raise ValidationError({"status": f"Unknown status {status!r}; one of {', '.join(Arrangement.Status.values)}."})
    _check_date(date, precision)
    assert date is not None
    sources = _check_sources(sources)
    note = _check_text(note, field="note")
    if people is not None and (not isinstance(people, int) or people < 0):
        raise ValidationError({"people": f"People transferred must be a whole number ≥ 0 (got {people!r})."})
    arrangement = get_or_create_arrangement(
        sending_state=sending_state, receiving_country=receiving_country, user=user, reason=reason
    ).obj
    change = StatusChange(
        arrangement=arrangement,
        status=status,
        date=date,
        date_precision=precision,
        note=note,
        people=people,
        statement=statement,
        import_ref=(import_ref or "").strip() or None,
        content_key=status_change_key(
            sending_state=arrangement.sending_state_id,
            receiving_country=arrangement.receiving_country_id,
            date=date,
            precision=precision,
            status=status,
            note=note,
            people=people,
            with_statement=statement is not None,
        ),
    )
    _track(change, user, reason or "status change recorded")
    change.save()
    change.sources.add(*sources)
    refresh_arrangements([arrangement.pk])
    data_changed()
    return change


@transaction.atomic
def log_statement(
    *,
    actor: Actor | None,
    sending_state: Country | str,
    receiving_countries: Iterable[Country | str] = (),
    stance: str,
    date: dt.date | None,
    precision: str = Precision.DAY,
    quote: str = "",
    paraphrase: str = "",
    sources: Sequence[Source],
    status: str | None = None,
    import_ref: str | None = None,
    user: User = None,
    reason: str = "",
) -> Statement:
    """Log what an actor said about arrangements (or, with no receiving country, the sending state's policy).

    With `status`, the same step records that status change for each receiving country, from the same sources.
    """
    if actor is None:
        raise ValidationError({"actor": "A statement needs its actor."})
    if not stance:
        raise ValidationError({"stance": "A statement needs a stance."})
    if stance not in Statement.Stance.values:
        raise ValidationError({"stance": f"Unknown stance {stance!r}; one of {', '.join(Statement.Stance.values)}."})
    _check_date(date, precision)
    assert date is not None
    sources = _check_sources(sources)
    quote = _check_text(quote, field="quote")
    paraphrase = _check_text(paraphrase, field="paraphrase")
    if not quote and not paraphrase:
        raise ValidationError({"quote": "A statement needs a quote or a paraphrase."})
    sending = resolve_country(sending_state, field="sending_state")
    receiving = []
    for value in receiving_countries:
        country = resolve_country(value, field="receiving_country")
        if country not in receiving:
            receiving.append(country)
    if status and not receiving:
        raise ValidationError({"status": "A status change needs a receiving country."})
    arrangements = [
        get_or_create_arrangement(sending_state=sending, receiving_country=c, user=user, reason=reason).obj
        for c in receiving
    ]
    statement = Statement(
        actor=actor,
        sending_state=sending,
        date=date,
        date_precision=precision,
        stance=stance,
        quote=quote,
        paraphrase=paraphrase,
        import_ref=(import_ref or "").strip() or None,
        content_key=statement_key(
            sending_state=sending.pk,
            receiving_countries=[c.pk for c in receiving],
            date=date,
            precision=precision,
            actor=actor.name,
            stance=stance,
            quote=quote,
            paraphrase=paraphrase,
            status=status,
        ),
    )
    _track(statement, user, reason or "statement logged")
    statement.save()
    statement.sources.add(*sources)
    statement.arrangements.add(*arrangements)
    for country in receiving if status else []:
        record_status_change(
            sending_state=sending,
            receiving_country=country,
            status=status or "",
            date=date,
            precision=precision,
            sources=sources,
            note=paraphrase or quote,
            statement=statement,
            user=user,
            reason=reason or "status change recorded with a statement",
        )
    refresh_arrangements([a.pk for a in arrangements])
    data_changed()
    return statement


@transaction.atomic
def add_sources(
    *, record: StatusChange | Statement, sources: Sequence[Source], user: User = None, reason: str = ""
) -> int:
    """Attach further sources to an existing event; returns how many were new to it."""
    sources = _check_sources(sources)
    have = set(record.sources.values_list("pk", flat=True))
    new = [s for s in sources if s.pk not in have]
    if new:
        record.sources.add(*new)
        arrangement_ids = (
            [record.arrangement_id]
            if isinstance(record, StatusChange)
            else list(record.arrangements.values_list("pk", flat=True))
        )
        refresh_arrangements(arrangement_ids)
        data_changed()
    return len(new)


@transaction.atomic
def verify_arrangement(*, arrangement: Arrangement, user: User, note: str = "") -> Verification:
    """An editor's "still accurate": recorded, and the staleness deadline starts again from now."""
    note = _check_text(note, field="note")
    Arrangement.objects.select_for_update().filter(pk=arrangement.pk).exists()
    verification = Verification.objects.create(
        arrangement=arrangement,
        verified_by=user if user is not None and getattr(user, "is_authenticated", False) else None,  # type: ignore[misc]
        verified_at=timezone.now(),
        note=note,
    )
    refresh_arrangements([arrangement.pk])
    data_changed()
    return verification


@transaction.atomic
def retract_record(*, obj: StatusChange | Statement, user: User, reason: str) -> None:
    """Hide a record from every public view, with a reason; it stays in the history (editors never hard-delete).

    Retracting a statement retracts the status changes recorded with it.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "A retraction needs a reason."})
    if len(reason) > 500:
        raise ValidationError({"reason": "At most 500 characters."})
    if obj.retracted_at is not None:
        raise ValidationError({"reason": "This record is already retracted."})
    records: list[Any] = [obj]
    if isinstance(obj, Statement):
        records += list(obj.status_changes.all())
    now = timezone.now()
    arrangement_ids: set[int] = set()
    for record in records:
        record.retracted_at, record.retraction_reason = now, reason
        _track(record, user, f"retracted: {reason}")
        record.save(update_fields=["retracted_at", "retraction_reason"])
        if isinstance(record, StatusChange):
            arrangement_ids.add(record.arrangement_id)
        else:
            arrangement_ids |= set(record.arrangements.values_list("pk", flat=True))
    refresh_arrangements(arrangement_ids)
    data_changed()


# ---------------------------------------------------------------------------------------------------------------
# Bulk: the importer's write path (set-based, a fixed number of queries per batch)


@dataclass
class Event:
    """One status change or statement to record in bulk, each field already checked (importers.read_records)."""

    line: int
    record_type: str  # "status_change" or "statement"
    sending_state: Country
    receiving: list[Country]
    date: dt.date
    precision: str
    status: str
    note: str
    people: int | None
    actor: str
    actor_role: str
    actor_kind: str
    actor_country: Country | None
    stance: str
    quote: str
    source: dict[str, Any]
    import_ref: str

    def key(self) -> str:
        """The content identity (what the event says), as the single-event services compute it."""
        if self.record_type == "status_change":
            return status_change_key(
                sending_state=self.sending_state.pk,
                receiving_country=self.receiving[0].pk,
                date=self.date,
                precision=self.precision,
                status=self.status,
                note=self.note,
                people=self.people,
            )
        return statement_key(
            sending_state=self.sending_state.pk,
            receiving_countries=[c.pk for c in self.receiving],
            date=self.date,
            precision=self.precision,
            actor=self.actor,
            stance=self.stance,
            quote=self.quote,
            paraphrase=self.note,
            status=self.status,
        )


@dataclass
class BulkResult:
    created: int = 0
    unchanged: int = 0
    sources_added: int = 0
    warnings: list[str] = field(default_factory=list)


def _chunks(values: Iterable[Any], size: int = 500) -> Iterator[list[Any]]:
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _bulk_sources(events: Sequence[Event], user: User, reason: str, result: BulkResult) -> dict[str, Source]:
    given: dict[str, dict[str, Any]] = {}
    for e in events:
        given.setdefault(normalize_url(e.source["url"]), e.source)
    found = {s.normalized_url: s for chunk in _chunks(given) for s in Source.objects.filter(normalized_url__in=chunk)}
    new = [
        Source(
            url=clean_http_url(data["url"], field="source_url"),
            normalized_url=n,
            publisher=data["publisher"],
            title=data.get("title", ""),
            published=data.get("published"),
            published_precision=data.get("published_precision") or Precision.DAY,
            kind=data.get("kind", ""),
        )
        for n, data in given.items()
        if n not in found
    ]
    for source in bulk_create_with_history(
        new, Source, batch_size=500, default_user=_user(user), default_change_reason=reason[:100]
    ):
        found[source.normalized_url] = source
    for e in events:
        stored = found[normalize_url(e.source["url"])]
        for difference in differences(stored, {k: e.source.get(k, "") for k in ("publisher", "title", "kind")}):
            result.warnings.append(f"line {e.line}: source {e.source['url']}: {difference}")
    return found


def _unique_slugs(names: list[str]) -> list[str]:
    taken = set(Actor.objects.values_list("slug", flat=True))
    slugs = []
    for name in names:
        base = slugify(name)[:200] or "actor"
        slug, n = base, 2
        while slug in taken:
            slug, n = f"{base}-{n}", n + 1
        taken.add(slug)
        slugs.append(slug)
    return slugs


def _bulk_actors(events: Sequence[Event], user: User, reason: str, result: BulkResult) -> dict[str, Actor]:
    given: dict[str, Event] = {}
    for e in events:
        if e.record_type == "statement":
            given.setdefault(e.actor.casefold(), e)
    found: dict[str, Actor] = {}
    for chunk in _chunks(given):
        for actor in Actor.objects.annotate(folded=Lower("name")).filter(folded__in=chunk):
            found[actor.name.casefold()] = actor
    missing = [e for folded, e in given.items() if folded not in found]
    new = [
        Actor(
            name=e.actor, slug=slug, role=e.actor_role, kind=e.actor_kind or Actor.Kind.OTHER, country=e.actor_country
        )
        for e, slug in zip(missing, _unique_slugs([e.actor for e in missing]), strict=True)
    ]
    for actor in bulk_create_with_history(
        new, Actor, batch_size=500, default_user=_user(user), default_change_reason=reason[:100]
    ):
        found[actor.name.casefold()] = actor
    for e in events:
        if e.record_type == "statement":
            stored = found[e.actor.casefold()]
            given_details = {"role": e.actor_role, "kind": e.actor_kind, "country": e.actor_country}
            for difference in differences(stored, given_details):
                result.warnings.append(f"line {e.line}: actor {e.actor!r}: {difference}")
    return found


def _bulk_arrangements(events: Sequence[Event], user: User, reason: str) -> dict[tuple[str, str], Arrangement]:
    pairs = {(e.sending_state.pk, c.pk) for e in events for c in e.receiving}
    for sending, receiving in pairs:
        if sending == receiving:
            raise ValidationError({"receiving_country": "The receiving country must differ from the sending state."})
    found = {
        (a.sending_state_id, a.receiving_country_id): a
        for a in Arrangement.objects.select_for_update().filter(
            sending_state_id__in={p[0] for p in pairs}, receiving_country_id__in={p[1] for p in pairs}
        )
        if (a.sending_state_id, a.receiving_country_id) in pairs
    }
    new = [Arrangement(sending_state_id=s, receiving_country_id=r) for s, r in sorted(pairs) if (s, r) not in found]
    for a in bulk_create_with_history(
        new, Arrangement, batch_size=500, default_user=_user(user), default_change_reason=reason[:100]
    ):
        found[(a.sending_state_id, a.receiving_country_id)] = a
    return found


def _user(user: User) -> Any:
    return user if user is not None and getattr(user, "is_authenticated", False) else None


@transaction.atomic
def record_events(*, events: Sequence[Event], user: User = None, reason: str = "") -> BulkResult:
    """Record many status changes and statements at once, as the single-event services would one by one.

    Sources, actors and arrangements are found or created; an event already on record (same import_ref, or the
    same content without one) is left as it is, gaining the row's source if that is new to it. Events are
    recorded in the given order, so of two changes on the same date the later one is the latest.
    """
    result = BulkResult()
    if not events:
        return result
    reason = reason or "bulk import"
    sources = _bulk_sources(events, user, reason, result)
    actors = _bulk_actors(events, user, reason, result)
    arrangements = _bulk_arrangements(events, user, reason)

    models_by_type: dict[str, Any] = {"status_change": StatusChange, "statement": Statement}
    known: dict[tuple[str, str, str], Any] = {}
    for record_type, model in models_by_type.items():
        typed = [e for e in events if e.record_type == record_type]
        refs = {e.import_ref for e in typed if e.import_ref}
        keys = {e.key() for e in typed if not e.import_ref}
        # Retracted records count too: re-importing a file must not bring back what an editor retracted.
        for chunk in _chunks(refs):
            for record in model.all_objects.filter(import_ref__in=chunk):
                known[(record_type, "ref", record.import_ref)] = record
        for chunk in _chunks(keys):
            for record in model.all_objects.filter(content_key__in=chunk).order_by("-pk"):
                known[(record_type, "key", record.content_key)] = record  # the earliest wins (ordered last)
    # (record, source) links already made: by primary key for stored records, by id() for pending ones.
    links: dict[str, set[tuple[int, int]]] = {"status_change": set(), "statement": set()}
    existing_ids = {t: [r.pk for (rt, _, _), r in known.items() if rt == t] for t in models_by_type}
    for record_type, through, column in (
        ("status_change", StatusChange.sources.through, "statuschange_id"),
        ("statement", Statement.sources.through, "statement_id"),
    ):
        for chunk in _chunks(existing_ids[record_type]):
            links[record_type] |= set(
                through.objects.filter(**{f"{column}__in": chunk}).values_list(column, "source_id")
            )

    new_statements: list[Statement] = []
    plan: list[tuple[Event, Any]] = []  # (event, record) in file order, records possibly not saved yet
    new_links: dict[str, list[tuple[Any, Source]]] = {"status_change": [], "statement": []}
    for e in events:
        identity = (e.record_type, "ref", e.import_ref) if e.import_ref else (e.record_type, "key", e.key())
        source = sources[normalize_url(e.source["url"])]
        record = known.get(identity)
        if record is not None:
            if e.import_ref and record.content_key != e.key():
                result.warnings.append(
                    f"line {e.line}: import_ref {e.import_ref!r} is already stored with different content; "
                    "the stored record is kept (correct it in the editor)"
                )
            link = (record.pk if record.pk is not None else id(record), source.pk)
            if link in links[e.record_type]:
                result.unchanged += 1
            else:
                links[e.record_type].add(link)
                new_links[e.record_type].append((record, source))
                result.sources_added += 1
            continue
        if e.record_type == "status_change":
            record = StatusChange(
                arrangement=arrangements[(e.sending_state.pk, e.receiving[0].pk)],
                status=e.status,
                date=e.date,
                date_precision=e.precision,
                note=e.note,
                people=e.people,
                import_ref=e.import_ref or None,
                content_key=e.key(),
            )
        else:
            record = Statement(
                actor=actors[e.actor.casefold()],
                sending_state=e.sending_state,
                date=e.date,
                date_precision=e.precision,
                stance=e.stance,
                quote=e.quote,
                paraphrase=e.note,
                import_ref=e.import_ref or None,
                content_key=e.key(),
            )
            new_statements.append(record)
        known[identity] = record
        links[e.record_type].add((id(record), source.pk))  # pending records are known by identity until saved
        new_links[e.record_type].append((record, source))
        plan.append((e, record))
        result.created += 1

    # Recorded in file order: each event a microsecond after the one before (a change recorded with a statement
    # shares its statement's moment), so "recorded later" means "later in the file" everywhere.
    now = timezone.now()
    for index, (_, record) in enumerate(plan):
        record.recorded_at = now + dt.timedelta(microseconds=index)
    history = {"default_user": _user(user), "default_change_reason": reason[:100]}
    bulk_create_with_history(new_statements, Statement, batch_size=500, **history)
    # Status changes in file order (those recorded with a statement point to it), so ids follow the file.
    new_changes: list[StatusChange] = []
    for e, record in plan:
        if isinstance(record, StatusChange):
            new_changes.append(record)
        elif e.status:
            for country in e.receiving:
                new_changes.append(
                    StatusChange(
                        arrangement=arrangements[(e.sending_state.pk, country.pk)],
                        status=e.status,
                        date=e.date,
                        date_precision=e.precision,
                        note=e.note or e.quote,
                        statement=record,
                        recorded_at=record.recorded_at,
                        content_key=status_change_key(
                            sending_state=e.sending_state.pk,
                            receiving_country=country.pk,
                            date=e.date,
                            precision=e.precision,
                            status=e.status,
                            note=e.note or e.quote,
                            people=None,
                            with_statement=True,
                        ),
                    )
                )
                new_links["status_change"].append((new_changes[-1], sources[normalize_url(e.source["url"])]))
    bulk_create_with_history(new_changes, StatusChange, batch_size=500, **history)

    StatusChange.sources.through.objects.bulk_create(
        [StatusChange.sources.through(statuschange_id=r.pk, source_id=s.pk) for r, s in new_links["status_change"]],
        batch_size=1000,
        ignore_conflicts=True,
    )
    Statement.sources.through.objects.bulk_create(
        [Statement.sources.through(statement_id=r.pk, source_id=s.pk) for r, s in new_links["statement"]],
        batch_size=1000,
        ignore_conflicts=True,
    )
    Statement.arrangements.through.objects.bulk_create(
        [
            Statement.arrangements.through(
                statement_id=r.pk, arrangement_id=arrangements[(e.sending_state.pk, c.pk)].pk
            )
            for e, r in plan
            if isinstance(r, Statement)
            for c in e.receiving
        ],
        batch_size=1000,
        ignore_conflicts=True,
    )
    touched = {arrangements[(e.sending_state.pk, c.pk)].pk for e in events for c in e.receiving}
    refresh_arrangements(touched)
    data_changed()
    return result


# ---------------------------------------------------------------------------------------------------------------
# Derived state


def _midnight(day: dt.date | None) -> dt.datetime | None:
    return None if day is None else dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)


def refresh_arrangements(ids: Iterable[int]) -> None:
    """Recompute the stored current state of these arrangements from their event log (a fixed number of queries)."""
    ids = sorted(set(ids))
    for start in range(0, len(ids), 500):
        _refresh_now(ids[start : start + 500])


def _refresh_now(ids: list[int]) -> None:
    changes = StatusChange.objects.filter(arrangement=OuterRef("pk")).order_by(*LATEST_FIRST)
    people = (
        StatusChange.objects.filter(arrangement=OuterRef("pk"), people__isnull=False)
        .order_by()
        .values("arrangement")
        .annotate(total=Sum("people"))
        .values("total")
    )

    rows = (
        Arrangement.objects.filter(pk__in=ids)
        .annotate(
            _status=Subquery(changes.values("status")[:1]),
            at_status=Subquery(changes.values("status")[:1]),
            _date=Subquery(changes.values("date")[:1]),
            _precision=Subquery(changes.values("date_precision")[:1]),
            _people=Subquery(people),
            _last_change=Subquery(
                StatusChange.objects.filter(arrangement=OuterRef("pk")).order_by("-date").values("date")[:1]
            ),
            _last_statement=Subquery(
                Statement.objects.filter(arrangements=OuterRef("pk")).order_by("-date").values("date")[:1]
            ),
            _last_change_source=Subquery(
                Source.objects.filter(
                    status_changes__arrangement=OuterRef("pk"),
                    status_changes__retracted_at__isnull=True,
                    published__isnull=False,
                )
                .order_by("-published")
                .values("published")[:1]
            ),
            _last_statement_source=Subquery(
                Source.objects.filter(
                    statements__arrangements=OuterRef("pk"),
                    statements__retracted_at__isnull=True,
                    published__isnull=False,
                )
                .order_by("-published")
                .values("published")[:1]
            ),
            _last_verified=Subquery(
                Verification.objects.filter(arrangement=OuterRef("pk"))
                .order_by("-verified_at")
                .values("verified_at")[:1]
            ),
        )
        .with_live_evidence()
    )
    windows = stale_windows()
    now = timezone.now()
    updated = []
    for a in rows:
        candidates = [
            _midnight(a._last_change),
            _midnight(a._last_statement),
            _midnight(a._last_change_source),
            _midnight(a._last_statement_source),
            a._last_verified,
        ]
        confirmed = max((c for c in candidates if c is not None), default=None)
        window = windows.get(a._status or "")
        a.status = a._status or ""
        a.status_date = a._date
        a.status_precision = a._precision or ""
        a.people_transferred = a._people
        a.disputed = bool(a.at_disputed)
        a.sources_count = a.at_sources_count or 0
        a.last_confirmed_at = confirmed
        a.stale_after = confirmed + dt.timedelta(days=window) if confirmed and window is not None else None
        if a.stale_after is None or a.stale_after > now:
            a.stale_since = None  # the flag no longer holds
        updated.append(a)
    Arrangement.objects.bulk_update(
        updated,
        [
            "status",
            "status_date",
            "status_precision",
            "people_transferred",
            "disputed",
            "sources_count",
            "last_confirmed_at",
            "stale_after",
            "stale_since",
        ],
    )


# ---------------------------------------------------------------------------------------------------------------
# Corrections

EDITABLE_FIELDS = {
    Source: {"publisher", "title", "published", "published_precision", "kind", "archive_url"},
    Actor: {"name", "role", "kind", "country"},
    Arrangement: {"summary"},
    StatusChange: {"status", "date", "date_precision", "note", "people"},
    Statement: {"stance", "date", "date_precision", "quote", "paraphrase", "actor"},
}


def record_version(obj: Any) -> int:
    """A token for "the record as the editor saw it": the id of its latest history entry."""
    latest = obj.history.order_by("-history_id").values_list("history_id", flat=True).first()
    return int(latest or 0)


@transaction.atomic
def correct_record(
    *, obj: Any, changes: dict[str, Any], user: User, reason: str, expected_version: int | None = None
) -> Any:
    """Edit fields of an existing record; every correction needs a reason and lands in its history.

    With `expected_version` (from record_version() when the editor opened the record), a record changed by someone
    else in the meantime is refused rather than overwritten: no lost update.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Every correction needs a reason."})
    obj = type(obj)._base_manager.select_for_update().get(pk=obj.pk)
    if expected_version is not None and record_version(obj) != expected_version:
        raise ValidationError(
            "This record was changed by someone else since you opened it. Reload it to see the change, then correct "
            "it again if still needed."
        )
    allowed = EDITABLE_FIELDS.get(type(obj), set())
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError({sorted(unknown)[0]: "This field cannot be corrected here."})
    if changes.get("archive_url"):
        changes["archive_url"] = clean_http_url(changes["archive_url"], field="archive_url")
    for name in ("note", "quote", "paraphrase", "summary"):
        if name in changes:
            changes[name] = _check_text(changes[name], field=name)
    if "date" in changes:
        _check_date(changes["date"], changes.get("date_precision", getattr(obj, "date_precision", Precision.DAY)))
    if "published" in changes and changes["published"] is not None:
        _check_date(
            changes["published"],
            changes.get("published_precision", obj.published_precision),
            field="published",
        )
    if "people" in changes and changes["people"] is not None and changes["people"] < 0:
        raise ValidationError({"people": "People transferred must be a whole number ≥ 0."})
    if "status" in changes and changes["status"] not in Arrangement.Status.values:
        raise ValidationError({"status": f"Unknown status {changes['status']!r}."})
    if "stance" in changes and changes["stance"] not in Statement.Stance.values:
        raise ValidationError({"stance": f"Unknown stance {changes['stance']!r}."})
    if isinstance(obj, Statement) and not (
        changes.get("quote", obj.quote) or changes.get("paraphrase", obj.paraphrase)
    ):
        raise ValidationError({"quote": "A statement needs a quote or a paraphrase."})
    if isinstance(obj, StatusChange):  # its arrangement's derived state is rewritten below: queue up
        Arrangement.objects.select_for_update().filter(pk=obj.arrangement_id).exists()
    for name, value in changes.items():
        setattr(obj, name, value)
    _track(obj, user, reason)
    obj.save()
    if isinstance(obj, StatusChange):
        refresh_arrangements([obj.arrangement_id])
    elif isinstance(obj, Statement):
        refresh_arrangements(obj.arrangements.values_list("pk", flat=True))
    elif isinstance(obj, Actor):  # an actor's country or kind decides whether its statements make a dispute
        refresh_arrangements(Arrangement.objects.filter(statements__actor=obj).values_list("pk", flat=True))
    elif isinstance(obj, Source):  # a publisher's name decides the count of independent publishers
        refresh_arrangements(Arrangement.objects.filter(status_changes__sources=obj).values_list("pk", flat=True))
    data_changed()
    return obj
