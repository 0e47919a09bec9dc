"""Single-record writes: find-or-create sources, actors and arrangements; record status changes, statements and
terms; verify, retract and correct. Each is keyword-only and atomic, refuses bad input with a ValidationError
naming the field, records who made the change and why (django-simple-history), refreshes the derived state of the
arrangements it touches, and invalidates cached reads on commit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext
from simple_history.utils import bulk_create_with_history

from ..caching import data_changed
from ..dates import Precision
from ..models import (
    LANGUAGE_TAG,
    Actor,
    Arrangement,
    Country,
    ReportedTotal,
    Source,
    Statement,
    StatusChange,
    Term,
    TransferNationality,
    Verification,
)
from .archive import archive_on_record
from .checks import (
    Nationalities,
    User,
    check_date,
    check_nationalities,
    check_people,
    check_people_totals,
    check_sources,
    check_text,
    clean_http_url,
    history_user,
    name_key,
    normalize_url,
    note_sources_added,
    resolve_country,
    set_source_keys,
    track,
    unique_slugs,
)
from .derived import refresh_arrangements
from .events import arrangement_ids, new_nationalities, new_reported_totals, new_statement, new_status_change


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
    origin: str = "",
    user: User = None,
    reason: str = "",
) -> Found:
    """The source with this URL after normalisation, or a new one (which needs a publisher). `origin` names the
    outlet whose reporting it carries when it is a copy, wire story, summary or mirror."""
    url = clean_http_url(url, field="source_url")
    normalized = normalize_url(url)
    existing = Source.objects.by_url(url).first()
    given = {"publisher": publisher.strip(), "origin": origin.strip(), "title": title.strip(), "kind": kind}
    if existing is not None:
        return Found(existing, False, differences(existing, given))
    if not publisher.strip():
        raise ValidationError({"source_publisher": gettext("A new source needs its publisher.")})
    if kind and kind not in Source.Kind.values:
        raise ValidationError({"source_kind": f"Unknown source kind {kind!r}."})
    if published is not None:
        check_date(published, published_precision, field="source_date")
    if archive_url:
        archive_url = clean_http_url(archive_url, field="archive_url")
    if len(title) > 500:
        raise ValidationError({"source_title": gettext("A title has at most 500 characters.")})
    for name, value in (("source_publisher", publisher), ("source_origin", origin)):
        if len(value.strip()) > 200:
            raise ValidationError({name: gettext("At most 200 characters.")})
    source = Source(
        url=url,
        normalized_url=normalized,
        publisher=publisher.strip(),
        origin=origin.strip(),
        title=title.strip(),
        published=published,
        published_precision=published_precision,
        kind=kind,
        archive_url=archive_url,
    )
    set_source_keys(source)
    track(source, user, reason or "new source")
    source.save()
    archive_on_record([source.pk])
    data_changed()
    return Found(source, True)


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
    """The actor with this name (the same name key: any case, in every alphabet, spacing aside), or a new one."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"actor": gettext("An actor is required.")})
    if len(name) > 200:
        raise ValidationError({"actor": gettext("An actor's name has at most 200 characters.")})
    if kind and kind not in Actor.Kind.values:
        raise ValidationError({"actor_kind": f"Unknown actor kind {kind!r}."})
    country_obj = resolve_country(country, field="actor_country") if country else None
    existing = Actor.objects.filter(name_key=name_key(name)).first()
    if existing is not None:
        return Found(
            existing,
            False,
            differences(existing, {"role": role.strip(), "kind": kind, "country": country_obj}),
        )
    actor = Actor(
        name=name,
        name_key=name_key(name),
        slug=unique_slugs([name])[0],
        role=role.strip()[:200],
        kind=kind or Actor.Kind.OTHER,
        country=country_obj,
    )
    track(actor, user, reason or "new actor")
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
        raise ValidationError(
            {"receiving_country": gettext("The receiving country must differ from the sending state.")}
        )
    pair = {"sending_state": sending, "receiving_country": receiving}
    existing = Arrangement.objects.select_for_update().filter(**pair).first()
    if existing is not None:
        return Found(existing, False)
    arrangement = Arrangement(**pair)
    track(arrangement, user, reason or "new arrangement")
    try:
        with transaction.atomic():  # a savepoint: another writer may create the same pair at the same moment
            arrangement.save()
    except IntegrityError:
        return Found(Arrangement.objects.select_for_update().get(**pair), False)
    return Found(arrangement, True)


