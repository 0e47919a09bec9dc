"""Django admin for every model: search, list filters and history. Saves go through agreements.services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin import widgets
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from . import services
from .dates import Precision
from .fields import HttpUrlField, count_bounds
from .models import (
    Actor,
    Arrangement,
    Country,
    Release,
    Source,
    SourceCapture,
    SourceDrift,
    Statement,
    StatusChange,
    Term,
    Verification,
)

READ_ONLY_DERIVED = (
    "status",
    "status_date",
    "status_precision",
    "people_transferred",
    "people_basis",
    "people_counted",
    "people_reported",
    "last_confirmed_at",
    "stale_after",
    "stale_since",
)


class ReasonForm(forms.ModelForm):
    """Every admin form asks why; the reason goes into the record's history."""

    reason = forms.CharField(max_length=100, help_text="Why this change? Shown in the history.")


class ServiceAdmin(SimpleHistoryAdmin):
    """Adds and corrections through the services, with the reason from the form; no hard delete."""

    form = ReasonForm
    # The input rules of every form: URLs through the one URL rule, whole numbers within what a column holds.
    formfield_overrides = {
        models.URLField: {"form_class": HttpUrlField},
        models.PositiveIntegerField: {**count_bounds(), "widget": widgets.AdminIntegerFieldWidget},
    }

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    # Where a model's add form and change form show different fields (the change form: only what may be corrected).
    add_fields: list[str] | None = None
    change_fields: list[str] | None = None

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = self.add_fields if obj is None else self.change_fields
        return [*fields, "reason"] if fields else super().get_fields(request, obj)

    def create(self, request: HttpRequest, data: dict[str, Any], reason: str) -> Any:
        raise NotImplementedError

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        data = {k: v for k, v in form.cleaned_data.items() if k != "reason"}
        reason = form.cleaned_data["reason"]
        try:
            if change:
                changes = {k: data[k] for k in form.changed_data if k in services.EDITABLE_FIELDS[type(obj)]}
                fresh = type(obj)._base_manager.get(pk=obj.pk)
                services.correct_record(obj=fresh, changes=changes, user=request.user, reason=reason)
            else:
                created = self.create(request, data, reason)
                obj.__dict__.update(created.__dict__)  # the admin logs and redirects with the object it passed
        except ValidationError as exc:  # pragma: no cover - forms validate first; this keeps data intact
            raise forms.ValidationError(exc.messages) from exc

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        pass  # many-to-many links are written by the services


@admin.register(Country)
class CountryAdmin(admin.ModelAdmin):
    list_display = ("name", "iso2", "iso3", "iso_numeric", "region", "subregion")
    list_filter = ("region", "subregion")
    search_fields = ("name", "iso_name", "iso2", "iso3")
    readonly_fields = ("iso2",)


@admin.register(Source)
class SourceAdmin(ServiceAdmin):
    list_display = ("publisher", "origin", "title", "published", "kind", "last_http_status")
    list_filter = ("kind", "last_http_status")
    search_fields = ("publisher", "origin", "title", "url")
    readonly_fields = ("normalized_url", "last_checked_at", "last_http_status", "last_check_error")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return (*self.readonly_fields, "url") if obj else self.readonly_fields

    def create(self, request: HttpRequest, data: dict[str, Any], reason: str) -> Any:
        return services.get_or_create_source(user=request.user, reason=reason, **data).obj


@admin.register(Actor)
class ActorAdmin(ServiceAdmin):
    list_display = ("name", "role", "kind", "country")
    list_filter = ("kind", "country__region")
    search_fields = ("name", "role")
    readonly_fields = ("slug",)
    autocomplete_fields = ("country",)

    def create(self, request: HttpRequest, data: dict[str, Any], reason: str) -> Any:
        return services.get_or_create_actor(user=request.user, reason=reason, **data).obj


class StatusChangeInline(admin.TabularInline):
    model = StatusChange
    fields = ("date", "date_precision", "status", "people", "note")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Arrangement)
