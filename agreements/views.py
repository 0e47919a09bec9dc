"""Server-rendered pages and file exports."""

from __future__ import annotations

from collections import Counter
from datetime import date
from functools import wraps
from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from . import services
from .drf import is_editor
from .exporters import arrangements_geojson, csv_lines, list_csv, list_json, record_rows
from .filters import CountryCodeField
from .forms import RetractForm, StatementForm, StatusChangeForm, VerifyForm, correction_form
from .lists import PAGE_SIZE, SPECS
from .models import Actor, Arrangement, Country, Source, Statement, StatusChange

DEFAULT_SENDING_STATE = "US"
TIMELINE_EVENTS = 100  # the country page shows the latest; the lists hold them all


class MapForm(forms.Form):
    """The state of the map, all in the URL: sending state, as-of date, selected country."""

    sending_state = CountryCodeField(required=False)
    as_of = forms.DateField(required=False, input_formats=["%Y-%m-%d"])
    country = CountryCodeField(required=False)


class RecordsExportForm(forms.Form):
    """The filters of /export/records.csv."""

    sending_state = CountryCodeField(required=False)
    receiving_country = CountryCodeField(required=False)
    since = forms.DateField(required=False, input_formats=["%Y-%m-%d"])
    until = forms.DateField(required=False, input_formats=["%Y-%m-%d"])


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


