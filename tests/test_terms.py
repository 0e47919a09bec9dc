"""Terms of an arrangement: recorded with a source through the editor, corrected with a reason, on the record."""

import pytest

from agreements.models import Term

pytestmark = pytest.mark.django_db

TERM = {
    "sending_state": "US",
    "receiving_country": "SV",
    "kind": "covered",
    "value": "Synthetic group 17",
    "source_url": "https://example.org/synthetic/term-17",
    "source_publisher": "Publisher 17",
}


@pytest.fixture
def editor(editor_client):
    return editor_client


def test_an_editor_records_and_corrects_a_term_and_it_is_on_the_record(client, seed, editor):
    assert client.post("/editor/term/", TERM).status_code == 302
    term = Term.objects.get()
    assert (term.arrangement.receiving_country_id, term.value, term.source.publisher) == (
        "SV",
        "Synthetic group 17",
        "Publisher 17",
    )
    page = client.get(f"/editor/term/{term.pk}/correct/")
    response = client.post(
        f"/editor/term/{term.pk}/correct/",
        {"value": "Synthetic group 18", "date_precision": "day", "reason": "Synthetic correction", "version": ""},
    )
    assert page.status_code == 200 and response.status_code == 302
    term.refresh_from_db()
    assert term.value == "Synthetic group 18"
    reasons = list(term.history.order_by("history_date").values_list("history_change_reason", flat=True))
    assert reasons == ["term recorded in the editor", "Synthetic correction"]
    changes = client.get("/changes/").content.decode()
    assert "Synthetic correction" in changes and "term recorded in the editor" in changes

    client.logout()
    country = client.get("/countries/SV/").content.decode()
    assert "Who is covered" in country and "Synthetic group 18" in country
    assert 'href="https://example.org/synthetic/term-17"' in country
    api = client.get("/api/v1/arrangements/?receiving_country=SV").json()["results"][0]
    assert api["terms"] == [
        {
            "kind": "covered",
            "value": "Synthetic group 18",
            "date": None,
            "source_url": "https://example.org/synthetic/term-17",
            "source_publisher": "Publisher 17",
        }
    ]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"source_url": ""}, "source_url", "This field is required"),
        ({"kind": "signed", "value": ""}, "date", "This term is a date"),
        ({"kind": "cap", "value": ""}, "value", "Say what the term is"),
        ({"kind": "in_force", "date": "2999-01-01"}, "date", "in the future"),
        ({"kind": "bribe"}, "kind", "Select a valid choice"),
    ],
)
def test_a_bad_term_is_refused_naming_the_field_and_nothing_is_written(client, seed, editor, change, field, message):
    response = client.post("/editor/term/", TERM | change)
    assert response.status_code == 400
    assert message in str(response.context["form"].errors.get(field))
    assert Term.objects.count() == 0


def test_an_expiry_may_lie_ahead(client, seed, editor):
    response = client.post("/editor/term/", TERM | {"kind": "expires", "value": "", "date": "2999-01"})
    assert response.status_code == 302
    assert Term.objects.get().date_precision == "month"
