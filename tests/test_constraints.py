"""Database constraints hold even when the service layer is bypassed."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from agreements.models import Actor, Arrangement, Source, Statement, StatusChange

from .factories import ActorFactory, SourceFactory

pytestmark = pytest.mark.django_db


def _violates(fn) -> bool:
    try:
        with transaction.atomic():
            fn()
    except IntegrityError:
        return True
    return False


def test_one_arrangement_per_pair():
    Arrangement.objects.create(sending_state_id="US", receiving_country_id="AO")
    assert _violates(lambda: Arrangement.objects.create(sending_state_id="US", receiving_country_id="AO"))
    Arrangement.objects.create(sending_state_id="GB", receiving_country_id="AO")  # another sending state is fine


def test_sending_state_cannot_receive_from_itself():
    assert _violates(lambda: Arrangement.objects.create(sending_state_id="US", receiving_country_id="US"))


def test_people_cannot_be_negative():
    arrangement = Arrangement.objects.create(sending_state_id="US", receiving_country_id="AO")
    assert _violates(
        lambda: StatusChange.objects.create(
            arrangement=arrangement,
            status="implemented",
            date=dt.date(2025, 1, 1),
            people=-1,
            content_key="x",
        )
    )
    assert _violates(lambda: Arrangement.objects.filter(pk=arrangement.pk).update(people_transferred=-5))


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://example.org/x", "data:text/html,x", "example.org"])
def test_source_urls_must_be_http(url):
    assert _violates(lambda: Source.objects.create(url=url, normalized_url=url, publisher="Publisher 1"))


def test_archive_url_must_be_http():
    assert _violates(lambda: SourceFactory(archive_url="javascript:alert(1)"))


def test_actor_names_unique_ignoring_case():
    ActorFactory(name="Actor One")
    assert _violates(lambda: ActorFactory(name="actor one"))


def test_statement_needs_quote_or_paraphrase():
    actor = ActorFactory()
    assert _violates(
        lambda: Statement.objects.create(
            actor=actor, sending_state_id="US", date=dt.date(2025, 1, 1), stance="denies", content_key="x"
        )
    )


def test_import_refs_are_unique():
    arrangement = Arrangement.objects.create(sending_state_id="US", receiving_country_id="AO")
    StatusChange.objects.create(
        arrangement=arrangement,
        status="reported",
        date=dt.date(2025, 1, 1),
        import_ref="ref-1",
        content_key="a",
    )
    assert _violates(
        lambda: StatusChange.objects.create(
            arrangement=arrangement,
            status="reported",
            date=dt.date(2025, 1, 2),
            import_ref="ref-1",
            content_key="b",
        )
    )


def test_every_iso_country_and_kosovo_are_loaded_by_migrate():
    from agreements.models import Country

    assert Country.objects.count() == 250
    kosovo = Country.objects.get(pk="XK")
    assert (kosovo.name, kosovo.iso_numeric, kosovo.region) == ("Kosovo", None, "Europe")
    angola = Country.objects.get(pk="AO")
    assert (angola.iso3, angola.iso_numeric, angola.region, angola.subregion) == (
        "AGO",
        "024",
        "Africa",
        "Middle Africa",
    )
    assert Actor.objects.count() == 0