def healthz_live(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers. Touches neither database nor cache (the benchmark floor)."""
    return HttpResponse("ok", content_type="text/plain")


def _sending_states() -> list[Any]:
    """Sending states that have at least one arrangement with a status, for the selector."""
    return list(
        Country.objects.filter(arrangements_sent__status__gt="").distinct().order_by("name").only("iso2", "name")
    )


def home(request: HttpRequest) -> HttpResponse:
    """The map of receiving countries for one sending state (default US), as of now or a past date."""
    form = MapForm(request.GET)
    cleaned = form.cleaned_data if form.is_valid() else {}
    sending = cleaned.get("sending_state") or DEFAULT_SENDING_STATE
    as_of = cleaned.get("as_of")
    arrangements = list(
        Arrangement.objects.for_sending_state(sending).at(as_of).with_related().order_by("receiving_country__name")
    )
    counts = Counter(a.at_status for a in arrangements)
    legend = [
        {
            "value": value,
            "label": label,
            "colour": Arrangement.COLOURS[Arrangement.Status(value)],
            "count": counts.get(value, 0),
        }
        for value, label in Arrangement.Status.choices
    ]
    return render(
        request,
        "agreements/home.html",
        {
            "form": form,
            "sending_state": sending,
            "sending_states": _sending_states(),
            "as_of": as_of,
            "arrangements": arrangements,
            "legend": legend,
            "countries": Country.objects.order_by("name").only("iso2", "name"),
            "selected": cleaned.get("country"),
        },
    )


def countries(request: HttpRequest) -> HttpResponse:
    """Every country with its status for one sending state: the map as a table."""
    form = MapForm(request.GET)
    cleaned = form.cleaned_data if form.is_valid() else {}
    sending = cleaned.get("sending_state") or DEFAULT_SENDING_STATE
    as_of = cleaned.get("as_of")
    by_country = {a.receiving_country_id: a for a in Arrangement.objects.for_sending_state(sending).at(as_of)}
    rows = [(c, by_country.get(c.pk)) for c in Country.objects.order_by("name")]
    sort = request.GET.get("sort", "name")
    key, descending = COUNTRY_SORTS.get(sort.lstrip("-"), COUNTRY_SORTS["name"]), sort.startswith("-")
    rows.sort(key=lambda row: key(*row), reverse=descending)
    columns = [
        {"key": k, "label": label, "sort": ("-" + k if sort == k else k), "aria": _aria_sort(sort, k)}
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
            "as_of": as_of,
        },
    )


STATUS_ORDER = {value: i for i, value in enumerate(Arrangement.Status.values)}
COUNTRY_COLUMNS = [
    ("name", "Country"),
    ("iso2", "ISO"),
    ("region", "Region"),
    ("status", "Status"),
    ("since", "Since"),
    ("people", "People transferred"),
]
# Status, since and people sort countries with reports apart from those without (descending: reports first).
COUNTRY_SORTS: dict[str, Any] = {
    "name": lambda c, a: c.name,
    "iso2": lambda c, a: c.iso2,
    "region": lambda c, a: (c.region, c.subregion, c.name),
    "status": lambda c, a: (a is not None, STATUS_ORDER.get(a.at_status, 99) if a else 0, c.name),
    "since": lambda c, a: (a is not None, a.at_status_date if a else date.min, c.name),
    "people": lambda c, a: (a is not None and a.at_people is not None, (a.at_people or 0) if a else 0, c.name),
}


def _aria_sort(sort: str, key: str) -> str:
    if sort == key:
        return "ascending"
    if sort == "-" + key:
        return "descending"
    return "none"


def country(request: HttpRequest, iso2: str) -> HttpResponse:
    """Everything about one country: as receiving country and as sending state, one dated timeline, sources."""
    country = get_object_or_404(Country, iso2=iso2.upper())
    arrangements = list(Arrangement.objects.touching(country).current().with_related().order_by("sending_state__name"))
    arrangement_ids = [a.pk for a in arrangements]
    change_qs = StatusChange.objects.filter(arrangement__in=arrangement_ids)
    statement_qs = Statement.objects.filter(arrangements__in=arrangement_ids).distinct()
    changes = list(change_qs.with_related().latest_first()[:TIMELINE_EVENTS])
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
    sources = {s.pk: s for record in shown for s in record.sources.all()}
    history = list(
        StatusChange.history.filter(arrangement_id__in=arrangement_ids)
        .select_related("history_user")
        .order_by("-history_date")[:20]
    )
    return render(
        request,
        "agreements/country.html",
        {
            "country": country,
            "receiving": [a for a in arrangements if a.receiving_country_id == country.pk],
            "sending": [a for a in arrangements if a.sending_state_id == country.pk],
            "timeline": timeline,
            "totals": totals,
            "more": totals["changes"] + totals["statements"] > len(timeline),
            "sources": sorted(sources.values(), key=lambda s: (s.published or date.min, s.pk), reverse=True),
            "history": history,
        },
    )


def actor(request: HttpRequest, slug: str) -> HttpResponse:
    """Everything one actor said, by date, with stance, what it concerns, and sources."""
    actor = get_object_or_404(Actor.objects.select_related("country"), slug=slug)
    statements = list(actor.statements.with_related().latest_first())
    return render(request, "agreements/actor.html", {"actor": actor, "statements": statements})


# ---------------------------------------------------------------------------------------------------------------
# Research lists


def _facet_fields(spec: Any, fs: Any, counts: dict[str, dict[str, int]]) -> list[dict[str, Any]]:
    """The filter form's fields, with the options of faceted fields and their counts."""
    facets = {f.param: f for f in spec.facets}
    out = []
    for bound in fs.form:
        facet = facets.get(bound.name)
        item: dict[str, Any] = {"field": bound, "kind": "plain", "options": []}
        if facet is not None:
            per_value = counts.get(bound.name, {})
            labels = facet.labels() if facet.labels else {}
            if isinstance(bound.field, forms.MultipleChoiceField):
                chosen = set(bound.value() or [])
                item["kind"] = "checkboxes"
                item["options"] = [
                    (str(v), str(label), per_value.get(str(v), 0), str(v) in chosen)
                    for v, label in cast(Any, bound.field).choices
                ]
            else:
                current = str(bound.value() or "")
                values = sorted(set(per_value) | ({current} if current else set()), key=lambda v: labels.get(v, v))
                item["kind"] = "select"
                item["options"] = [
                    (v, labels.get(v, v), per_value.get(v, 0), v.casefold() == current.casefold()) for v in values
                ]
        out.append(item)
    return out


def research_list(request: HttpRequest, slug: str) -> HttpResponse:
    """A research list: filters with facet counts, sorting, pagination, exports and feed — all state in the URL."""
    spec = SPECS[slug]
    fs, qs = spec.filtered(request.GET)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = spec.facet_counts(request.GET) if fs.is_valid() else {}
    sort = spec.sort_key(request.GET)
    columns = [
        {
            "label": c.label,
            "key": c.key,
            "sortable": bool(c.sort),
            "next": ("-" + c.key if sort == c.key else c.key),
            "aria": _aria_sort(sort, c.key),
        }
        for c in spec.columns
        if c.key in LIST_COLUMNS[slug]
    ]
    context = {
        "spec": spec,
        "filterset": fs,
        "fields": _facet_fields(spec, fs, counts),
        "page": page,
        "columns": columns,
        "query": request.GET.urlencode(),
        "row_template": f"agreements/rows/{slug}.html",
    }
    template = "agreements/_list_body.html" if getattr(request, "htmx", False) else "agreements/list.html"
    return render(request, template, context, status=200 if fs.is_valid() else 400)


# Which export columns the HTML table shows (the exports carry them all).
LIST_COLUMNS = {
    "arrangements": [
        "receiving_country",
        "sending_state",
        "status",
        "status_since",
        "people_transferred",
        "sources_count",
    ],
    "statements": ["date", "actor", "stance", "receiving_countries", "quote"],
    "status-changes": ["date", "receiving_country", "sending_state", "status", "people", "note"],
    "sources": ["publisher", "title", "published", "kind", "last_http_status"],
    "actors": ["name", "role", "kind", "country", "statements"],
}
EXPORTS = {
    "csv": ("text/csv; charset=utf-8", list_csv),
    "json": ("application/json", list_json),
    "geojson": ("application/geo+json", arrangements_geojson),
}


def research_export(request: HttpRequest, slug: str, fmt: str) -> HttpResponseBase:
    """The whole filtered set of a list (never just a page) as CSV, JSON or (arrangements) GeoJSON, streamed."""
    spec = SPECS[slug]
    if fmt not in EXPORTS or (fmt == "geojson" and not spec.geojson):
        raise Http404(f"No {fmt} export for {slug}.")
    fs, qs = spec.filtered(request.GET)
    if not fs.is_valid():
        return JsonResponse({"errors": {k: [str(e) for e in v] for k, v in fs.errors.items()}}, status=400)
    content_type, writer = EXPORTS[fmt]
    response = StreamingHttpResponse(writer(spec, qs), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{slug}.{fmt}"'
    return response


# ---------------------------------------------------------------------------------------------------------------
# Editor area (members of the editors group; anonymous visitors are sent to log in, other users get 403)


def editor_required(view: Any) -> Any:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_editor(request.user):
            raise PermissionDenied("Only editors may change the record.")
        return view(request, *args, **kwargs)

    return wrapped


EDITABLE_MODELS: dict[str, Any] = {
    "statement": Statement,
    "status-change": StatusChange,
    "source": Source,
    "actor": Actor,
    "arrangement": Arrangement,
}
RETRACTABLE = {"statement", "status-change"}


@editor_required
def editor_home(request: HttpRequest) -> HttpResponse:
    """The needs-review queue (longest stale first) and the editor's own recent edits."""
    queue = list(Arrangement.objects.current().stale().with_related().order_by("stale_after", "pk")[:200])
    mine: list[Any] = []
    for model, kind in (
        (Statement, "statement"),
        (StatusChange, "status-change"),
        (Source, "source"),
        (Actor, "actor"),
    ):
        for h in model.history.filter(history_user=request.user).order_by("-history_date")[:20]:
            mine.append((h.history_date, kind, h))
    mine.sort(key=lambda t: t[0], reverse=True)
    return render(
        request, "agreements/editor/home.html", {"queue": queue, "mine": mine[:30], "verify_form": VerifyForm()}
    )


def _actor_names() -> list[str]:
    return list(Actor.objects.order_by("name").values_list("name", flat=True))


@editor_required
def editor_statement(request: HttpRequest) -> HttpResponse:
    form = StatementForm(request.POST or None, initial={"sending_state": DEFAULT_SENDING_STATE})
    if request.method == "POST" and form.is_valid():
        statement = form.save(request.user)
        if statement is not None:
            countries = ", ".join(a.receiving_country.name for a in statement.arrangements.all()) or "policy"
            messages.success(request, f"Statement by {statement.actor.name} logged ({countries}).")
            return redirect("agreements:editor")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "agreements/editor/statement.html",
        {"form": form, "actor_names": _actor_names(), "title": "Log a statement"},
        status=status,
    )


@editor_required
def editor_status_change(request: HttpRequest) -> HttpResponse:
    form = StatusChangeForm(
        request.POST or None,
        initial={"sending_state": DEFAULT_SENDING_STATE, "receiving_country": request.GET.get("country")},
    )
    if request.method == "POST" and form.is_valid():
        change = form.save(request.user)
        if change is not None:
            messages.success(request, f"{change.arrangement}: {change.get_status_display()} recorded.")
            return redirect("agreements:editor")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "agreements/editor/form.html",
        {"form": form, "title": "Log a status change", "source_lookup": True},
        status=status,
    )


