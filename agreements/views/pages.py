"""Public pages: the map and its panel, the countries table, country and actor pages, the record of changes."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from ..dates import humanize_partial_date
from ..exporters import csv_lines, record_rows
from ..figures import country_timelines, headline, sender_flows, sender_timeline, status_counts
from ..forms import MapQuery, RecordsExportForm
from ..localize import collation_key, is_default_language, sort_countries
from ..mapstate import MapState, step_at, timeline_steps
from ..models import PUBLIC_HISTORY, Actor, Arrangement, Country, Statement, StatusChange, status_label
from ..querysets import history_entries, sources_of
from ..roles import is_editor
from ..share import CARD_EMBED_HEIGHT, share_context

TIMELINE_EVENTS = 100  # the country page shows the latest; the lists hold them all
PANEL_STATEMENTS = 5
CHANGES_SHOWN = 100


def export_records(request: HttpRequest) -> HttpResponseBase:
    """GET /export/records.csv — status changes and statements in the records CSV (stable contract)."""
    form = RecordsExportForm(request.GET)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
    response = StreamingHttpResponse(
        csv_lines(record_rows(**form.cleaned_data)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="records.csv"'
    return response


def status_css(request: HttpRequest) -> HttpResponse:
    """The status colours as CSS classes, generated from Arrangement.COLOURS (one source of truth)."""
    rules = [f".status-{status}{{background:{colour}}}" for status, colour in Arrangement.COLOURS.items()]
    rules.append(f".status-none{{background:{Arrangement.NO_REPORTS_COLOUR}}}")
    response = HttpResponse("\n".join(rules) + "\n", content_type="text/css; charset=utf-8")
    response["Cache-Control"] = "public, max-age=3600"
    return response


def _sending_states() -> list[Any]:
    """Sending states that have at least one arrangement with a status, for the selector."""
    return sort_countries(Country.objects.filter(arrangements_sent__status__gt="").distinct().only("iso2", "name"))


def _map_state(request: HttpRequest) -> tuple[MapQuery, str, date | None]:
    """The map's query (the one form), the sending state (ISO alpha-2 or "all") and the as-of date."""
    form = MapQuery(request.GET)
    return form, form.sending, (form.cleaned_data.get("as_of") if form.is_valid() else None)


def _leading(arrangements: list[Any]) -> list[Any]:
    """One arrangement per receiving country, the most advanced (what colours the map of every sending state)."""
    by_country: dict[str, list[Any]] = {}
    for a in arrangements:
        by_country.setdefault(a.receiving_country_id, []).append(a)
    return [Arrangement.by_precedence(group)[0] for group in by_country.values()]


def home(request: HttpRequest) -> HttpResponse:
    """The map of receiving countries for one sending state (default US) or every one, as of now or a past date.

    The legend, headline figures, table of countries with reports, status timeline and flows are one fragment
    (`#map-side`) that the map's script reloads with htmx when the sending state or the date changes; the panel is
    the same fragment as /panel/. The status timeline, the one part that grows with the record's history, is not in
    the page: htmx loads it from /timeline/ when it scrolls into view (a link for readers without JavaScript).
    """
    form, sending, as_of = _map_state(request)
    state = MapState(sending, as_of)
    senders = state.senders
    arrangements = Arrangement.by_precedence(Arrangement.objects.for_sending_state(senders).at(as_of).with_related())
    arrangements.sort(key=lambda a: a.receiving_country.name)  # stable: each country's senders stay in precedence
    sending_name = _sending_name(sending)
    latest = StatusChange.objects.for_sending_state(senders).up_to(as_of).latest_first()
    figures = headline(_leading(arrangements), arrangements, latest)
    context: dict[str, Any] = {
        "form": form,
        "sending_state": sending,
        "sending_name": sending_name,
        "every_sender": senders is None,
        "as_of": as_of,
        "arrangements": arrangements,
        "legend": figures.by_status,
        "figures": figures,
        "timeline_query": state.query(),
        "flows": sender_flows(senders, sending_name, as_of),
        "flows_query": urlencode({"sending_state": senders, "transfer": "true"} if senders else {"transfer": "true"}),
    }
    if getattr(request, "htmx", False) and request.htmx.target == "map-side":  # type: ignore[attr-defined]
        return render(request, "agreements/_map_side.html", context)
    selected = form.cleaned_data.get("country") if form.is_valid() else None
    if selected:
        context["panel"] = _panel_context(selected, sending, as_of)
    steps = timeline_steps()
    context |= {
        "sending_states": _sending_states(),
        "countries": sort_countries(Country.objects.only("iso2", "name")),
        "selected": selected,
        "steps": steps,
        "step_index": step_at(steps, as_of),
        "as_of_display": state.day_display if as_of else steps[-1].label if steps else "",
        "map_strings": map_strings(),
    }
    context |= _map_share(request, MapState(sending, as_of, selected or ""), sending_name, _("Map"))
    return render(request, "agreements/home.html", context)