class ArrangementAdmin(ServiceAdmin):
    list_display = ("__str__", "status", "status_date", "people_transferred", "stale_after")
    list_filter = ("status", "sending_state", "receiving_country__region")
    search_fields = ("receiving_country__name", "sending_state__name", "summary")
    readonly_fields = ("sending_state", "receiving_country", *READ_ONLY_DERIVED)
    inlines = [StatusChangeInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # arrangements come into being with their first status change


class StatusChangeForm(ReasonForm):
    sending_state = forms.ModelChoiceField(Country.objects.all(), required=False)
    receiving_country = forms.ModelChoiceField(Country.objects.all(), required=False)

    class Meta:
        model = StatusChange
        fields = ("status", "date", "date_precision", "note", "people", "sources")


@admin.register(StatusChange)
class StatusChangeAdmin(ServiceAdmin):
    def get_queryset(self, request: HttpRequest) -> Any:
        return StatusChange.all_objects.select_related("arrangement")  # retracted records too

    form = StatusChangeForm
    list_display = ("arrangement", "status", "date", "date_precision", "people", "retracted_at")
    list_filter = ("status", "arrangement__sending_state", "date_precision")
    search_fields = ("note", "arrangement__receiving_country__name", "import_ref")
    autocomplete_fields = ("sources",)
    date_hierarchy = "date"

    add_fields = ["sending_state", "receiving_country", "status", "date", "date_precision", "note", "people", "sources"]
    change_fields = ["status", "date", "date_precision", "note", "people", "nationalities_given"]
    readonly_fields = ("nationalities_given",)

    @admin.display(description="Nationalities (logged with the transfer)")
    def nationalities_given(self, obj: StatusChange) -> str:
        return ";".join(str(n) for n in obj.nationalities.all()) or "—"

    def create(self, request: HttpRequest, data: dict[str, Any], reason: str) -> Any:
        return services.record_status_change(
            sending_state=data["sending_state"],
            receiving_country=data["receiving_country"],
            status=data["status"],
            date=data["date"],
            precision=data.get("date_precision") or Precision.DAY,
            sources=list(data["sources"]),
            note=data.get("note", ""),
            people=data.get("people"),
            user=request.user,
            reason=reason,
        )


STATEMENT_ADD_FIELDS = [
    "actor",
    "sending_state",
    "receiving_countries",
    "stance",
    "date",
    "date_precision",
    "quote",
    "paraphrase",
    "sources",
    "status",
]


class StatementForm(ReasonForm):
    receiving_countries = forms.ModelMultipleChoiceField(Country.objects.all(), required=False)
    status = forms.ChoiceField(choices=[("", "—"), *Arrangement.Status.choices], required=False)

    class Meta:
        model = Statement
        fields = [f for f in STATEMENT_ADD_FIELDS if f not in ("receiving_countries", "status")]


@admin.register(Statement)
class StatementAdmin(ServiceAdmin):
    def get_queryset(self, request: HttpRequest) -> Any:
        return Statement.all_objects.select_related("actor")  # retracted records too

    form = StatementForm
    list_display = ("actor", "stance", "date", "sending_state", "retracted_at")
    list_filter = ("stance", "actor__kind", "sending_state")
    search_fields = ("quote", "paraphrase", "actor__name", "import_ref")
    autocomplete_fields = ("actor", "sources", "sending_state")
    date_hierarchy = "date"

    add_fields = STATEMENT_ADD_FIELDS
    change_fields = [
        "actor",
        "stance",
        "date",
        "date_precision",
        "quote",
        *Statement.TRANSLATION_FIELDS,
        "paraphrase",
    ]

    def create(self, request: HttpRequest, data: dict[str, Any], reason: str) -> Any:
        return services.log_statement(
            actor=data["actor"],
            sending_state=data["sending_state"],
            receiving_countries=list(data.get("receiving_countries") or []),
            stance=data["stance"],
            date=data["date"],
            precision=data.get("date_precision") or Precision.DAY,
            quote=data.get("quote", ""),
            paraphrase=data.get("paraphrase", ""),
            sources=list(data["sources"]),
            status=data.get("status") or None,
            user=request.user,
            reason=reason,
        )


@admin.register(Term)
class TermAdmin(ServiceAdmin):
    list_display = ("arrangement", "kind", "value", "date")
    list_filter = ("kind",)
    search_fields = ("value", "arrangement__receiving_country__name")
    autocomplete_fields = ("source", "arrangement")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("arrangement", "kind", "source") if obj else ()

    def create(self, request: HttpRequest, data: dict[str, Any], reason: str) -> Any:
        arrangement = data["arrangement"]
        return services.record_term(
            sending_state=arrangement.sending_state,
            receiving_country=arrangement.receiving_country,
            kind=data["kind"],
            value=data.get("value", ""),
            date=data.get("date"),
            precision=data.get("date_precision") or Precision.DAY,
            source=data["source"],
            user=request.user,
            reason=reason,
        )


@admin.register(Verification)
class VerificationAdmin(admin.ModelAdmin):
    list_display = ("arrangement", "verified_by", "verified_at", "note")
    search_fields = ("note", "arrangement__receiving_country__name")
    readonly_fields = ("arrangement", "verified_by", "verified_at", "note")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records that only the archive and release jobs write: shown, never edited here."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(SourceCapture)
class SourceCaptureAdmin(SimpleHistoryAdmin, ReadOnlyAdmin):
    list_display = ("source", "captured_at", "http_status", "final_url", "sha256", "size")
    search_fields = ("source__url", "final_url", "sha256")
    raw_id_fields = ("source",)


@admin.register(SourceDrift)
class SourceDriftAdmin(ReadOnlyAdmin):
    list_display = ("source", "kind", "found_at", "last_seen_at", "resolved_at", "resolution")
    list_filter = ("kind",)
    raw_id_fields = ("source", "capture")


@admin.register(Release)
class ReleaseAdmin(ReadOnlyAdmin):
    list_display = ("number", "snapshot_at", "size", "sha256")
