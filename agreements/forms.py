"""Forms: the map's query, the records export's filters, and the editor forms.

Editor forms only parse and show errors; every save goes through agreements.services, and any ValidationError the
services raise is shown next to the field it names."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import services
from .dates import Precision
from .fields import CountryField, HttpUrlField, NationalitiesField, PartialDateField, SendingStateField, count_bounds
from .models import Actor, Arrangement, Country, Source, Statement, StatusChange, Term

DEFAULT_SENDING_STATE = "US"
ALL_SENDING_STATES = SendingStateField.ALL
TEXT = {"rows": 4, "maxlength": services.MAX_TEXT}


def text_field(label: Any, help_text: Any = "") -> forms.CharField:
    """An optional long text (a quote, a paraphrase, a note) of at most services.MAX_TEXT characters."""
    limit, widget = services.MAX_TEXT, forms.Textarea(attrs=TEXT)
    return forms.CharField(label=label, required=False, max_length=limit, widget=widget, help_text=help_text)


# Where a service's field name differs from the form's.
SERVICE_FIELDS = {"sources": "source_url", "receiving_country": "receiving_countries", "paraphrase": "paraphrase"}


class MapQuery(forms.Form):
    """The state of the map, all in the URL — sending state (or "all": every sending state at once), as-of date,
    selected country — read the same way by the map page, its panel and table fragments, and the map API."""

    sending_state = SendingStateField(code=True, required=False)
    as_of = forms.DateField(required=False, input_formats=["%Y-%m-%d"])
    country = CountryField(code=True, required=False)

    @property
    def sending(self) -> str:
        """The sending state asked for (ISO alpha-2, or "all"); the default when none or not valid."""
        cleaned = self.cleaned_data if self.is_valid() else {}
        return cleaned.get("sending_state") or DEFAULT_SENDING_STATE

    @property
    def every_sender(self) -> bool:
        return self.sending == ALL_SENDING_STATES


class PictureSize(forms.Form):
    """The size of a picture of the map (/map.svg, /map.png): its width in px; the height keeps 1200:630."""

    width = forms.IntegerField(required=False, min_value=600, max_value=2400)


class CompareQuery(MapQuery):
    """What changed between two dates (`from`, `to`: YYYY-MM-DD), with the map's filters (sending state; `country`
    narrows to one receiving country). `to` defaults to today and `from` to 30 days before it."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        # "from" is a Python keyword, so the field is added here rather than declared.
        self.fields["from"] = forms.DateField(required=False, input_formats=["%Y-%m-%d"])
        self.fields["to"] = forms.DateField(required=False, input_formats=["%Y-%m-%d"])
        del self.fields["as_of"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        end = data.get("to") or timezone.localdate()
        start = data.get("from") or end - dt.timedelta(days=30)
        if "from" in self.errors or "to" in self.errors:
            return data
        if start > end:
            self.add_error("from", f"must be on or before `to` ({end.isoformat()}).")
        data["from"], data["to"] = start, end
        return data


class RecordsExportForm(forms.Form):
    """The filters of /export/records.csv."""

    sending_state = CountryField(code=True, required=False)
    receiving_country = CountryField(code=True, required=False)
    since = forms.DateField(required=False, input_formats=["%Y-%m-%d"])
    until = forms.DateField(required=False, input_formats=["%Y-%m-%d"])


def show_errors(form: forms.BaseForm, exc: ValidationError, names: dict[str, str] = SERVICE_FIELDS) -> None:
    """Put a service's ValidationError on the form: each message next to the field it names (through `names` where
    the service's name differs), messages about no field of the form (or about none at all) above the form."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for name, messages in exc.message_dict.items():
        field = names.get(name, name)
        form.add_error(field if field in form.fields else None, messages)


def _countries() -> Any:
    return Country.objects.order_by("name")


def nationalities_field() -> NationalitiesField:
    return NationalitiesField(
        label=_("Nationalities of the people transferred"),
        help_text=_("Type a country (the list offers names as you type); give how many of them when the source says."),
    )


def people_total_field() -> forms.IntegerField:
    return forms.IntegerField(
        label=_("Reported total so far"),
        required=False,
        help_text=_(
            "When the source gives the cumulative number of people transferred under this arrangement up to this date."
        ),
        **count_bounds(),
    )


def transfer_details(data: dict[str, Any]) -> dict[str, Any]:
    """The nationalities (as (country, count) pairs) and reported total a form or an API input gives, as the
    services take them."""
    return {
        "nationalities": [(n["country"], n.get("count")) for n in data.get("nationalities") or []],
        "people_total": data.get("people_total"),
    }


SOURCE_FIELDS = ["source_url", "source_publisher", "source_origin", "source_title", "source_date", "source_kind"]


def source_from(data: dict[str, Any], user: Any, reason: str) -> Source:
    """The source an editor named (url, publisher, origin, title, published as (date, precision), kind): the one
    on record with that URL, or a new one. The API's writes call this too."""
    published, precision = data.get("published") or (None, Precision.DAY)
    return services.get_or_create_source(
        url=data["url"],
        publisher=data.get("publisher", ""),
        origin=data.get("origin") or "",
        title=data.get("title", ""),
        published=published,
        published_precision=precision,
        kind=data.get("kind", ""),
        user=user,
        reason=reason,
    ).obj


class SourcedForm(forms.Form):
    """An editor form that records one thing on the word of a source given by URL: an existing source (same
    normalised URL) is reused; a new one needs its publisher. `save()` writes through `write()` in one transaction.
    """

    source_url = HttpUrlField(
        label=_("Source URL"),
        max_length=2000,
        help_text=_("Paste the link. A source already on record is reused."),
        widget=forms.URLInput(attrs={"autocomplete": "off", "placeholder": "https://"}),
    )
    source_publisher = forms.CharField(
        label=_("Publisher"), max_length=200, required=False, help_text=_("Where you read it, e.g. Dawn.")
    )
    source_origin = forms.CharField(
        label=_("Origin"),
        max_length=200,
        required=False,
        help_text=_(
            "When it carries another outlet's reporting (a wire story, a copy or a summary): that outlet, "
            "e.g. Reuters. Empty when the publisher did its own reporting."
        ),
    )
    source_title = forms.CharField(label=_("Title"), max_length=500, required=False)
    source_date = PartialDateField(label=_("Published"), required=False)
    source_kind = forms.ChoiceField(label=_("Kind"), choices=[("", "—"), *Source.Kind.choices], required=False)
    reason = forms.CharField(
        label=_("Reason"), max_length=100, required=False, help_text=_("Optional note for the history.")
    )

    default_reason = "recorded in the editor"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        url = data.get("source_url")
        if url and not data.get("source_publisher") and not Source.objects.by_url(url).exists():
            self.add_error("source_publisher", gettext("A new source needs its publisher."))
        return data

    @staticmethod
    def write(data: dict[str, Any], source: Source, user: Any, reason: str) -> Any:
        """Record what the form says through the services (the API's writes call this too)."""
        raise NotImplementedError

    def save(self, user: Any) -> Any:
        """Write through the services in one transaction; their ValidationErrors become errors on the form."""
        data = self.cleaned_data
        reason = data.get("reason") or self.default_reason
        given = {name.removeprefix("source_"): data.get(name) for name in SOURCE_FIELDS}
        given["published"] = given.pop("date")
        try:
            with transaction.atomic():
                return self.write(data, source_from(given, user, reason), user, reason)
        except ValidationError as exc:
            show_errors(self, exc)
            return None


class StatementForm(SourcedForm):
    receiving_countries = forms.ModelMultipleChoiceField(
        _countries(),
        required=False,
        label=_("Receiving country or countries"),
        help_text=_("Type to filter. Leave empty for a general statement on the sending state's policy."),
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    sending_state = CountryField(label=_("Sending state"), initial="US")
    actor = forms.CharField(
        label=_("Actor"),
        max_length=200,
        help_text=_("Pick a known actor, or type a new name."),
        widget=forms.TextInput(attrs={"list": "actor-names", "autocomplete": "off"}),
    )
    actor_role = forms.CharField(label=_("Role (new actor)"), max_length=200, required=False)
    actor_kind = forms.ChoiceField(
        label=_("Kind (new actor)"), choices=[("", "—"), *Actor.Kind.choices], required=False
    )
    actor_country = CountryField(label=_("Speaks for (new actor)"), required=False)
    stance = forms.ChoiceField(label=_("Stance"), choices=[("", "—"), *Statement.Stance.choices])
    date = PartialDateField(label=_("Date of the statement"))
    quote = text_field(_("Quote"), _("Verbatim words only."))
    paraphrase = text_field(_("Paraphrase"), _("A neutral paraphrase (needed when there is no quote)."))
    status = forms.ChoiceField(
        label=_("This changes the status to"),
        choices=[("", _("— no change")), *Arrangement.Status.choices],
        required=False,
    )
    nationalities = nationalities_field()
    people_total = people_total_field()

    default_reason = "statement logged in the editor"
    field_order = [
        "receiving_countries",
        "sending_state",
        "actor",
        "actor_role",
        "actor_kind",
        "actor_country",
        "stance",
        "date",
        "quote",
        "paraphrase",
        *SOURCE_FIELDS,
        "status",
        "nationalities",
        "people_total",
        "reason",
    ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("quote") and not data.get("paraphrase") and "quote" not in self.errors:
            self.add_error("quote", gettext("A statement needs a quote or a paraphrase."))
        if data.get("status") and not data.get("receiving_countries"):
            self.add_error("status", gettext("A status change needs a receiving country."))
        return data

    @staticmethod
    def write(data: dict[str, Any], source: Source, user: Any, reason: str) -> Statement:
        actor = services.get_or_create_actor(
            name=data["actor"],
            role=data.get("actor_role", ""),
            kind=data.get("actor_kind", ""),
            country=data.get("actor_country") or None,
            user=user,
            reason=reason,
        ).obj
        day, precision = data["date"]
        return services.log_statement(
            actor=actor,
            sending_state=data["sending_state"],
            receiving_countries=list(data["receiving_countries"]),
            stance=data["stance"],
            date=day,
            precision=precision,
            quote=data.get("quote", ""),
            paraphrase=data.get("paraphrase", ""),
            sources=[source],
            status=data.get("status") or None,
            **transfer_details(data),
            user=user,
            reason=reason,
        )


class PairForm(SourcedForm):
    """A form about one arrangement: its sending state and receiving country."""

    sending_state = CountryField(label=_("Sending state"), initial="US")
    receiving_country = forms.ModelChoiceField(_countries(), label=_("Receiving country"))


class StatusChangeForm(PairForm):
    status = forms.ChoiceField(label=_("Status"), choices=[("", "—"), *Arrangement.Status.choices])
    date = PartialDateField(label=_("Date of the change"))
    note = text_field(_("Note"))
    people = forms.IntegerField(label=_("People transferred in this event"), required=False, **count_bounds())
    nationalities = nationalities_field()
    people_total = people_total_field()

    default_reason = "status change recorded in the editor"
    field_order = [
        "sending_state",
        "receiving_country",
        "status",
        "date",
        "note",
        "people",
        "nationalities",
        "people_total",
        *SOURCE_FIELDS,
        "reason",
    ]

    @staticmethod
    def write(data: dict[str, Any], source: Source, user: Any, reason: str) -> StatusChange:
        day, precision = data["date"]
        return services.record_status_change(
            sending_state=data["sending_state"],
            receiving_country=data["receiving_country"],
            status=data["status"],
            date=day,
            precision=precision,
            note=data.get("note", ""),
            people=data.get("people"),
            **transfer_details(data),
            sources=[source],
            user=user,
            reason=reason,
        )


class TermForm(PairForm):
    """A known term of an arrangement, with its source."""

    kind = forms.ChoiceField(label=_("Term"), choices=[("", "—"), *Term.Kind.choices])
    value = forms.CharField(
        label=_("Value"),
        required=False,
        max_length=500,
        help_text=_("What the source says of it: the instrument, who is covered, the cap, the payment or concessions."),
    )
    date = PartialDateField(
        label=_("Date"), required=False, help_text=_("For signed, in force and expires: YYYY-MM-DD, YYYY-MM or YYYY.")
    )

    default_reason = "term recorded in the editor"
    field_order = ["sending_state", "receiving_country", "kind", "value", "date", *SOURCE_FIELDS, "reason"]

    @staticmethod
    def write(data: dict[str, Any], source: Source, user: Any, reason: str) -> Term:
        day, precision = data.get("date") or (None, Precision.DAY)
        return services.record_term(
            sending_state=data["sending_state"],
            receiving_country=data["receiving_country"],
            kind=data["kind"],
            value=data.get("value", ""),
            date=day,
            precision=precision,
            source=source,
            user=user,
            reason=reason,
        )


class VerifyForm(forms.Form):
    note = forms.CharField(
        label=_("Note"),
        max_length=services.MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What you checked: still accurate as of today."),
    )
    # Where to go afterwards; the view checks it with views.redirects.next_url before anything is written.
    next = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)


class RetractForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Why this record is withdrawn. It stays in the history."),
    )


def _correction_field(field: Any, **kwargs: Any) -> Any:
    """The model field's own form field, except that a whole number in an integer column gets the bounds of every
    whole-number input on every database (the model's own range check follows the database: 64 bits on SQLite, 32
    on PostgreSQL) and a URL gets the one URL rule."""
    if field.get_internal_type() in ("IntegerField", "PositiveIntegerField"):
        kwargs = {**count_bounds(), **kwargs}
    if isinstance(field, models.URLField):  # Django's own URL field would take ftp:// and user:password@
        kwargs = {"form_class": HttpUrlField, **kwargs}
    return field.formfield(**kwargs)


def correction_form(model: Any) -> type[forms.ModelForm]:
    """A form for correcting the editable fields of a record; a reason is required."""
    fields = sorted(services.EDITABLE_FIELDS[model])

    class CorrectionForm(forms.ModelForm):
        reason = forms.CharField(
            label=_("Reason"), max_length=100, help_text=_("Why this correction? Shown in the history.")
        )
        # The record as the editor saw it: a correction of a record changed since then is refused (no lost update).
        version = forms.IntegerField(widget=forms.HiddenInput, required=False)

        class Meta:
            pass

    CorrectionForm.Meta.model = model  # type: ignore[attr-defined]
    CorrectionForm.Meta.fields = fields  # type: ignore[attr-defined]
    form = forms.modelform_factory(model, form=CorrectionForm, fields=fields, formfield_callback=_correction_field)
    if model is StatusChange:  # a transfer's nationalities are corrected with it (services.correct_record)
        return type("StatusChangeCorrectionForm", (NationalitiesCorrection, form), {})
    return form


class NationalitiesCorrection(forms.ModelForm):
    """The nationalities of a status change, shown as recorded and corrected in the same step."""

    nationalities = nationalities_field()

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        given = self.instance.nationalities.select_related("country")
        self.initial["nationalities"] = [{"country": n.country, "count": n.count} for n in given]


class FeedForm(forms.Form):
    """A feed to watch (RSS, Atom or JSON Feed)."""

    url = HttpUrlField(label=_("Feed URL"), max_length=2000)
    publisher = forms.CharField(
        label=_("Publisher"), max_length=200, help_text=_("Whose feed: pre-fills the publisher of its leads.")
    )


class KeywordForm(forms.Form):
    phrase = forms.CharField(
        label=_("Keyword or phrase"),
        max_length=200,
        help_text=_('Matched as whole words in any case, e.g. "third country" or "acuerdo de tercer país seguro".'),
    )