def timeline(request: HttpRequest) -> HttpResponse:
    """GET /timeline/ — the status of each of a sending state's arrangements over time (a row per receiving
    country; every sending state's: a row per arrangement), as of a date. The map page's htmx asks for the figure
    alone when its timeline section scrolls into view; without JavaScript it is a page of its own."""
    form, sending, as_of = _map_state(request)
    state = MapState(sending, as_of)
    sending_name = _sending_name(sending)
    status = 200 if form.is_valid() else 400
    context: dict[str, Any] = {
        "form": form,
        "timeline": sender_timeline(state.senders, sending_name, as_of),
        "map_query": state.query(),
        "changes_query": urlencode({"sending_state": state.senders} if state.senders else {}),
    }
    if getattr(request, "htmx", False):
        return render(request, "agreements/_map_timeline.html", context, status=status)
    words = {"name": sending_name, "when": _(", as of %(day)s") % {"day": state.day_display} if as_of else ""}
    context |= share_context(
        request,
        title=_("Status over time: %(name)s%(when)s") % words,
        description=_(
            "The status of each third-country deportation arrangement of %(name)s over time%(when)s, as a picture "
            "and a table, each change backed by sources you can open."
        )
        % words,
    )
    return render(request, "agreements/timeline.html", context, status=status)


def map_strings() -> dict[str, Any]:
    """The map script's words in the reader's language (json_script "map-strings"): no text is made in JavaScript.
    Outside English, the countries' names too (the map API keeps the record's English names)."""
    names = {} if is_default_language() else {c.iso2: c.local_name for c in Country.objects.only("iso2", "name")}
    return {
        "error": _("The map could not be drawn: %(error)s"),
        "disputed": _("disputed"),
        "stale": _("not verified recently"),
        "names": names,
    }


def _map_share(request: HttpRequest, state: MapState, name: str, page: str) -> dict[str, Any]:
    """Share card, embed and citation of a view of the map (the map page, the countries table)."""
    when = _(", as of %(day)s") % {"day": state.day_display} if state.as_of else ""
    words = {"page": page, "name": name, "when": when}
    return share_context(
        request,
        title=_("%(page)s: %(name)s%(when)s") % words,
        description=_(
            "Countries that %(name)s approached or agreed with to take deported people who are not their "
            "nationals%(when)s, by status, each backed by sources you can open."
        )
        % words,
        image=f"{reverse('agreements:map-png')}?{state.query()}",
        image_alt=_("World map of third-country deportation arrangements for %(name)s%(when)s, coloured by status")
        % words,
        embed=f"{reverse('agreements:embed-map')}?{state.query()}",
        embed_title=_("Third-Country Tracker: map of third-country deportation arrangements for %(name)s") % words,
        embed_what=_("the map for %(name)s%(when)s") % words,
        permalink=f"{request.path}?{state.query(pin=True, country=state.country)}",
    )


def _panel_context(iso2: str, sending_state: str, as_of: date | None) -> dict[str, Any]:
    """What the map's side panel shows for one country and one sending state (or every one, most advanced first):
    a fixed number of queries."""
    country = get_object_or_404(Country, pk=iso2.upper())
    senders = MapState(sending_state).senders
    sending = None if senders is None else get_object_or_404(Country, pk=senders)
    arrangements = Arrangement.by_precedence(
        Arrangement.objects.for_sending_state(senders)
        .for_receiving_country(country)
        .at(as_of)
        .with_related()
        .with_evidence(as_of)
    )
    context: dict[str, Any] = {"country": country, "sending": sending, "as_of": as_of, "arrangements": arrangements}
    if arrangements:
        statements = list(
            Statement.objects.filter(arrangements__in=arrangements)
            .distinct()
            .up_to(as_of)
            .with_related()
            .latest_first()[:PANEL_STATEMENTS]
        )
        shown = {s.pk for a in arrangements for s in a.backing_sources}  # in the evidence blocks already
        changes = StatusChange.objects.filter(arrangement__in=arrangements).up_to(as_of).prefetch_related("sources")
        cited = sources_of(changes, statements)
        context["statements"] = statements
        context["sources"] = [s for s in cited if s.pk not in shown]
    return context


