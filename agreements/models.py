"""The domain: who sends deported people to which third country, on what evidence.

Every enumeration is a nested TextChoices (labels and map colours in one place). Invariants are database
constraints named agreements_<model>_<rule>. Writes go through agreements.services, never through save() here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .dates import Precision, format_partial_date, humanize_partial_date
from .localize import country_name
from .querysets import (
    ArrangementQuerySet,
    CountryQuerySet,
    PeopleBasis,
    SourceQuerySet,
    StatementQuerySet,
    StatusChangeQuerySet,
    joined_day,
    joined_rows,
    joined_source,
)

HTTP_URL: Q = Q(url__startswith="http://") | Q(url__startswith="https://")
# A BCP 47 language tag as pages write it in lang="…": a primary language, then optional subtags (es, es-419, pt-BR).
LANGUAGE_TAG = RegexValidator(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$", _("Enter a language tag such as en, es or es-419."))


NO_REPORTS = _("No reports")


def status_label(value: str | None) -> str:
    """The reader's label of a status value; "No reports" for none."""
    return str(Arrangement.Status(value).label) if value in Arrangement.Status.values else str(NO_REPORTS)


class PublicManagerMixin:
    """The default manager shows what the public sees: retracted records are hidden (they stay in all_objects and
    in the history)."""

    def get_queryset(self) -> Any:
        return super().get_queryset().filter(retracted_at__isnull=True)  # type: ignore[misc]


class StatusChangeManager(PublicManagerMixin, models.Manager.from_queryset(StatusChangeQuerySet)):  # type: ignore[misc]
    pass


class StatementManager(PublicManagerMixin, models.Manager.from_queryset(StatementQuerySet)):  # type: ignore[misc]
    pass


class Country(models.Model):
    """A country of ISO 3166-1 (plus Kosovo, XK): reference data loaded by a data migration."""

    iso2 = models.CharField("ISO alpha-2", max_length=2, primary_key=True)
    iso3 = models.CharField("ISO alpha-3", max_length=3, unique=True)
    iso_numeric = models.CharField(
        "ISO numeric", max_length=3, unique=True, null=True, blank=True, help_text="Empty for Kosovo."
    )
    name = models.CharField(max_length=100, help_text="Common English name.")
    iso_name = models.CharField("ISO short name", max_length=100)
    alt_names = models.JSONField(default=list, blank=True, help_text="Other English names matched on import.")
    region = models.CharField(max_length=40, blank=True)
    subregion = models.CharField(max_length=40, blank=True)
    latitude = models.FloatField(help_text="A representative point, for markers.")
    longitude = models.FloatField()

    objects = CountryQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "countries"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("agreements:country", args=[self.iso2])

    @property
    def local_name(self) -> str:
        """The name in the reader's language (CLDR; the record's English name in English)."""
        return country_name(self.iso2, self.name)


