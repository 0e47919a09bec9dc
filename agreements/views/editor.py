"""The editor area: members of the editors group log statements, status changes and terms, verify, correct and
retract. Anonymous visitors are sent to log in; other users get 403. Every write goes through the services."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from .. import services
from ..forms import (
    DEFAULT_SENDING_STATE,
    RetractForm,
    StatementForm,
    StatusChangeForm,
    TermForm,
    VerifyForm,
    correction_form,
    show_errors,
)
from ..lookup import lookup_or_error
from ..models import Actor, Arrangement, Country, Source, SourceDrift, Statement, StatusChange, Term
from ..quality import records_check
from ..querysets import history_entries
from ..roles import is_editor
from .redirects import next_url


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
    "term": Term,
}
RETRACTABLE = {"statement", "status-change"}
MY_EDITS = [
    (Statement, "statement"),
    (StatusChange, "status-change"),
    (Source, "source"),
    (Actor, "actor"),
    (Term, "term"),
]


@editor_required
def editor_home(request: HttpRequest) -> HttpResponse:
    """The needs-review queue (longest stale first), sources changed or gone since archived, and the editor's own
    recent edits."""
    queue = list(Arrangement.objects.current().stale().with_related().order_by("stale_after", "pk")[:200])
    drifts = list(
        SourceDrift.objects.filter(resolved_at__isnull=True).select_related("source", "capture").order_by("found_at")
    )
    mine = history_entries(MY_EDITS, user=request.user, limit=30)
    return render(
        request,
        "agreements/editor/home.html",
        {"queue": queue, "drifts": drifts, "mine": mine, "verify_form": VerifyForm()},
    )


def _log_view(form_class: Any, title: Any, done: Callable[[Any], str], template: str = "") -> Callable[..., Any]:
    """An editor page that shows `form_class` and, on a valid POST, saves it through the services, says
    `done(record)` and goes back to the editor's home. `?sending_state=` and `?country=` pre-fill the pair."""

    @editor_required
    def view(request: HttpRequest) -> HttpResponse:
        from .leads import lead_initial

        initial = {
            "sending_state": request.GET.get("sending_state") or DEFAULT_SENDING_STATE,
            "receiving_country": request.GET.get("country"),
        }
        lead, from_lead = lead_initial(request, many="receiving_countries" in form_class.base_fields)
        form = form_class(request.POST or None, initial=initial | from_lead)
        if request.method == "POST" and form.is_valid():
            record = form.save(request.user)
            if record is not None:
                if lead is not None:  # a lead turned into a record leaves the inbox
                    services.set_lead_state(lead, "logged")
                messages.success(request, done(record))
                return redirect("agreements:editor")
        context = {"form": form, "title": title, "source_lookup": True, "lead": lead}
        if form_class is StatementForm:
            context["actor_names"] = list(Actor.objects.order_by("name").values_list("name", flat=True))
        if "nationalities" in form.fields:  # the type-ahead of its country inputs
            context["country_names"] = list(Country.objects.order_by("name").values_list("name", flat=True))
        status = 400 if request.method == "POST" else 200
        return render(request, template or "agreements/editor/form.html", context, status=status)

    return view


def _statement_done(statement: Statement) -> str:
    countries = ", ".join(a.receiving_country.local_name for a in statement.arrangements.all()) or _("policy")
    return _("Statement by %(actor)s logged (%(countries)s).") % {"actor": statement.actor.name, "countries": countries}


editor_statement = _log_view(
    StatementForm, gettext_lazy("Log a statement"), _statement_done, "agreements/editor/statement.html"
)
editor_status_change = _log_view(
    StatusChangeForm,
    gettext_lazy("Log a status change"),
    lambda change: (
        _("%(arrangement)s: %(status)s recorded.")
        % {"arrangement": change.arrangement, "status": change.get_status_display()}
    ),
)
editor_term = _log_view(
    TermForm,
    gettext_lazy("Record a term of an arrangement"),
    lambda term: (
        _("%(arrangement)s: %(kind)s recorded.") % {"arrangement": term.arrangement, "kind": term.get_kind_display()}
    ),
)


