"""The research lists: filters with facet counts, sorting and pagination, and their exports."""

from __future__ import annotations

from functools import partial
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext as _

from .. import services
from ..exporters import arrangements_geojson, list_csv, list_json
from ..lists import PAGE_SIZE, SPECS, filter_errors
from ..localize import sort_by_name
from ..share import share_context
from .pages import aria_sort


def _label(labels: dict[str, str], value: str) -> str:
    return labels.get(value, value)


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
                values = sort_by_name(set(per_value) | ({current} if current else set()), partial(_label, labels))
                item["kind"] = "select"
                item["options"] = [
                    (v, labels.get(v, v), per_value.get(v, 0), v.casefold() == current.casefold()) for v in values
                ]
        out.append(item)
    return out


def research_list(request: HttpRequest, slug: str) -> HttpResponse:
    """A research list: filters with facet counts, sorting, pagination, exports and feed — all state in the URL."""
    spec = SPECS[slug]
    number = request.GET.get("page") or "1"
    try:
        # A stale link past the last page shows the last page; a page that is no page at all is a 400.
        number = number if number == "last" else str(services.whole_number(number, field="page", minimum=1))
    except ValidationError as exc:
        return JsonResponse({"errors": exc.message_dict}, status=400)
    fs, qs = spec.filtered(request.GET)
    page = Paginator(qs, PAGE_SIZE).get_page(number)
    counts = spec.facet_counts(request.GET) if fs.is_valid() else {}
    sort = spec.sort_key(request.GET)
    columns = [
        {
            "label": c.label,
            "key": c.key,
            "sortable": bool(c.sort),
            "next": ("-" + c.key if sort == c.key else c.key),
            "aria": aria_sort(sort, c.key),
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
    } | share_context(
        request,
        title=str(spec.title),
        description=_("%(title)s: %(count)s on record under this filter, with sources; CSV and JSON.")
        % {"title": spec.title, "count": page.paginator.count},
    )
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
    "status-changes": ["date", "receiving_country", "sending_state", "status", "people", "nationalities", "note"],
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
        return filter_errors(fs)
    content_type, writer = EXPORTS[fmt]
    response = StreamingHttpResponse(writer(spec, qs), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{slug}.{fmt}"'
    return response