@editor_required
@require_POST
def editor_verify(request: HttpRequest, pk: int) -> HttpResponse:
    arrangement = get_object_or_404(Arrangement, pk=pk)
    form = VerifyForm(request.POST)
    if form.is_valid():
        services.verify_arrangement(arrangement=arrangement, user=request.user, note=form.cleaned_data["note"])
        messages.success(request, f"{arrangement}: verified as still accurate.")
        return redirect(request.POST.get("next") or "agreements:editor")
    return render(request, "agreements/editor/form.html", {"form": form, "title": f"Verify {arrangement}"}, status=400)


@editor_required
def editor_correct(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    model = EDITABLE_MODELS.get(kind) or _not_found()
    obj = get_object_or_404(model._base_manager, pk=pk)
    form = correction_form(model)(
        request.POST or None, instance=model._base_manager.get(pk=pk), initial={"version": services.record_version(obj)}
    )
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data if name not in ("reason", "version")}
        try:
            services.correct_record(
                obj=obj,
                changes=changes,
                user=request.user,
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
            )
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            messages.success(request, f"Corrected: {obj}.")
            return redirect("agreements:editor")
    status = 400 if request.method == "POST" else 200
    history = list(obj.history.select_related("history_user").order_by("-history_date")[:20])
    check_url = reverse("agreements:editor-check-source", args=[obj.pk]) if kind == "source" else None
    return render(
        request,
        "agreements/editor/form.html",
        {"form": form, "title": f"Correct {obj}", "history": history, "check_url": check_url},
        status=status,
    )