def country_panel(request: HttpRequest, iso2: str) -> HttpResponse:
    """The map's side panel for one country (an HTML fragment, the same evidence block as the country page)."""
    form = MapQuery(request.GET)
    if not form.is_valid():
        return JsonResponse(form.errors.get_json_data(), status=400)
    context = _panel_context(iso2, form.sending, form.cleaned_data["as_of"])
    return render(request, "agreements/_panel.html", {"panel": context, "editing": is_editor(request.user)})


STATUS_ORDER = {value: i for i, value in enumerate(Arrangement.Status.values)}
COUNTRY_COLUMNS = [
    ("name", gettext_lazy("Country")),
    ("iso2", "ISO"),
    ("region", gettext_lazy("Region")),
    ("status", gettext_lazy("Status")),
    ("since", gettext_lazy("Since")),
    ("people", gettext_lazy("People transferred")),
]
# Status, since and people sort countries with reports apart from those without (descending: reports first).
COUNTRY_SORTS: dict[str, Any] = {
    "name": lambda c, a: collation_key(c.local_name),
    "iso2": lambda c, a: c.iso2,
    "region": lambda c, a: (c.region, c.subregion, c.name),
    "status": lambda c, a: (a is not None, STATUS_ORDER.get(a.at_status, 99) if a else 0, c.name),
    "since": lambda c, a: (a is not None, a.at_status_date if a else date.min, c.name),
    "people": lambda c, a: (a is not None and a.at_people is not None, (a.at_people or 0) if a else 0, c.name),
}


def aria_sort(sort: str, key: str) -> str:
    if sort == key:
        return "ascending"
    if sort == "-" + key:
        return "descending"
    return "none"


def countries(request: HttpRequest) -> HttpResponse:
    """Every country with its status for one sending state (or its most advanced among all): the map as a table."""
    form, sending, as_of = _map_state(request)
    senders = MapState(sending).senders
    if senders is None:
        every = Country.objects.with_senders(as_of)
        rows = [(country, arrangements[0] if arrangements else None) for country, arrangements in every]
        others = {country.pk: arrangements for country, arrangements in every}
    else:
        rows, others = Country.objects.with_arrangements(sending, as_of), {}
    sort = request.GET.get("sort", "name")
    key, descending = COUNTRY_SORTS.get(sort.lstrip("-"), COUNTRY_SORTS["name"]), sort.startswith("-")
    rows.sort(key=lambda row: key(*row), reverse=descending)
    columns = [
        {"key": k, "label": label, "sort": ("-" + k if sort == k else k), "aria": aria_sort(sort, k)}
        for k, label in COUNTRY_COLUMNS
    ]
    return render(
        request,
        "agreements/countries.html",
        {
            "form": form,
            "rows": rows,
            "columns": columns,
            "sending_state": sending,
            "sending_states": _sending_states(),
            "every_sender": senders is None,
            "senders": others,
            "as_of": as_of,
        }
        | _map_share(request, MapState(sending, as_of), _sending_name(sending), _("Countries")),
    )


def _sending_name(sending: str) -> str:
    """The name of a map's sending state ("every sending state" for all of them), for titles."""
    return _("every sending state") if MapState(sending).senders is None else Country.objects.get(pk=sending).local_name