def _save_event(record: StatusChange | Statement, sources: Sequence[Source], user: User, reason: str) -> None:
    track(record, user, reason)
    record.save()
    record.sources.add(*sources)


def _save_transfer(
    event: StatusChange | Statement,
    arrangement: Arrangement,
    *,
    nationalities: Nationalities,
    people_total: int | None,
    sources: Sequence[Source],
    user: User,
    reason: str,
) -> None:
    """What an event says of a transfer besides its own fields, with history: the nationalities of the people of
    a status change, and the cumulative total its sources report for the arrangement."""
    history = {"default_user": history_user(user), "default_change_reason": reason[:100]}
    if nationalities and isinstance(event, StatusChange):
        bulk_create_with_history(new_nationalities(event, nationalities), TransferNationality, **history)
    if people_total is not None:
        totals = new_reported_totals(event=event, arrangement=arrangement, people=people_total, sources=sources)
        bulk_create_with_history(totals, ReportedTotal, **history)


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
    nationalities: Iterable[tuple[Country | str, object]] = (),
    people_total: int | None = None,
    statement: Statement | None = None,
    import_ref: str | None = None,
    user: User = None,
    reason: str = "",
) -> StatusChange:
    """Record that an arrangement moved to `status` on `date`, on the word of at least one source.

    A transfer may say who was sent (`nationalities`: (country, count or None) pairs, no count above `people`)
    and the cumulative number its sources report for the arrangement so far (`people_total`)."""
    if status not in Arrangement.Status.values:
        raise ValidationError({"status": f"Unknown status {status!r}; one of {', '.join(Arrangement.Status.values)}."})
    check_date(date, precision)
    assert date is not None
    sources = check_sources(sources)
    note = check_text(note, field="note")
    check_people(people)
    checked = check_nationalities(nationalities, people)
    check_people(people_total, field="people_total")
    arrangement = get_or_create_arrangement(
        sending_state=sending_state, receiving_country=receiving_country, user=user, reason=reason
    ).obj
    change = new_status_change(
        arrangement=arrangement,
        status=status,
        date=date,
        precision=precision,
        note=note,
        people=people,
        statement=statement,
        import_ref=import_ref,
    )
    _save_event(change, sources, user, reason or "status change recorded")
    _save_transfer(
        change,
        arrangement,
        nationalities=checked,
        people_total=people_total,
        sources=sources,
        user=user,
        reason=reason or "status change recorded",
    )
    if people:
        check_people_totals([arrangement.pk])
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
    nationalities: Iterable[tuple[Country | str, object]] = (),
    people_total: int | None = None,
    import_ref: str | None = None,
    user: User = None,
    reason: str = "",
) -> Statement:
    """Log what an actor said about arrangements (or, with no receiving country, the sending state's policy).

    With `status`, the same step records that status change for each receiving country, from the same sources
    (with one receiving country, it may name the `nationalities` of the people transferred). About one receiving
    country, it may report the cumulative number of people transferred so far (`people_total`).
    """
    if actor is None:
        raise ValidationError({"actor": gettext("A statement needs its actor.")})
    if not stance:
        raise ValidationError({"stance": gettext("A statement needs a stance.")})
    if stance not in Statement.Stance.values:
        raise ValidationError({"stance": f"Unknown stance {stance!r}; one of {', '.join(Statement.Stance.values)}."})
    check_date(date, precision)
    assert date is not None
    sources = check_sources(sources)
    quote = check_text(quote, field="quote")
    paraphrase = check_text(paraphrase, field="paraphrase")
    if not quote and not paraphrase:
        raise ValidationError({"quote": gettext("A statement needs a quote or a paraphrase.")})
    sending = resolve_country(sending_state, field="sending_state")
    receiving = []
    for value in receiving_countries:
        country = resolve_country(value, field="receiving_country")
        if country not in receiving:
            receiving.append(country)
    if status and not receiving:
        raise ValidationError({"status": gettext("A status change needs a receiving country.")})
    nationalities = list(nationalities)
    if nationalities and not (status and len(receiving) == 1):
        message = "Nationalities belong to a transfer: give the status it records and one receiving country."
        raise ValidationError({"nationalities": message})
    checked = check_nationalities(nationalities, None)
    check_people(people_total, field="people_total")
    if people_total is not None and len(receiving) != 1:
        message = "A reported total is about one arrangement: give one receiving country."
        raise ValidationError({"people_total": message})
    arrangements = [
        get_or_create_arrangement(sending_state=sending, receiving_country=c, user=user, reason=reason).obj
        for c in receiving
    ]
    statement = new_statement(
        actor=actor,
        sending_state=sending,
        receiving_countries=[c.pk for c in receiving],
        date=date,
        precision=precision,
        stance=stance,
        quote=quote,
        paraphrase=paraphrase,
        status=status,
        import_ref=import_ref,
    )
    _save_event(statement, sources, user, reason or "statement logged")
    statement.arrangements.add(*arrangements)
    if people_total is not None:
        _save_transfer(
            statement,
            arrangements[0],
            nationalities=[],
            people_total=people_total,
            sources=sources,
            user=user,
            reason=reason or "statement logged",
        )
    for country in receiving if status else []:
        record_status_change(
            sending_state=sending,
            receiving_country=country,
            status=status or "",
            date=date,
            precision=precision,
            sources=sources,
            note=paraphrase or quote,
            nationalities=checked,
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
    """Attach further sources to an existing event; returns how many were new to it. The event gets a history entry
    (its sources are part of it: the changes API lists it)."""
    sources = check_sources(sources)
    have = set(record.sources.values_list("pk", flat=True))
    new = [s for s in sources if s.pk not in have]
    if new:
        record.sources.add(*new)
        note_sources_added([record], user, reason)
        refresh_arrangements(arrangement_ids(record))
        data_changed()
    return len(new)


@transaction.atomic
def verify_arrangement(*, arrangement: Arrangement, user: User, note: str = "") -> Verification:
    """An editor's "still accurate": recorded, and the staleness deadline starts again from now."""
    note = check_text(note, field="note")
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


def _check_term(*, kind: str, value: str, date: dt.date | None, precision: str) -> str:
    """A term is a date (signed, in force, expires — an expiry may lie ahead) or a value (the others)."""
    if kind not in Term.Kind.values:
        raise ValidationError({"kind": f"Unknown term {kind!r}; one of {', '.join(Term.Kind.values)}."})
    value = check_text(value, field="value")
    if len(value) > 500:
        raise ValidationError({"value": f"At most 500 characters ({len(value):,} given)."})
    if kind in Term.DATED:
        if date is None:
            raise ValidationError({"date": gettext("This term is a date: give it (YYYY-MM-DD, YYYY-MM or YYYY).")})
        if kind != Term.Kind.EXPIRES:
            check_date(date, precision)
    elif not value:
        raise ValidationError({"value": gettext("Say what the term is.")})
    return value


@transaction.atomic
def record_term(
    *,
    sending_state: Country | str,
    receiving_country: Country | str,
    kind: str,
    value: str = "",
    date: dt.date | None = None,
    precision: str = Precision.DAY,
    source: Source | None,
    user: User = None,
    reason: str = "",
) -> Term:
    """Record a known term of an arrangement (instrument, dates, who is covered, cap, payment), with its source.

    Date terms (signed, in force, expires) need a date — an expiry may lie ahead; the others need a value.
    """
    if source is None:
        raise ValidationError({"sources": gettext("A term needs its source: nothing is recorded without one.")})
    value = _check_term(kind=kind, value=value, date=date, precision=precision)
    arrangement = get_or_create_arrangement(
        sending_state=sending_state, receiving_country=receiving_country, user=user, reason=reason
    ).obj
    term = Term(arrangement=arrangement, kind=kind, value=value, date=date, date_precision=precision, source=source)
    track(term, user, reason or "term recorded")
    term.save()
    data_changed()
    return term


@transaction.atomic
def retract_record(*, obj: StatusChange | Statement, user: User, reason: str) -> None:
    """Hide a record from every public view, with a reason; it stays in the history (editors never hard-delete).

    Retracting a statement retracts the status changes recorded with it.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": gettext("A retraction needs a reason.")})
    if len(reason) > 500:
        raise ValidationError({"reason": gettext("At most 500 characters.")})
    if obj.retracted_at is not None:
        raise ValidationError({"reason": gettext("This record is already retracted.")})
    records: list[Any] = [obj]
    if isinstance(obj, Statement):
        records += list(obj.status_changes.all())
    now = timezone.now()
    touched: set[int] = set()
    for record in records:
        record.retracted_at, record.retraction_reason = now, reason
        track(record, user, f"retracted: {reason}")
        record.save(update_fields=["retracted_at", "retraction_reason"])
        touched |= set(arrangement_ids(record))
    refresh_arrangements(touched)
    data_changed()


# ---------------------------------------------------------------------------------------------------------------
# Bulk: the importer's write path (set-based, a fixed number of queries per batch)


EDITABLE_FIELDS = {
    Source: {"publisher", "origin", "title", "published", "published_precision", "kind", "archive_url"},
    Actor: {"name", "role", "kind", "country"},
    Arrangement: {"summary"},
    StatusChange: {"status", "date", "date_precision", "note", "people"},
    # The quote stays as said; its language and an optional translation (with who made it) are corrected with it.
    Statement: {"stance", "date", "date_precision", "quote", "paraphrase", "actor", *Statement.TRANSLATION_FIELDS},
    Term: {"value", "date", "date_precision"},
}


def _replace_nationalities(change: StatusChange, nationalities: Nationalities, *, user: User, reason: str) -> None:
    """A transfer's nationalities as corrected: those no longer given go (their history keeps them), the new ones
    are made by the event builder, in the order given."""
    for old in change.nationalities.all():
        track(old, user, reason)
        old.delete()
    history = {"default_user": history_user(user), "default_change_reason": reason[:100]}
    bulk_create_with_history(new_nationalities(change, nationalities), TransferNationality, **history)


def _check_translation(statement: Statement, changes: dict[str, Any]) -> None:
    """A quote's language is a language tag; a translation is of a quote and names its own language."""
    for name in ("quote_language", "translation_language"):
        if name in changes:
            changes[name] = (changes[name] or "").strip()
            if changes[name] or name == "quote_language":
                try:
                    LANGUAGE_TAG(changes[name])
                except ValidationError as exc:
                    raise ValidationError({name: exc.messages}) from None
    translation = changes.get("translation", statement.translation)
    if translation and not changes.get("quote", statement.quote):
        raise ValidationError({"translation": gettext("A translation is of a quote: give the quote as said first.")})
    if translation and not changes.get("translation_language", statement.translation_language):
        raise ValidationError({"translation_language": gettext("Say which language the translation is in (e.g. es).")})


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
        raise ValidationError({"reason": gettext("Every correction needs a reason.")})
    obj = type(obj)._base_manager.select_for_update().get(pk=obj.pk)
    if expected_version is not None and record_version(obj) != expected_version:
        raise ValidationError(
            "This record was changed by someone else since you opened it. Reload it to see the change, then correct "
            "it again if still needed."
        )
    allowed = EDITABLE_FIELDS.get(type(obj), set()) | ({"nationalities"} if isinstance(obj, StatusChange) else set())
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError({sorted(unknown)[0]: "This field cannot be corrected here."})
    if changes.get("archive_url"):
        changes["archive_url"] = clean_http_url(changes["archive_url"], field="archive_url")
    for name in ("note", "quote", "paraphrase", "summary", "value", "translation", "translator"):
        if name in changes:
            changes[name] = check_text(changes[name], field=name)
    if isinstance(obj, Statement):
        _check_translation(obj, changes)
    if isinstance(obj, Term):
        _check_term(
            kind=obj.kind,
            value=changes.get("value", obj.value),
            date=changes.get("date", obj.date),
            precision=changes.get("date_precision", obj.date_precision),
        )
    elif "date" in changes:
        check_date(changes["date"], changes.get("date_precision", getattr(obj, "date_precision", Precision.DAY)))
    if "published" in changes and changes["published"] is not None:
        check_date(
            changes["published"],
            changes.get("published_precision", obj.published_precision),
            field="published",
        )
    if "people" in changes:
        check_people(changes["people"])
    nationalities = None
    if isinstance(obj, StatusChange) and {"people", "nationalities"} & set(changes):
        # No nationality may count more people than the transfer: the corrected ones, or those on record.
        given = changes.pop("nationalities", None)
        if given is not None:
            pairs = [(n["country"], n.get("count")) if isinstance(n, dict) else n for n in given]
            nationalities = check_nationalities(pairs, changes.get("people", obj.people))
        else:
            stored = [(n.country, n.count) for n in obj.nationalities.select_related("country")]
            check_nationalities(stored, changes["people"], field="people")
    if "status" in changes and changes["status"] not in Arrangement.Status.values:
        raise ValidationError({"status": f"Unknown status {changes['status']!r}."})
    if "stance" in changes and changes["stance"] not in Statement.Stance.values:
        raise ValidationError({"stance": f"Unknown stance {changes['stance']!r}."})
    if isinstance(obj, Statement) and not (
        changes.get("quote", obj.quote) or changes.get("paraphrase", obj.paraphrase)
    ):
        raise ValidationError({"quote": gettext("A statement needs a quote or a paraphrase.")})
    for name in ("name", "publisher", "origin"):
        if name in changes:
            changes[name] = (changes[name] or "").strip()
    if isinstance(obj, Actor) and "name" in changes:
        if not changes["name"]:
            raise ValidationError({"name": gettext("An actor needs a name.")})
        if Actor.objects.filter(name_key=name_key(changes["name"])).exclude(pk=obj.pk).exists():
            raise ValidationError({"name": f"Another actor is already named {changes['name']!r} (in any case)."})
    if isinstance(obj, Source) and "publisher" in changes and not changes["publisher"]:
        raise ValidationError({"publisher": gettext("A source needs its publisher.")})
    if isinstance(obj, StatusChange):  # its arrangement's derived state is rewritten below: queue up
        Arrangement.objects.select_for_update().filter(pk=obj.arrangement_id).exists()
    for name, value in changes.items():
        setattr(obj, name, value)
    if isinstance(obj, Actor):
        obj.name_key = name_key(obj.name)
    elif isinstance(obj, Source):
        set_source_keys(obj)
    track(obj, user, reason)
    obj.save()
    if nationalities is not None:
        _replace_nationalities(obj, nationalities, user=user, reason=reason)
    if isinstance(obj, StatusChange) and changes.get("people"):
        check_people_totals([obj.arrangement_id])
    if isinstance(obj, (StatusChange, Statement, Term)):
        refresh_arrangements(arrangement_ids(obj))
    elif isinstance(obj, Actor):  # an actor's country or kind decides whether its statements make a dispute
        refresh_arrangements(Arrangement.objects.filter(statements__actor=obj).values_list("pk", flat=True))
    elif isinstance(obj, Source):  # its publisher and origin decide the count of independent publishers
        refresh_arrangements(Arrangement.objects.filter(status_changes__sources=obj).values_list("pk", flat=True))
    data_changed()
    return obj