@editor_required
def editor_records_check(request: HttpRequest) -> HttpResponse:
    """What a careful editor would fix (the same list as `manage.py check_records`), each with its link."""
    checks = records_check()
    total = sum(len(check.findings) for check in checks)
    return render(request, "agreements/editor/records_check.html", {"checks": checks, "total": total})


@editor_required
@require_POST
def editor_verify(request: HttpRequest, pk: int) -> HttpResponse:
    arrangement = get_object_or_404(Arrangement, pk=pk)
    form = VerifyForm(request.POST)
    if form.is_valid():
        try:
            target = next_url(request, "agreements:editor")
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            services.verify_arrangement(arrangement=arrangement, user=request.user, note=form.cleaned_data["note"])
            messages.success(request, _("%(arrangement)s: verified as still accurate.") % {"arrangement": arrangement})
            return HttpResponseRedirect(target)
    return render(
        request,
        "agreements/editor/form.html",
        {"form": form, "title": _("Verify %(arrangement)s") % {"arrangement": arrangement}},
        status=400,
    )


def _record(kind: str, pk: int) -> tuple[Any, Any]:
    model = EDITABLE_MODELS.get(kind)
    if model is None:
        raise Http404("No such kind of record.")
    return model, get_object_or_404(model._base_manager, pk=pk)


@editor_required
def editor_correct(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    model, obj = _record(kind, pk)
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
            show_errors(form, exc, names={})
        else:
            messages.success(request, _("Corrected: %(record)s.") % {"record": obj})
            return redirect("agreements:editor")
    status = 400 if request.method == "POST" else 200
    history = list(obj.history.select_related("history_user").order_by("-history_date")[:20])
    actions = (
        {
            "check_url": reverse("agreements:editor-check-source", args=[obj.pk]),
            "archive_url": reverse("agreements:editor-archive-source", args=[obj.pk]),
        }
        if kind == "source"
        else {}
    )
    return render(
        request,
        "agreements/editor/form.html",
        {"form": form, "title": _("Correct %(record)s") % {"record": obj}, "history": history, **actions},
        status=status,
    )


@editor_required
def editor_retract(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    if kind not in RETRACTABLE:
        raise Http404("Only statements and status changes are retracted.")
    _model, obj = _record(kind, pk)
    form = RetractForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.retract_record(obj=obj, user=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            show_errors(form, exc, names={})
        else:
            messages.success(request, _("Retracted: %(record)s.") % {"record": obj})
            return redirect("agreements:editor")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "agreements/editor/form.html",
        {"form": form, "title": _("Retract %(record)s") % {"record": obj}},
        status=status,
    )


@editor_required
@require_POST
def editor_check_source(request: HttpRequest, pk: int) -> HttpResponse:
    """Queue a link check of one source now (run by a worker; kept until the broker is back if it is down)."""
    from ..tasks import enqueue

    source = get_object_or_404(Source, pk=pk)
    enqueue("agreements.tasks.check_sources", [source.pk])
    messages.success(request, _("Link check queued for %(url)s.") % {"url": source.url})
    return redirect("agreements:editor-correct", kind="source", pk=source.pk)


@editor_required
def editor_source_lookup(request: HttpRequest) -> JsonResponse:
    """Is this URL a source on record? (The editor forms ask before they ask for publisher and title.) A POST
    fetches a URL not on record and answers with the fields its page states (lookup.look_up)."""
    if request.method == "POST":
        found, error = lookup_or_error(request.POST.get("url", ""))
        if found is None:
            return JsonResponse({"valid": False, "error": error}, status=400)
        return JsonResponse({"valid": True, **found.as_json()})
    try:
        url = services.clean_http_url(request.GET.get("url", ""), field="url")
    except ValidationError as exc:
        return JsonResponse({"valid": False, "error": exc.message_dict["url"][0]})
    source = Source.objects.by_url(url).first()
    if source is None:
        return JsonResponse({"valid": True, "exists": False})
    return JsonResponse(
        {
            "valid": True,
            "exists": True,
            "publisher": source.publisher,
            "origin": source.origin,
            "cited_as": source.cited_as,
            "title": source.title,
            "published": source.published_display,
            "kind": source.get_kind_display(),
        }
    )