def country(request: HttpRequest, iso2: str) -> HttpResponse:
    """Everything about one country: as receiving country and as sending state, one dated timeline, sources."""
    country = get_object_or_404(Country, iso2=iso2.upper())
    arrangements = list(
        Arrangement.objects.touching(country).current().with_related().with_evidence().order_by("sending_state__name")
    )
    arrangement_ids = [a.pk for a in arrangements]
    change_qs = StatusChange.objects.filter(arrangement__in=arrangement_ids)
    statement_qs = Statement.objects.filter(arrangements__in=arrangement_ids).distinct()
    changes = list(change_qs.with_related().with_nationalities().latest_first()[:TIMELINE_EVENTS])
    statements = list(statement_qs.with_related().latest_first()[:TIMELINE_EVENTS])
    shown_statements = {s.pk for s in statements}
    timeline = sorted(
        # A change recorded with a statement is shown with that statement, not twice.
        [("change", c.date, c.recorded_at, c) for c in changes if c.statement_id not in shown_statements]
        + [("statement", s.date, s.recorded_at, s) for s in statements],
        key=lambda t: (t[1], t[2]),
        reverse=True,
    )[:TIMELINE_EVENTS]
    totals = {"changes": change_qs.count(), "statements": statement_qs.count()}
    shown = [item for _, _, _, item in timeline]
    history = list(
        StatusChange.history.filter(arrangement_id__in=arrangement_ids)
        .select_related("history_user")
        .order_by("-history_date")[:20]
    )
    receiving = [a for a in arrangements if a.receiving_country_id == country.pk]
    sending = [a for a in arrangements if a.sending_state_id == country.pk]
    return render(
        request,
        "agreements/country.html",
        {
            "country": country,
            "receiving": receiving,
            "sending": sending,
            "timelines": country_timelines(country, arrangement_ids),
            "flows": sender_flows(country.pk, country.local_name) if sending else None,
            "map_strings": map_strings() if sending else None,
            "flows_query": urlencode({"sending_state": country.pk, "transfer": "true"}),
            "legend": status_counts(sending),
            "timeline": timeline,
            "totals": totals,
            "more": totals["changes"] + totals["statements"] > len(timeline),
            "sources": sources_of(shown),
            "history": history,
            "editing": is_editor(request.user),
        }
        | _country_share(request, country, arrangements),
    )


def _country_share(request: HttpRequest, country: Country, arrangements: list[Any]) -> dict[str, Any]:
    """A country page's share card (its status card picture), embed (its card) and description."""
    name = country.local_name
    statuses = [
        _("%(sender)s: %(status)s since %(day)s")
        % {
            "sender": a.sending_state.local_name,
            "status": status_label(a.at_status),
            "day": humanize_partial_date(a.at_status_date, a.at_status_precision),
        }
        for a in arrangements
        if a.receiving_country_id == country.pk
    ]
    sent = sum(1 for a in arrangements if a.sending_state_id == country.pk)
    parts = statuses or [_("no reports of a sending state approaching %(country)s") % {"country": name}]
    if sent:
        parts.append(
            ngettext(
                "as a sending state, arrangements with %(n)d receiving country",
                "as a sending state, arrangements with %(n)d receiving countries",
                sent,
            )
            % {"n": sent}
        )
    return share_context(
        request,
        title=name,
        description=_("%(country)s, third-country deportation arrangements: %(parts)s. With sources.")
        % {"country": name, "parts": "; ".join(parts)},
        image=reverse("agreements:country-card", args=[country.iso2]),
        image_alt=_("%(country)s: status of third-country deportation arrangements") % {"country": name},
        embed=reverse("agreements:embed-country", args=[country.iso2]),
        embed_what=_("%(country)s's status and timeline") % {"country": name},
        embed_height=CARD_EMBED_HEIGHT,
    )


def actor(request: HttpRequest, slug: str) -> HttpResponse:
    """Everything one actor said, by date, with stance, what it concerns, and sources."""
    actor = get_object_or_404(Actor.objects.select_related("country"), slug=slug)
    statements = list(actor.statements.with_related().latest_first())
    about = ", ".join(part for part in (actor.role, actor.get_kind_display()) if part)
    share = share_context(
        request,
        title=actor.name,
        description=_("%(name)s (%(about)s): %(n)d statement(s) on record, by date, with stance and sources.")
        % {"name": actor.name, "about": about, "n": len(statements)},
    )
    return render(request, "agreements/actor.html", {"actor": actor, "statements": statements} | share)


def changes(request: HttpRequest) -> HttpResponse:
    """Every edit, newest first, with who made it and why: the public record of changes."""
    entries = history_entries(PUBLIC_HISTORY, limit=CHANGES_SHOWN)
    share = share_context(
        request, title=_("Changes"), description=_("Every edit to the record, newest first: who made it and why.")
    )
    return render(request, "agreements/changes.html", {"entries": entries} | share)
