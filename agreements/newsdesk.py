"""The models of the newsdesk: the feeds editors watch and the keyword rules that turn their items into leads, and
readers' subscriptions to digests of the changes that match a list filter. Split from models.py by seam; models.py
imports them. Written only through agreements.services (services/newsdesk.py)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import HTTP_URL, Country


class Feed(models.Model):
    """A watched RSS, Atom or JSON feed. Polled by the beat job with a conditional GET (its validators are kept
    here) and backed off after failures (`failures` in a row push `next_poll_at` further out)."""

    url = models.URLField(max_length=2000, unique=True, help_text="http or https only.")
    publisher = models.CharField(max_length=200, help_text="Whose feed it is: pre-fills a lead's publisher.")
    active = models.BooleanField(default=True)
    etag = models.CharField(max_length=500, blank=True, editable=False)
    last_modified = models.CharField(max_length=100, blank=True, editable=False)
    last_polled_at = models.DateTimeField(null=True, blank=True, editable=False)
    next_poll_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_status = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    last_error = models.CharField(max_length=300, blank=True, editable=False)
    failures = models.PositiveIntegerField(default=0, editable=False, help_text="Failed polls in a row.")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["publisher", "url"]
        constraints = [models.CheckConstraint(condition=HTTP_URL, name="agreements_feed_url_http")]

    def __str__(self) -> str:
        return f"{self.publisher} ({self.url})"


class KeywordRule(models.Model):
    """A word or phrase that makes a feed item a lead (matched whole-word, in any case)."""

    phrase = models.CharField(max_length=200)
    phrase_key = models.CharField(max_length=200, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["phrase_key"]

    def __str__(self) -> str:
        return self.phrase


class Lead(models.Model):
    """A feed item that matched the keyword rules: one per normalised URL and per near-identical title."""

    class State(models.TextChoices):
        NEW = "new", _("New")
        SNOOZED = "snoozed", _("Snoozed")
        DISMISSED = "dismissed", _("Dismissed")
        LOGGED = "logged", _("Logged")

    url = models.URLField(max_length=2000)
    normalized_url = models.CharField(max_length=2000, unique=True, editable=False)
    title = models.CharField(max_length=500)
    title_key = models.CharField(max_length=500, db_index=True, editable=False)
    summary = models.TextField(blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    feed = models.ForeignKey(Feed, null=True, blank=True, on_delete=models.SET_NULL, related_name="leads")
    also_in = models.JSONField(default=list, blank=True, help_text="Other URLs of the same story (other feeds).")
    countries = models.ManyToManyField(Country, blank=True, related_name="leads")
    matched = models.JSONField(default=list, blank=True, help_text="The words that made it a lead.")
    state = models.CharField(max_length=10, choices=State.choices, default=State.NEW)
    snoozed_until = models.DateTimeField(null=True, blank=True)
    found_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = [models.F("published_at").desc(nulls_last=True), "-found_at", "-id"]
        constraints = [models.CheckConstraint(condition=HTTP_URL, name="agreements_lead_url_http")]
        indexes = [models.Index(fields=["state", "found_at"], name="agreements_lead_state_idx")]

    def __str__(self) -> str:
        return self.title


class Subscription(models.Model):
    """A reader's subscription: an email address and one list filter (a normalised query string, e.g.
    `receiving_country=RW`). Unconfirmed until the signed link in the confirmation mail is opened; the address is
    kept for this only and deleted with the unsubscribe."""

    class Frequency(models.TextChoices):
        DAILY = "daily", _("Daily")
        WEEKLY = "weekly", _("Weekly")

    email = models.EmailField(max_length=254)
    query = models.CharField(max_length=1000, help_text="The list filter, normalised (sorted, no empty values).")
    frequency = models.CharField(max_length=6, choices=Frequency.choices, default=Frequency.DAILY)
    language = models.CharField(max_length=10, default="en")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    confirmed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["email", "query"], name="agreements_subscription_one_per_filter"),
        ]
        indexes = [
            models.Index(
                fields=["frequency"], name="agreements_sub_confirmed_idx", condition=Q(confirmed_at__isnull=False)
            )
        ]

    def __str__(self) -> str:
        return f"{self.email}: ?{self.query} ({self.frequency})"


class DigestRun(models.Model):
    """One digest of one subscription for one period ("D2026-11-28", "W2026-48"): the row is the claim, so that
    two workers running the job at once send it once (the unique constraint refuses the second)."""

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="digests")
    period = models.CharField(max_length=12)
    covers_from = models.DateTimeField()
    covers_until = models.DateTimeField()
    items = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-covers_until"]
        constraints = [
            models.UniqueConstraint(fields=["subscription", "period"], name="agreements_digest_once_per_period"),
        ]

    def __str__(self) -> str:
        return f"{self.subscription_id} {self.period}"
