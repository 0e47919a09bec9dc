"""/data/: the numbered dataset releases, each a zip at a permanent URL that never changes."""

from __future__ import annotations

from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from ..models import Release
from ..share import share_context
from .archive import FOREVER, download


def data_index(request: HttpRequest) -> HttpResponse:
    """Every release, newest first, with its size, SHA-256, counts and what changed."""
    share = share_context(
        request, title="Data releases", description="Numbered, immutable releases of the whole dataset, to cite."
    )
    return render(request, "agreements/data.html", {"releases": list(Release.objects.order_by("-number"))} | share)


def release_zip(request: HttpRequest, number: int) -> FileResponse:
    """One release's zip: immutable, so cached for good (its SHA-256 is its ETag)."""
    release = get_object_or_404(Release, number=number)
    response = download(release.file, f"tracker-data-{release.number}.zip", "application/zip", FOREVER)
    response["ETag"] = f'"{release.sha256}"'
    return response
