"""Atom feeds: recent changes, and any filtered statements or arrangements list (follow one country, one official,
one status). Descriptions are HTML in Atom, so database text is escaped before it goes in."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.syndication.views import Feed
from django.http import HttpRequest, HttpResponse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.translation import gettext, gettext_lazy

from .dates import humanize_partial_date
from .lists import SPECS, filter_errors
from .models import Arrangement, Statement, StatusChange

FEED_ITEMS = 50


def _status_change_text(c: StatusChange) -> tuple[str, str]:
    title = gettext("%(country)s: %(status)s (%(sender)s, %(day)s)") % {
        "country": c.arrangement.receiving_country.local_name,
        "status": c.get_status_display(),
        "sender": c.arrangement.sending_state.local_name,
        "day": c.date_display,
    }
    sources = ", ".join(s.cited_as for s in c.sources.all())
    return title, f"<p>{escape(c.note)}</p><p>{escape(gettext('Sources:'))} {escape(sources)}</p>"


def _statement_text(s: Statement) -> tuple[str, str]:
    concerns = ", ".join(a.receiving_country.local_name for a in s.arrangements.all()) or gettext(
        "%(sender)s policy"
    ) % {"sender": s.sending_state.local_name}
    title = f"{s.actor.name}: {s.get_stance_display()} — {concerns} ({s.date_display})"
    body = f'<blockquote lang="{escape(s.quote_language)}">{escape(s.quote)}</blockquote>' if s.quote else ""
    body += f"<p>{escape(s.paraphrase)}</p>" if s.paraphrase else ""
    sources = ", ".join(x.cited_as for x in s.sources.all())
    return title, body + f"<p>{escape(gettext('Sources:'))} {escape(sources)}</p>"


class _Base(Feed):
    feed_type = Atom1Feed

    def item_title(self, item: Any) -> str:
        return self._text(item)[0]

    def item_description(self, item: Any) -> str:
        return self._text(item)[1]

    def item_pubdate(self, item: Any) -> dt.datetime:
        return item.recorded_at

    def item_guid(self, item: Any) -> str:
        return f"tag:third-country-tracker,2025:{type(item).__name__.lower()}/{item.pk}"

    def item_guid_is_permalink(self, item: Any) -> bool:
        return False

    def _text(self, item: Any) -> tuple[str, str]:
        if isinstance(item, StatusChange):
            return _status_change_text(item)
        if isinstance(item, Statement):
            return _statement_text(item)
        status = Arrangement.Status(item.at_status).label
        since = humanize_partial_date(item.at_status_date, item.at_status_precision)
        title = gettext("%(country)s: %(status)s since %(day)s (%(sender)s)") % {
            "country": item.receiving_country.local_name,
            "status": status,
            "day": since,
            "sender": item.sending_state.local_name,
        }
        notes = " " + gettext("Disputed.") if item.at_disputed else ""
        notes += " " + gettext("Not verified recently.") if item.at_stale else ""
        backed = gettext("backed by %(n)d publisher(s).") % {"n": item.at_sources_count}
        return title, f"<p>{escape(status)}; {escape(backed)}{escape(notes)}</p>"

    def item_link(self, item: Any) -> str:
        if isinstance(item, StatusChange):
            return item.arrangement.get_absolute_url()
        if isinstance(item, Statement):
            return item.actor.get_absolute_url() + f"#statement-{item.pk}"
        return item.get_absolute_url()


class ChangesFeed(_Base):
    """New status changes and statements, newest recorded first."""

    title = gettext_lazy("Third-Country Tracker: recent changes")
    link = "/"
    subtitle = gettext_lazy("New status changes and statements on third-country deportation arrangements.")

    def items(self) -> list[Any]:
        changes = list(
            StatusChange.objects.filter(statement__isnull=True)
            .select_related("arrangement__sending_state", "arrangement__receiving_country")
            .prefetch_related("sources")
            .order_by("-recorded_at", "-pk")[:FEED_ITEMS]
        )
        statements = list(
            Statement.objects.select_related("actor", "sending_state")
            .prefetch_related("sources", "arrangements__receiving_country")
            .order_by("-recorded_at", "-pk")[:FEED_ITEMS]
        )
        events: list[Any] = [*changes, *statements]
        return sorted(events, key=lambda r: (r.recorded_at, r.pk), reverse=True)[:FEED_ITEMS]


class ListFeed(_Base):
    """The newest entries of a filtered statements or arrangements list."""

    def get_object(self, request: HttpRequest, slug: str) -> Any:  # type: ignore[override]
        spec = SPECS[slug]
        fs, qs = spec.filtered(request.GET)
        return spec, fs, qs, request.GET.urlencode()

    def __call__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        spec = SPECS[kwargs["slug"]]
        fs = spec.filterset_for(request.GET)
        if not fs.is_valid():
            return filter_errors(fs)
        return super().__call__(request, *args, **kwargs)

    def title(self, obj: Any) -> str:
        spec, _, _, query = obj
        return gettext("Third-Country Tracker: %(list)s") % {"list": str(spec.title).lower()} + (
            f" ({query})" if query else ""
        )

    def link(self, obj: Any) -> str:
        spec, _, _, query = obj
        return f"/{spec.slug}/" + (f"?{query}" if query else "")

    def items(self, obj: Any) -> list[Any]:
        spec, _, qs, _ = obj
        if spec.slug == "arrangements":
            return list(qs.order_by("-at_status_date", "-pk")[:FEED_ITEMS])
        return list(qs.order_by("-recorded_at", "-pk")[:FEED_ITEMS])

    def item_pubdate(self, item: Any) -> dt.datetime:
        if isinstance(item, Arrangement):
            return dt.datetime.combine(item.at_status_date, dt.time.min, tzinfo=dt.UTC)  # type: ignore[attr-defined]
        return item.recorded_at

    def item_updateddate(self, item: Any) -> dt.datetime:
        return self.item_pubdate(item)
