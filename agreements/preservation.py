"""What the tracker keeps so that a reader can check it later: archived copies of sources (with the drift of the
live page from its copy) and numbered releases of the dataset. Imported by agreements.models, like its other
seams; written only through agreements.services."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .models import Source


class SourceCapture(models.Model):
    """Our copy of a source as fetched at one moment: the response as a WARC record and its readable text (files in
    the archive storage), the SHA-256 of the body, and the final URL after redirects. Written once, never changed."""

    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="captures")
    captured_at = models.DateTimeField(default=timezone.now)
    final_url = models.URLField(max_length=2000, help_text="After redirects.")
    http_status = models.PositiveSmallIntegerField()
    content_type = models.CharField(max_length=200, blank=True)
    sha256 = models.CharField("SHA-256", max_length=64, help_text="Of the body as received (hex).")
    size = models.PositiveIntegerField(help_text="Bytes of the body kept.")
    truncated = models.BooleanField(default=False, help_text="The body was longer than the archive's cap.")
    warc = models.CharField(max_length=300, help_text="Name of the WARC file in the archive storage.")
    text = models.CharField(max_length=300, help_text="Name of the extracted text in the archive storage.")
    text_chars = models.PositiveIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-captured_at", "-pk"]
        get_latest_by = ["captured_at", "pk"]
        indexes = [models.Index(fields=["source", "captured_at"], name="agreements_capture_latest_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(final_url__startswith="http://") | Q(final_url__startswith="https://"),
                name="agreements_capture_final_url_http",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source_id} captured {self.captured_at:%Y-%m-%d %H:%M}"


class SourceDrift(models.Model):
    """A check found a source's live page materially changed since our copy, or gone: an item of the editors'
    queue, with the diff, until an editor archives it again or dismisses it (or a later check finds it as archived)."""

    class Kind(models.TextChoices):
        CHANGED = "changed", _("Text changed since archived")
        GONE = "gone", _("Gone since archived")

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="drifts")
    capture = models.ForeignKey(SourceCapture, on_delete=models.CASCADE, related_name="drifts")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    found_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    changed_words = models.PositiveIntegerField(default=0)
    detail = models.CharField(max_length=200, blank=True, help_text="What the check found, e.g. HTTP 404.")
    diff = models.TextField(blank=True, help_text="Unified diff of the archived text and the live text.")
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    resolution = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["found_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["source"], condition=Q(resolved_at__isnull=True), name="agreements_drift_one_open"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source_id}: {self.get_kind_display()} ({self.found_at:%Y-%m-%d})"


class Release(models.Model):
    """A numbered, immutable dataset release: a zip (Data Package, changelog, citation) in the archive storage."""

    number = models.PositiveIntegerField(unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    snapshot_at = models.DateTimeField(help_text="The moment the data was read: the changes API's `since=<number>`.")
    file = models.CharField(max_length=300, help_text="Name of the zip in the archive storage.")
    sha256 = models.CharField("SHA-256", max_length=64)
    size = models.PositiveIntegerField()
    content_digest = models.CharField(max_length=64, help_text="SHA-256 of the data files: equal, nothing changed.")
    counts = models.JSONField(default=dict, help_text="Rows per table.")
    changes = models.JSONField(default=dict, help_text="Added, changed and retracted ids since the previous release.")

    class Meta:
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"Release {self.number}"

    def get_absolute_url(self) -> str:
        return reverse("agreements:release-zip", args=[self.number])