class Source(models.Model):
    """Where a fact was reported. Unique by normalised URL."""

    class Kind(models.TextChoices):
        NEWS_REPORT = "news_report", _("News report")
        OFFICIAL_STATEMENT = "official_statement", _("Official statement or release")
        GOVERNMENT_DOCUMENT = "government_document", _("Government document")
        COURT_FILING = "court_filing", _("Court filing")
        NGO_REPORT = "ngo_report", _("NGO or think-tank report")
        LEAKED_DOCUMENT = "leaked_document", _("Leaked or internal document (as reported)")

    url = models.URLField(max_length=2000, help_text="http or https only.")
    normalized_url = models.CharField(max_length=2000, unique=True, editable=False)
    publisher = models.CharField(max_length=200, help_text="The outlet or site where it was read.")
    origin = models.CharField(
        max_length=200,
        blank=True,
        help_text="The outlet whose reporting it carries, when it is a copy, wire story, summary or mirror "
        '(e.g. "Reuters" for a Reuters story read in Dawn); empty when the publisher did its own reporting.',
    )
    # Name keys (services.checks.name_key), set by every writer: the publisher's, and the independent origin's
    # (the origin's, or the publisher's when there is none) that "backed by N independent publishers" counts.
    publisher_key = models.CharField(max_length=200, editable=False, default="")
    origin_key = models.CharField(max_length=200, editable=False, default="")
    title = models.CharField(max_length=500, blank=True)
    published = models.DateField(null=True, blank=True, help_text="First day of the period.")
    published_precision = models.CharField(max_length=5, choices=Precision.choices, default=Precision.DAY)
    kind = models.CharField(max_length=24, choices=Kind.choices, blank=True)
    archive_url = models.URLField(max_length=2000, blank=True)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    last_http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_check_error = models.CharField(max_length=100, blank=True, help_text="Why the last check got no answer.")
    # Kept by the archive services (agreements.services.archive) so that every list of sources shows the archive
    # without another query: the latest capture's time, and when a check found the live text changed since it.
    last_archived_at = models.DateTimeField(null=True, blank=True, editable=False)
    drift_found_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When a check found it changed since archived (open)."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    objects = SourceQuerySet.as_manager()

    class Meta:
        ordering = ["-published", "publisher"]
        constraints = [
            models.CheckConstraint(condition=HTTP_URL, name="agreements_source_url_http"),
            models.CheckConstraint(
                condition=Q(archive_url="")
                | Q(archive_url__startswith="http://")
                | Q(archive_url__startswith="https://"),
                name="agreements_source_archive_url_http",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cited_as}: {self.title or self.url}"

    def get_absolute_url(self) -> str:
        return reverse("agreements:source", args=[self.pk])

    @property
    def cited_as(self) -> str:
        """How a source is cited: "Reuters, via Dawn" for a copy of another outlet's reporting, else the publisher."""
        from .services.checks import name_key  # the services import the models

        if self.origin and name_key(self.origin) != name_key(self.publisher):
            return _("%(origin)s, via %(publisher)s") % {"origin": self.origin, "publisher": self.publisher}
        return self.publisher

    @property
    def published_display(self) -> str:
        return humanize_partial_date(self.published, self.published_precision)

    @property
    def link_dead(self) -> bool:
        """The last check found the link broken: an HTTP error, or no answer at all."""
        return bool((self.last_http_status and self.last_http_status >= 400) or self.last_check_error)

    @property
    def link_problem(self) -> str:
        if self.last_check_error:
            return self.last_check_error
        return f"HTTP {self.last_http_status}" if self.link_dead else ""

    @property
    def changed_since_archived(self) -> bool:
        """A check found the live page materially different from our copy (and it is still there)."""
        return bool(self.drift_found_at and self.last_archived_at and not self.link_dead)


class Actor(models.Model):
    """A person or an institution that speaks."""

    class Kind(models.TextChoices):
        GOVERNMENT_OFFICIAL = "government_official", _("Government official")
        EMBASSY = "embassy", _("Embassy")
        AGENCY = "agency", _("Ministry or agency")
        COURT = "court", _("Court")
        INTERNATIONAL_BODY = "international_body", _("International body")
        EXPERT = "expert", _("Expert or NGO")
        OTHER = "other", _("Other")

    # Kinds whose words are a government's own (used to decide when an arrangement is disputed).
    GOVERNMENT_KINDS = (Kind.GOVERNMENT_OFFICIAL, Kind.EMBASSY, Kind.AGENCY)

    name = models.CharField(max_length=200)
    # services.checks.name_key(name), set by every writer: an actor's identity in every alphabet on every database.
    name_key = models.CharField(max_length=200, editable=False)
    slug = models.SlugField(max_length=220, unique=True)
    role = models.CharField(max_length=200, blank=True, help_text='e.g. "Secretary of State".')
    kind = models.CharField(max_length=24, choices=Kind.choices, default=Kind.OTHER)
    country = models.ForeignKey(
        Country,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="actors",
        help_text="The country the actor speaks for.",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["name_key"], name="agreements_actor_name_key_unique")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("agreements:actor", args=[self.slug])


class Arrangement(models.Model):
    """One sending state and one receiving country. Its current status is that of its latest status change."""

    class Status(models.TextChoices):
        REPORTED = "reported", _("Reported contact")
        NEGOTIATING = "negotiating", _("In negotiation")
        AGREED = "agreed", _("Agreement reached")
        IMPLEMENTED = "implemented", _("Transfers under way")
        SUSPENDED = "suspended", _("Suspended")
        ENDED = "ended", _("Ended")
        DENIED = "denied", _("Denied")
        DECLINED = "declined", _("Declined")

    # Okabe-Ito, a colour-blind-safe palette; the label is always shown beside the colour.
    COLOURS = {
        Status.REPORTED: "#F0E442",
        Status.NEGOTIATING: "#E69F00",
        Status.AGREED: "#D55E00",
        Status.IMPLEMENTED: "#882255",
        Status.SUSPENDED: "#56B4E9",
        Status.ENDED: "#999999",
        Status.DENIED: "#0072B2",
        Status.DECLINED: "#009E73",
    }
    NO_REPORTS_COLOUR = "#F4F4F1"
    # "Most advanced" first: a country that several sending states approached is shown, on the map of every
    # sending state, by the first of its statuses in this order (the one place this order is written).
    PRECEDENCE = (
        Status.IMPLEMENTED,
        Status.AGREED,
        Status.NEGOTIATING,
        Status.REPORTED,
        Status.SUSPENDED,
        Status.ENDED,
        Status.DECLINED,
        Status.DENIED,
    )

    sending_state = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="arrangements_sent")
    receiving_country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="arrangements_received")
    summary = models.TextField(blank=True, help_text="A short neutral summary.")

    # Derived from the status-change log by services.refresh_arrangement(); never set by hand.
    status = models.CharField(max_length=12, choices=Status.choices, blank=True, editable=False)
    status_date = models.DateField(null=True, blank=True, editable=False)
    status_precision = models.CharField(max_length=5, choices=Precision.choices, blank=True, editable=False)
    # People transferred (querysets.derived_state): the larger of the sum of the transfers reported with a number
    # (people_counted) and the latest reported cumulative total (people_reported, the ReportedTotal people_total).
    people_transferred = models.PositiveIntegerField(null=True, blank=True, editable=False)
    people_counted = models.PositiveIntegerField(null=True, blank=True, editable=False)
    people_reported = models.PositiveIntegerField(null=True, blank=True, editable=False)
    people_basis = models.CharField(max_length=16, choices=PeopleBasis.choices, blank=True, editable=False)
    people_total = models.ForeignKey(
        "ReportedTotal", null=True, blank=True, on_delete=models.SET_NULL, editable=False, related_name="+"
    )
    disputed = models.BooleanField(
        default=False, editable=False, help_text="The two governments' latest statements contradict each other."
    )
    sources_count = models.PositiveIntegerField(
        default=0,
        editable=False,
        help_text="Independent publishers backing the current status: distinct origins (a source without one counts "
        "as its publisher).",
    )
    last_confirmed_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="Latest status change, statement, source or verification.",
    )
    stale_after = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When it goes stale unless confirmed; empty: never."
    )
    stale_since = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="Set by the flag_stale job when it went stale."
    )
    stale_flag_run = models.UUIDField(
        null=True, blank=True, editable=False, help_text="The flag_stale run that flagged it (for its digest)."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    objects = ArrangementQuerySet.as_manager()

    class Meta:
        ordering = ["sending_state", "receiving_country"]
        constraints = [
            models.UniqueConstraint(fields=["sending_state", "receiving_country"], name="agreements_arrangement_pair"),
            models.CheckConstraint(
                condition=~Q(sending_state=models.F("receiving_country")),
                name="agreements_arrangement_sending_not_receiving",
            ),
            models.CheckConstraint(
                condition=Q(people_transferred__isnull=True) | Q(people_transferred__gte=0),
                name="agreements_arrangement_people_nonnegative",
            ),
        ]
        indexes = [
            # flag_stale: arrangements whose deadline has passed and that are not flagged yet.
            models.Index(
                fields=["stale_after"],
                name="agreements_arr_due_idx",
                condition=Q(stale_since__isnull=True, stale_after__isnull=False),
            ),
            # flag_stale: flagged arrangements whose flag may no longer hold.
            models.Index(
                fields=["stale_since"],
                name="agreements_arr_flagged_idx",
                condition=Q(stale_since__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sending_state_id} → {self.receiving_country_id}"

    def get_absolute_url(self) -> str:
        return reverse("agreements:country", args=[self.receiving_country_id]) + f"#arrangement-{self.pk}"

    @classmethod
    def by_precedence(cls, arrangements: Iterable[Arrangement]) -> list[Arrangement]:
        """Arrangements read with .at() (their `at_status`), the most advanced status first (PRECEDENCE), then by
        sending state."""
        rank = {status: i for i, status in enumerate(cls.PRECEDENCE)}
        return sorted(arrangements, key=lambda a: (rank.get(a.at_status, len(rank)), a.sending_state_id))  # type: ignore[attr-defined]

    @property
    def status_since(self) -> str:
        return format_partial_date(self.status_date, self.status_precision)

    @property
    def term_list(self) -> list[Term]:
        """The known terms with their sources (needs .with_terms()), in the order of Term.Kind."""
        order = {kind: i for i, kind in enumerate(Term.Kind.values)}
        terms = [
            Term(
                pk=row["id"],
                arrangement=self,
                kind=row["kind"],
                value=row["value"] or "",
                date=joined_day(row["date"]),
                date_precision=row["precision"],
                source=joined_source(row),
            )
            for row in joined_rows(getattr(self, "terms_joined", None))
        ]
        return sorted(terms, key=lambda t: (order.get(t.kind, 99), t.date or dt.date.min, t.value))

    @property
    def people_figure(self) -> Any:
        """People transferred, its basis and both ways of counting, with their sources (transfers.PeopleFigure;
        needs .at(), and .with_evidence() for the sources)."""
        from .transfers import PeopleFigure

        return PeopleFigure.of(self)

    @property
    def backing_sources(self) -> list[Source]:
        """The sources of the changes that set the status shown (needs .with_evidence()), newest first."""
        sources = {row["source_id"]: joined_source(row) for row in joined_rows(getattr(self, "backing_joined", None))}
        return sorted(sources.values(), key=lambda s: (s.published or dt.date.min, s.pk), reverse=True)


class Term(models.Model):
    """One known term of an arrangement (instrument, dates, coverage, cap, payment), with its source."""

    class Kind(models.TextChoices):
        INSTRUMENT = "instrument", _("Instrument (memorandum, agreement, diplomatic notes, informal)")
        SIGNED = "signed", _("Signed")
        IN_FORCE = "in_force", _("In force")
        EXPIRES = "expires", _("Expires")
        COVERED = "covered", _("Who is covered")
        CAP = "cap", _("Cap on numbers")
        PAYMENT = "payment", _("Payment or concessions")

    # Terms that are a date (an expiry may lie ahead); the others are a value.
    DATED = (Kind.SIGNED, Kind.IN_FORCE, Kind.EXPIRES)

    arrangement = models.ForeignKey(Arrangement, on_delete=models.CASCADE, related_name="terms")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    value = models.CharField(max_length=500, blank=True)
    date = models.DateField(null=True, blank=True)
    date_precision = models.CharField(max_length=5, choices=Precision.choices, default=Precision.DAY)
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="terms")
    history = HistoricalRecords()

    class Meta:
        ordering = ["arrangement", "kind"]

    def __str__(self) -> str:
        return f"{self.arrangement}: {self.get_kind_display()}"

    @property
    def date_display(self) -> str:
        return humanize_partial_date(self.date, self.date_precision)


class Event(models.Model):
    """What status changes and statements share: a dated, sourced event that can be retracted but never deleted.

    Abstract: each kind has its own table. `recorded_at` orders events of the same date; `import_ref` (or, without
    one, `content_key`, a hash of what the event says) is its identity for idempotent imports.
    """

    date = models.DateField(help_text="First day of the period.")
    date_precision = models.CharField(max_length=5, choices=Precision.choices, default=Precision.DAY)
    import_ref = models.CharField(max_length=200, null=True, blank=True, unique=True)
    content_key = models.CharField(max_length=64, db_index=True, editable=False)
    recorded_at = models.DateTimeField(
        default=timezone.now, editable=False, help_text="When it was recorded; orders events of the same date."
    )
    retracted_at = models.DateTimeField(null=True, blank=True, editable=False)
    retraction_reason = models.CharField(max_length=500, blank=True, editable=False)

    class Meta:
        abstract = True
        ordering = ["-date", "-recorded_at", "-id"]

    @property
    def date_display(self) -> str:
        return humanize_partial_date(self.date, self.date_precision)

    @property
    def date_iso(self) -> str:
        return format_partial_date(self.date, self.date_precision)


class StatusChange(Event):
    """An event in an arrangement's log: it moved to `status` on `date`, on the word of at least one source."""

    arrangement = models.ForeignKey(Arrangement, on_delete=models.PROTECT, related_name="status_changes")
    status = models.CharField(max_length=12, choices=Arrangement.Status.choices)
    note = models.TextField(blank=True)
    people = models.PositiveIntegerField(null=True, blank=True, help_text="People transferred in this event.")
    sources = models.ManyToManyField(Source, related_name="status_changes")
    statement = models.ForeignKey(
        "Statement",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="status_changes",
        help_text="The statement this change was recorded with (same source), if any.",
    )
    history = HistoricalRecords()

    objects = StatusChangeManager()
    all_objects = models.Manager.from_queryset(StatusChangeQuerySet)()

    class Meta(Event.Meta):
        get_latest_by = ["date", "recorded_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(people__isnull=True) | Q(people__gte=0),
                name="agreements_statuschange_people_nonnegative",
            ),
        ]
        indexes = [
            # status_as_of(): the latest change of each arrangement on or before a date.
            models.Index(fields=["arrangement", "date", "recorded_at", "id"], name="agreements_sc_asof_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.arrangement}: {self.status} ({self.date_display})"

    @property
    def cited_sources(self) -> list[Source]:
        """Its sources, read in the same query as the change (needs .with_cited_sources())."""
        return [joined_source(row) for row in joined_rows(getattr(self, "sources_joined", None))]

    @property
    def nationality_list(self) -> list[dict[str, Any]]:
        """Its nationalities in the order given, `{"iso2", "name", "count"}` each (needs .with_nationalities())."""
        rows = sorted(joined_rows(getattr(self, "nationalities_joined", None)), key=lambda row: row["id"])
        return [row | {"name": country_name(row["iso2"], row["name"])} for row in rows]


class Statement(Event):
    """What an actor said (or declined to say), about arrangements or, if none, the sending state's policy."""

    class Stance(models.TextChoices):
        CONFIRMS = "confirms", _("Confirms")
        DENIES = "denies", _("Denies")
        UNAWARE = "unaware", _("Not aware")
        DECLINED_TO_COMMENT = "declined_to_comment", _("Declined to comment")
        NO_RESPONSE = "no_response", _("No response")
        REFERRED = "referred", _("Referred questions elsewhere")
        COMMENTARY = "commentary", _("Commentary")
        RULING = "ruling", _("Ruling")

    actor = models.ForeignKey(Actor, on_delete=models.PROTECT, related_name="statements")
    sending_state = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="statements_about_policy")
    arrangements = models.ManyToManyField(Arrangement, blank=True, related_name="statements")
    stance = models.CharField(max_length=20, choices=Stance.choices)
    quote = models.TextField(_("quote"), blank=True, help_text=_("Verbatim words, when there are any."))
    # The quote stays as said; its language is marked on every page (lang="…") so it is read out in that language.
    quote_language = models.CharField(
        _("language of the quote"),
        max_length=35,
        default="en",
        validators=[LANGUAGE_TAG],
        help_text=_("The language the words were published in, as a language tag: en, es, fr…"),
    )
    translation = models.TextField(
        _("translation"), blank=True, help_text=_("An optional translation of the quote; the quote itself is kept.")
    )
    translation_language = models.CharField(
        _("language of the translation"), max_length=35, blank=True, validators=[LANGUAGE_TAG]
    )
    translator = models.CharField(
        _("translator"), max_length=200, blank=True, help_text=_("Who translated the quote (a person or outlet).")
    )
    paraphrase = models.TextField(_("paraphrase"), blank=True, help_text=_("A neutral paraphrase."))
    sources = models.ManyToManyField(Source, related_name="statements")
    history = HistoricalRecords()

    objects = StatementManager()
    all_objects = models.Manager.from_queryset(StatementQuerySet)()
    # What a correction may add to a quote without touching it (editor, admin, API reads).
    TRANSLATION_FIELDS = ("quote_language", "translation", "translation_language", "translator")

    class Meta(Event.Meta):
        constraints = [
            models.CheckConstraint(
                condition=~Q(quote="") | ~Q(paraphrase=""), name="agreements_statement_quote_or_paraphrase"
            ),
            # A translation is of a quote, and says which language it is in.
            models.CheckConstraint(
                condition=Q(translation="") | (~Q(quote="") & ~Q(translation_language="")),
                name="agreements_statement_translation_of_quote",
            ),
        ]
        indexes = [models.Index(fields=["date", "id"], name="agreements_st_date_idx")]

    def __str__(self) -> str:
        return f"{self.actor}: {self.get_stance_display()} ({self.date_display})"


class Verification(models.Model):
    """An editor's explicit "still accurate" for an arrangement; it resets the staleness deadline."""

    arrangement = models.ForeignKey(Arrangement, on_delete=models.CASCADE, related_name="verifications")
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    verified_at = models.DateTimeField()
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-verified_at"]

    def __str__(self) -> str:
        return f"{self.arrangement} verified {self.verified_at:%Y-%m-%d}"


class StaleDigest(models.Model):
    """The editors' digest of one flag_stale run: written in the same transaction as the flags (an outbox), sent
    once. Each newly stale arrangement is in exactly one digest."""

    run = models.UUIDField(unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    arrangements = models.PositiveIntegerField()
    subject = models.CharField(max_length=200)
    body = models.TextField()
    sent_at = models.DateTimeField(null=True, blank=True)
    recipients = models.TextField(blank=True, help_text="Who it was sent to.")

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # send_digests: digests not sent yet.
            models.Index(fields=["created_at"], name="agreements_digest_unsent_idx", condition=Q(sent_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return self.subject


class PendingTask(models.Model):
    """A task that could not be queued because the broker was down; flushed to the broker once it is back."""

    name = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.name}{tuple(self.args)}"


# Split by seam (they build on the models above); imported here so that `from .models import ...` finds them.
from .newsdesk import DigestRun as DigestRun  # noqa: E402
from .newsdesk import Feed as Feed  # noqa: E402
from .newsdesk import KeywordRule as KeywordRule  # noqa: E402
from .newsdesk import Lead as Lead  # noqa: E402
from .newsdesk import Subscription as Subscription  # noqa: E402
from .preservation import Release as Release  # noqa: E402
from .preservation import SourceCapture as SourceCapture  # noqa: E402
from .preservation import SourceDrift as SourceDrift  # noqa: E402
from .transfers import ReportedTotal as ReportedTotal  # noqa: E402
from .transfers import TransferNationality as TransferNationality  # noqa: E402

# The records whose edits the public sees (the /changes/ page) and whose latest edit dates a citation.
PUBLIC_HISTORY: list[tuple[type[models.Model], str]] = [
    (StatusChange, "Status change"),
    (Statement, "Statement"),
    (Source, "Source"),
    (Actor, "Actor"),
    (Arrangement, "Arrangement"),
    (Term, "Term"),
    (TransferNationality, "Nationality of a transfer"),
    (ReportedTotal, "Reported total"),
]