@editor_required
def editor_retract(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    if kind not in RETRACTABLE:
        raise Http404("Only statements and status changes are retracted.")
    model = EDITABLE_MODELS[kind]
    obj = get_object_or_404(model._base_manager, pk=pk)
    form = RetractForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.retract_record(obj=obj, user=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            form.add_error("reason", exc.message_dict.get("reason", exc.messages))
        else:
            messages.success(request, f"Retracted: {obj}.")
            return redirect("agreements:editor")
    status = 400 if request.method == "POST" else 200
    return render(request, "agreements/editor/form.html", {"form": form, "title": f"Retract {obj}"}, status=status)


@editor_required
@require_POST
def editor_check_source(request: HttpRequest, pk: int) -> HttpResponse:
    """Queue a link check of one source now (run by a worker; kept until the broker is back if it is down)."""
    from .tasks import enqueue

    source = get_object_or_404(Source, pk=pk)
    enqueue("agreements.tasks.check_sources", [source.pk])
    messages.success(request, f"Link check queued for {source.url}.")
    return redirect("agreements:editor-correct", kind="source", pk=source.pk)


@editor_required
def editor_source_lookup(request: HttpRequest) -> JsonResponse:
    """Is this URL a source on record? (The statement form asks before it asks for publisher and title.)"""
    url = request.GET.get("url", "")
    try:
        services.clean_http_url(url, field="url")
    except ValidationError as exc:
        return JsonResponse({"valid": False, "error": exc.message_dict["url"][0]})
    source = Source.objects.filter(normalized_url=services.normalize_url(url)).first()
    if source is None:
        return JsonResponse({"valid": True, "exists": False})
    return JsonResponse(
        {
            "valid": True,
            "exists": True,
            "publisher": source.publisher,
            "title": source.title,
            "published": source.published_display,
            "kind": source.get_kind_display(),
        }
    )


def _not_found() -> Any:
    raise Http404("No such kind of record.")


def changes(request: HttpRequest) -> HttpResponse:
    """Every edit, newest first, with who made it and why: the public record of changes."""
    entries: list[tuple[Any, str, Any]] = []
    for model, kind in (
        (StatusChange, "Status change"),
        (Statement, "Statement"),
        (Source, "Source"),
        (Actor, "Actor"),
        (Arrangement, "Arrangement"),
    ):
        for h in model.history.select_related("history_user").order_by("-history_date")[:CHANGES_SHOWN]:
            entries.append((h.history_date, kind, h))
    entries.sort(key=lambda t: t[0], reverse=True)
    return render(request, "agreements/changes.html", {"entries": entries[:CHANGES_SHOWN]})


CHANGES_SHOWN = 100


def healthz(request: HttpRequest) -> JsonResponse:
    """Readiness: database, cache and broker. 200 "healthy", 200 "degraded" (serving without cache or broker),
    503 "down" (no database)."""
    checks = {"database": _check(_database_ok), "cache": _check(_cache_ok)}
    if settings.REDIS_URL:
        checks["broker"] = _check(_broker_ok)
    if checks["database"] != "ok":
        status, code = "down", 503
    elif all(v == "ok" for v in checks.values()):
        status, code = "healthy", 200
    else:
        status, code = "degraded", 200
    response = JsonResponse({"status": status, **checks}, status=code)
    response["Cache-Control"] = "no-store"
    return response


def _check(probe: Any) -> str:
    try:
        probe()
    except Exception as exc:
        return f"unavailable: {type(exc).__name__}"
    return "ok"


def _database_ok() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _cache_ok() -> None:
    cache.set("healthz", "ok", 10)
    if cache.get("healthz") != "ok":
        raise RuntimeError("cache did not keep a value")


def _broker_ok() -> None:
    from tracker.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=1)
