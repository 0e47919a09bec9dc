"""The source archive on the site: a source's public page with its captures, our copies (the text to read, the
WARC file to download), and the editors' actions (archive now, resolve a drift)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from .. import services
from ..models import Source, SourceCapture, SourceDrift, Statement, StatusChange
from ..roles import is_editor
from ..share import share_context
from .editor import editor_required

CITED_SHOWN = 50
FOREVER = "public, max-age=31536000, immutable"  # a capture's files never change
LATEST = "public, max-age=300"  # "the latest copy" moves on when the source is archived again


def source(request: HttpRequest, pk: int) -> HttpResponse:
    """One source: where it was published, its link health, our captures of it, drift, and what cites it."""
    source = get_object_or_404(Source, pk=pk)
    context = {
        "source": source,
        "captures": list(source.captures.order_by("-captured_at", "-pk")),
        "drift": source.drifts.filter(resolved_at__isnull=True).select_related("capture").first(),
        "statements": list(
            Statement.objects.filter(sources=source).select_related("actor").latest_first()[:CITED_SHOWN]
        ),
        "changes": list(
            StatusChange.objects.filter(sources=source)
            .select_related("arrangement__sending_state", "arrangement__receiving_country")
            .latest_first()[:CITED_SHOWN]
        ),
        "editing": is_editor(request.user),
    }
    title = f"{source.publisher}: {source.title}" if source.title else source.publisher
    context |= share_context(
        request,
        title=title,
        description=gettext("A source on record: %(title)s, and what cites it.") % {"title": title},
    )
    return render(request, "agreements/source.html", context)


def _capture(pk: int, capture: int | None) -> SourceCapture:
    """A capture of the source (the latest when `capture` is None), or 404."""
    captures = SourceCapture.objects.filter(source_id=pk).select_related("source")
    latest = captures.order_by("-captured_at", "-pk")
    found = latest.first() if capture is None else captures.filter(pk=capture).first()
    if found is None:
        raise Http404("No archived copy of this source.")
    return found


def capture_text(request: HttpRequest, pk: int, capture: int | None = None) -> HttpResponse:
    """Our copy of the page's readable text, as plain text: never the page's own HTML or scripts."""
    found = _capture(pk, capture)
    with services.storage().open(found.text, "rb") as handle:
        text = handle.read().decode("utf-8")
    preface = (
        f"Archived copy kept by the Third-Country Tracker: the readable text of\n{found.final_url}\n"
        f"as captured on {found.captured_at:%d %B %Y at %H:%M} UTC (HTTP {found.http_status}; SHA-256 of the page "
        f"as received: {found.sha256}{'; cut at the size limit' if found.truncated else ''}).\n"
        "Not the original page: its layout, images and scripts are not kept here; the WARC file holds the response "
        "as received.\n" + "-" * 72 + "\n\n"
    )
    response = HttpResponse(preface + text, content_type="text/plain; charset=utf-8")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = f'inline; filename="source-{pk}-{found.captured_at:%Y%m%dT%H%M%SZ}.txt"'
    response["Cache-Control"] = LATEST if capture is None else FOREVER
    return response


def capture_warc(request: HttpRequest, pk: int, capture: int | None = None) -> FileResponse:
    """The capture's WARC file (gzipped), to download."""
    found = _capture(pk, capture)
    filename = f"source-{pk}-{found.captured_at:%Y%m%dT%H%M%SZ}.warc.gz"
    return download(found.warc, filename, "application/warc", LATEST if capture is None else FOREVER)


def download(name: str, filename: str, content_type: str, cache_control: str) -> FileResponse:
    """A file of the archive storage as an attachment, streamed."""
    response = FileResponse(
        services.storage().open(name, "rb"), as_attachment=True, filename=filename, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = cache_control
    return response


@editor_required
@require_POST
def editor_archive_source(request: HttpRequest, pk: int) -> HttpResponse:
    """Capture one source again now (run by a worker; kept until the broker is back if it is down)."""
    from ..tasks import enqueue

    source = get_object_or_404(Source, pk=pk)
    enqueue("agreements.tasks.archive_sources", [source.pk], True)
    messages.success(request, gettext("Archiving queued for %(url)s.") % {"url": source.url})
    return redirect(source.get_absolute_url())


class ResolveDriftForm(forms.Form):
    resolution = forms.CharField(max_length=200, help_text=_("What you checked, e.g. “only the headline changed”."))


@editor_required
@require_POST
def editor_resolve_drift(request: HttpRequest, pk: int) -> HttpResponse:
    """Take a source out of the drift queue with a note (re-archiving it does so too)."""
    drift = get_object_or_404(SourceDrift, source_id=pk, resolved_at__isnull=True)
    form = ResolveDriftForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Say what you checked before resolving."))
    else:
        services.close_drift(source_id=drift.source_id, resolution=form.cleaned_data["resolution"], user=request.user)
        messages.success(request, gettext("Resolved: %(source)s.") % {"source": drift.source})
    return redirect("agreements:editor")
