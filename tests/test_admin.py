"""Django admin: every model usable, saves through the services with a reason."""

import pytest

from agreements.models import Arrangement, Source, StatusChange

from .factories import SourceFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "model",
    ["country", "source", "actor", "arrangement", "statuschange", "statement", "term", "verification"],
)
def test_every_changelist_loads_with_search(admin_client, seed, model):
    response = admin_client.get(f"/admin/agreements/{model}/?q=a")
    assert response.status_code == 200


def test_history_pages_load(admin_client, seed):
    change = StatusChange.objects.first()
    assert admin_client.get(f"/admin/agreements/statuschange/{change.pk}/history/").status_code == 200


def test_adding_a_status_change_goes_through_the_service(admin_client, admin_user):
    source = SourceFactory()
    response = admin_client.post(
        "/admin/agreements/statuschange/add/",
        {
            "sending_state": "US",
            "receiving_country": "AO",
            "status": "reported",
            "date": "2025-01-10",
            "date_precision": "day",
            "note": "Synthetic",
            "sources": [source.pk],
            "reason": "Synthetic admin entry",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    arrangement = Arrangement.objects.get(receiving_country="AO")
    assert arrangement.status == "reported"  # derived state maintained by the service
    record = StatusChange.history.get()
    assert (record.history_user, record.history_change_reason) == (admin_user, "Synthetic admin entry")


def test_adding_a_term_goes_through_the_service(admin_client, admin_user, seed):
    from agreements.models import Term

    arrangement = Arrangement.objects.get(sending_state="US", receiving_country="SV")
    data = {"arrangement": arrangement.pk, "kind": "cap", "value": "Synthetic cap 17", "date_precision": "day"}
    assert admin_client.post("/admin/agreements/term/add/", data | {"reason": "Synthetic"}).status_code == 200
    assert Term.objects.count() == 0  # no source: refused, nothing written
    data |= {"source": SourceFactory().pk, "reason": "Synthetic admin term"}
    response = admin_client.post("/admin/agreements/term/add/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    record = Term.history.get()
    assert (record.value, record.history_user, record.history_change_reason) == (
        "Synthetic cap 17",
        admin_user,
        "Synthetic admin term",
    )


def test_a_correction_needs_a_reason_and_is_recorded(admin_client, seed):
    source = Source.objects.first()
    url = f"/admin/agreements/source/{source.pk}/change/"
    data = {
        "publisher": "Corrected publisher",
        "origin": "Synthetic Wire",
        "title": source.title,
        "published": "2025-05-05",
        "published_precision": "day",
        "kind": source.kind,
        "archive_url": "",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 200  # form error: reason missing
    source.refresh_from_db()
    assert source.publisher != "Corrected publisher"
    response = admin_client.post(url, data | {"reason": "Synthetic correction"})
    assert response.status_code == 302
    source.refresh_from_db()
    assert source.publisher == "Corrected publisher"
    assert (source.cited_as, source.origin_key) == ("Synthetic Wire, via Corrected publisher", "synthetic wire")
    assert source.history.first().history_change_reason == "Synthetic correction"


def test_no_hard_delete(admin_client, seed):
    change = StatusChange.objects.first()
    assert admin_client.get(f"/admin/agreements/statuschange/{change.pk}/delete/").status_code == 403
