"""GET /changes/compare/?from=…&to=… — what changed between two dates, as a page, CSV and JSON (stable contract).

The filters are the map's (`sending_state`, default US; `country`: one receiving country), read by `CompareQuery`,
the map's own form with the two dates; `agreements.compare` does the reading.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone

from ..compare import CSV_COLUMNS, Comparison, compare, comparison_json, move_rows
from ..exporters import csv_lines
from ..forms import DEFAULT_SENDING_STATE, CompareQuery
from ..models import Country
from ..share import share_context

SHOWN = 500  # moves listed on the page; the exports hold them all


def _read(request: HttpRequest) -> tuple[CompareQuery, dict[str, Any], Comparison | None]:
    form = CompareQuery(request.GET)
    if not form.is_valid():
        return form, {}, None
    data = form.cleaned_data
    sending = form.sending
    params = {
        "start": data["from"],
        "end": data["to"],
        "sending_state": None if form.every_sender else sending,
        "receiving_country": data.get("country") or None,
    }
    return form, params | {"sending": sending}, compare(**params)


def compare_page(request: HttpRequest) -> HttpResponse:
    """The page: the form (dates and filters), the arrangements whose status changed, the statements by stance."""
    form, params, comparison = _read(request)
    query = {"sending_state": params.get("sending", DEFAULT_SENDING_STATE)}
    if params.get("receiving_country"):
        query["country"] = params["receiving_country"]
    today = timezone.localdate()
    context: dict[str, Any] = {
        "form": form,
        "comparison": comparison,
        "moves": comparison.moves[:SHOWN] if comparison else [],
        "shown": SHOWN,
        "params": params,
        "query": query,
        "today": today,
        "sending_states": Country.objects.filter(arrangements_sent__status__gt="").distinct().order_by("name"),
        "countries": Country.objects.order_by("name").only("iso2", "name"),
    }
    if comparison:
        title = f"What changed, {comparison.start:%-d %B %Y} to {comparison.end:%-d %B %Y}"
        description = (
            f"{len(comparison.moves)} arrangement(s) changed status and {comparison.statements_count} statement(s) "
            "were made between the two dates, with the sources behind each change."
        )
    else:
        title, description = "What changed", ""
    context |= share_context(request, title=title, description=description)
    return render(request, "agreements/compare.html", context, status=200 if comparison else 400)


def compare_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The comparison as CSV (one row per arrangement, as on the page) or JSON (with events and statements)."""
    form, params, comparison = _read(request)
    if comparison is None:
        return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
    name = f"changes-{comparison.start.isoformat()}-to-{comparison.end.isoformat()}.{fmt}"
    if fmt == "json":
        body = comparison_json(
            comparison, sending_state=params["sending"], receiving_country=params["receiving_country"]
        )
        response: HttpResponse = JsonResponse(body, json_dumps_params={"ensure_ascii": False})
    else:
        response = HttpResponse(
            "".join(csv_lines(move_rows(comparison), CSV_COLUMNS)), content_type="text/csv; charset=utf-8"
        )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
