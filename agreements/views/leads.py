"""The leads inbox (/editor/leads/): matching items of the watched feeds, newest first, with the matched words
highlighted; one click opens the statement or status-change form pre-filled from a lead; dismiss and snooze."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from .. import services
from ..forms import FeedForm, KeywordForm, show_errors
from ..leads import highlight
from ..models import Country, Feed, KeywordRule, Lead, Source
from .editor import editor_required

SNOOZE = dt.timedelta(days=7)
INBOX_SIZE = 200


def inbox(now: dt.datetime) -> Any:
    """The leads to look at: new ones, and snoozed ones whose time has come; newest first."""
    waiting = Q(state=Lead.State.NEW) | Q(state=Lead.State.SNOOZED, snoozed_until__lte=now)
    countries = Prefetch("countries", queryset=Country.objects.order_by("name").only("iso2", "name"))
    return Lead.objects.filter(waiting).select_related("feed").prefetch_related(countries)


@editor_required
def editor_leads(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    leads = list(inbox(now)[:INBOX_SIZE])
    logged = set(
        Source.objects.filter(normalized_url__in=[lead.normalized_url for lead in leads]).values_list(
            "normalized_url", flat=True
        )
    )
    for lead in leads:
        lead.on_record = lead.normalized_url in logged
        lead.title_marked = highlight(lead.title, lead.matched)
        lead.summary_marked = highlight(lead.summary[:400], lead.matched)
    context = {
        "leads": leads,
        "feeds": Feed.objects.all(),
        "rules": KeywordRule.objects.all(),
        "feed_form": FeedForm(),
        "keyword_form": KeywordForm(),
    }
    return render(request, "agreements/editor/leads.html", context)


@editor_required
@require_POST
def editor_lead_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    lead = get_object_or_404(Lead, pk=pk)
    if action == "dismiss":
        services.set_lead_state(lead, Lead.State.DISMISSED)
        messages.success(request, gettext("Dismissed: %(title)s") % {"title": lead.title})
    elif action == "snooze":
        services.set_lead_state(lead, Lead.State.SNOOZED, until=timezone.now() + SNOOZE)
        messages.success(request, gettext("Snoozed for a week: %(title)s") % {"title": lead.title})
    return redirect("agreements:editor-leads")


@editor_required
@require_POST
def editor_add_watch(request: HttpRequest, what: str) -> HttpResponse:
    """Watch a feed, or add a keyword rule."""
    form: Any = FeedForm(request.POST) if what == "feed" else KeywordForm(request.POST)
    if form.is_valid():
        try:
            if what == "feed":
                services.add_feed(url=form.cleaned_data["url"], publisher=form.cleaned_data["publisher"])
            else:
                services.add_keyword(phrase=form.cleaned_data["phrase"])
        except ValidationError as exc:
            show_errors(form, exc, names={})
        else:
            messages.success(request, gettext("Feed watched.") if what == "feed" else gettext("Keyword rule added."))
            return redirect("agreements:editor-leads")
    title = gettext("Watch a feed") if what == "feed" else gettext("Add a keyword rule")
    return render(request, "agreements/editor/form.html", {"form": form, "title": title}, status=400)


def lead_initial(request: HttpRequest, many: bool) -> tuple[Lead | None, dict[str, Any]]:
    """The lead named by `?lead=` and the form's initial values from it (source URL, title, publisher, date and the
    countries it names)."""
    pk = request.GET.get("lead", "")
    lead = Lead.objects.filter(pk=int(pk)).select_related("feed").first() if pk.isdigit() else None
    if lead is None:
        return None, {}
    countries = [c.pk for c in lead.countries.order_by("name")]
    initial: dict[str, Any] = {
        "source_url": lead.url,
        "source_title": lead.title,
        "source_publisher": lead.feed.publisher if lead.feed else "",
        "source_date": lead.published_at.date().isoformat() if lead.published_at else "",
        "source_kind": Source.Kind.NEWS_REPORT,
    }
    if countries:
        initial["receiving_countries" if many else "receiving_country"] = countries if many else countries[0]
    return lead, initial
