"""The records check: what a careful editor would fix, each finding with a link to the page that fixes it.

Shared by `manage.py check_records` and the editor page /editor/records-check/. Reads only, one query per check
however many records: arrangements backed by one origin only, statuses older than their window, statements without
a verbatim quote, sources without a publication date, actors without a role, actors whose names look alike,
transfers with a number of people but no nationalities, and reported totals lower than an earlier total of the same
arrangement.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeAlias

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from .dates import format_partial_date
from .localize import folded
from .models import Actor, Arrangement, ReportedTotal, Source, Statement, StatusChange

# Institutions speak as themselves; a person (an official, an embassy's spokesperson, an expert) needs a role.
INSTITUTION_KINDS = (Actor.Kind.AGENCY, Actor.Kind.COURT, Actor.Kind.INTERNATIONAL_BODY)


StrOrPromise: TypeAlias = str | Promise  # translated when shown


@dataclass(frozen=True)
class Finding:
    """One thing to fix: what it is, and where to fix it."""

    text: str
    url: str
    action: StrOrPromise


@dataclass
class Check:
    """One kind of finding: its title, what an editor does about it, and what was found."""

    key: str
    title: StrOrPromise
    advice: StrOrPromise
    findings: list[Finding] = field(default_factory=list)


def resemblance_key(name: str) -> str:
    """A loose key under which names look alike: accents, case, spacing, punctuation and a leading "the" ignored
    ("Frank Ábrego", "frank abrego", "U.S. Department of State", "US Department of State"). A hint, not an
    identity: actors are identified by services.checks.name_key."""
    letters = "".join(ch for ch in folded(name) if ch.isalnum() or ch.isspace())
    words = letters.split()
    if words[:1] == ["the"]:
        words = words[1:]
    return "".join(words)


def _correct(kind: str, pk: int) -> str:
    return reverse("agreements:editor-correct", args=[kind, pk])


def _log_change(arrangement: Arrangement) -> str:
    query = urlencode({"sending_state": arrangement.sending_state_id, "country": arrangement.receiving_country_id})
    return f"{reverse('agreements:editor-status-change')}?{query}"


def _pair(a: Arrangement) -> str:
    return f"{a.sending_state.name} → {a.receiving_country.name}"


def records_check() -> list[Check]:
    """Every check on the records as they stand: six queries."""
    arrangements = list(
        Arrangement.objects.current().with_related().order_by("sending_state__name", "receiving_country__name")
    )
    single = Check(
        "one-origin",
        _("Arrangements backed by one origin only"),
        _("Find an independent report of the status (not a copy of the same story) and record it."),
        [
            Finding(
                f"{_pair(a)}: {a.get_status_display()}, backed by one origin",
                _log_change(a),
                "log the status change with another source",
            )
            for a in arrangements
            if a.at_sources_count <= 1  # type: ignore[attr-defined]
        ],
    )
    overdue = sorted((a for a in arrangements if a.at_stale), key=lambda a: a.at_stale_after)  # type: ignore[attr-defined]
    stale = Check(
        "stale",
        _("Statuses older than their window"),
        _("Check whether the status still holds: log what changed, or verify it in the needs-review queue."),
        [
            Finding(
                f"{_pair(a)}: {a.get_status_display()}, last confirmed {a.last_confirmed_at:%d %b %Y}",
                _log_change(a),
                "log a status change",
            )
            for a in overdue
        ],
    )
    unquoted = Check(
        "no-quote",
        _("Statements without a verbatim quote"),
        _("Where the source gives the words, add them as the quote; a paraphrase alone is weaker evidence."),
        [
            Finding(
                f"{s.actor.name}, {s.date_display}: {s.get_stance_display()}", _correct("statement", s.pk), "correct"
            )
            for s in Statement.objects.filter(quote="").select_related("actor").order_by("date", "pk")
        ],
    )
    undated = Check(
        "no-date",
        _("Sources without a publication date"),
        _("Open the source and give its date (a month or a year when that is all it shows)."),
        [
            Finding(f"{s.cited_as}: {s.title or s.url}", _correct("source", s.pk), _("correct"))
            for s in Source.objects.filter(published__isnull=True).order_by("publisher", "pk")
        ],
    )
    actors = list(Actor.objects.order_by("name", "pk"))
    roleless = Check(
        "no-role",
        _("Actors without a role"),
        _(
            "Give the person's role or title when they spoke (ministries, agencies, courts and international bodies "
            "speak as themselves and are not listed)."
        ),
        [
            Finding(f"{a.name} ({a.get_kind_display()})", _correct("actor", a.pk), _("correct"))
            for a in actors
            if not a.role and a.kind not in INSTITUTION_KINDS
        ],
    )
    groups: dict[str, list[Actor]] = {}
    for actor in actors:
        groups.setdefault(resemblance_key(actor.name), []).append(actor)
    duplicates = Check(
        "duplicate-actors",
        _("Actors that look like duplicates"),
        _(
            "Names that differ only in accents, case, spacing or punctuation: if they are one actor, correct the "
            "statements of one to the other and keep one spelling."
        ),
        [
            Finding(
                f"{a.name!r} ({a.role or 'no role'}) looks like {', '.join(repr(o.name) for o in group if o != a)}",
                _correct("actor", a.pk),
                "correct",
            )
            for group in groups.values()
            if len(group) > 1
            for a in group
        ],
    )
    return [single, stale, unquoted, undated, roleless, duplicates, *transfer_checks()]


def transfer_checks() -> list[Check]:
    """Transfers with a number of people but no nationality on record, and reported totals lower than an earlier
    total of the same arrangement (a source that undercounts, or a record to correct): two queries."""
    changes = (
        StatusChange.objects.filter(people__gt=0, nationalities__isnull=True)
        .select_related("arrangement__sending_state", "arrangement__receiving_country")
        .order_by("arrangement__sending_state__name", "arrangement__receiving_country__name", "date", "pk")
    )
    unnamed = Check(
        "no-nationalities",
        _("Transfers with a number of people but no nationalities"),
        _(
            "Where the sources name the citizenships of the people sent, give them in the transfer's correction; where "
            "they do not, there is nothing to fix."
        ),
        [
            Finding(
                f"{_pair(c.arrangement)}, {c.date_display}: {c.people} {'person' if c.people == 1 else 'people'}",
                _correct("status-change", c.pk),
                "give the nationalities",
            )
            for c in changes
        ],
    )
    totals = list(
        ReportedTotal.objects.standing()
        .select_related("arrangement__sending_state", "arrangement__receiving_country", "source")
        .order_by("arrangement_id", "on", "on_recorded", "pk")
    )
    lower = []
    highest: dict[int, Any] = {}
    total: Any  # read with .standing(): dated by its event (`on`, `on_precision`)
    for total in totals:
        before = highest.get(total.arrangement_id)
        if before is not None and total.people < before.people:
            lower.append(
                Finding(
                    f"{_pair(total.arrangement)}: {total.people} reported by {total.source.cited_as} "
                    f"({format_partial_date(total.on, total.on_precision)}), lower than {before.people} reported by "
                    f"{before.source.cited_as} ({format_partial_date(before.on, before.on_precision)})",
                    _correct("status-change", total.status_change_id)
                    if total.status_change_id
                    else _correct("statement", total.statement_id),
                    "check the record",
                )
            )
        if before is None or total.people > before.people:
            highest[total.arrangement_id] = total
    falling = Check(
        "lower-total",
        _("Reported totals lower than an earlier total"),
        _(
            "A cumulative total cannot fall: check both sources; correct the record that misreads one, or note why a "
            "source counts differently."
        ),
        lower,
    )
    return [unnamed, falling]
