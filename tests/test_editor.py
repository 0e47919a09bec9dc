"""The editor area: who may write, what the forms refuse, retraction, history and lockout."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from agreements.models import Actor, Arrangement, Source, Statement, StatusChange

pytestmark = pytest.mark.django_db

STATEMENT = {
    "receiving_countries": ["BJ"],
    "sending_state": "US",
    "actor": "Actor 17 (synthetic ministry)",
    "actor_kind": "agency",
    "actor_country": "BJ",
    "stance": "denies",
    "date": "2025-06-02",
    "paraphrase": "Synthetic paraphrase of a denial.",
    "source_url": "https://example.org/synthetic/denial",
    "source_publisher": "Publisher 1",
    "status": "denied",
}


def counts():
    return (
        Statement.all_objects.count(),
        StatusChange.all_objects.count(),
        Source.objects.count(),
        Actor.objects.count(),
        Arrangement.objects.count(),
    )


def write_urls():
    change = StatusChange.objects.first()
    statement = Statement.objects.first()
    arrangement = Arrangement.objects.first()
    return [
        ("/editor/statement/", STATEMENT),
        (
            "/editor/status-change/",
            {
                "receiving_country": "BJ",
                "status": "agreed",
                "date": "2025-06-01",
                "source_url": "https://example.org/x",
                "source_publisher": "P",
            },
        ),
        (f"/editor/arrangements/{arrangement.pk}/verify/", {"note": "Synthetic"}),
        (f"/editor/status-change/{change.pk}/correct/", {"status": "ended", "reason": "Synthetic"}),
        (f"/editor/statement/{statement.pk}/retract/", {"reason": "Synthetic"}),
        (f"/editor/source/{Source.objects.first().pk}/correct/", {"publisher": "X", "reason": "Synthetic"}),
        (f"/editor/actor/{Actor.objects.first().pk}/correct/", {"name": "X", "reason": "Synthetic"}),
        ("/admin/agreements/statement/add/", {}),
    ]


API_WRITES = ["/api/v1/statements/", "/api/v1/status-changes/"]


def _snapshot():
    return counts(), list(Arrangement.objects.order_by("pk").values_list("status", "stale_after"))


def test_anonymous_writes_redirect_to_login_and_write_nothing(client, seed):
    before = _snapshot()
    for url, data in write_urls():
        response = client.post(url, data)
        assert response.status_code == 302 and "login" in response["Location"], url
    for url in API_WRITES:
        assert client.post(url, {}, content_type="application/json").status_code in (401, 403)
    assert _snapshot() == before


def test_non_editors_get_403_and_write_nothing(client, seed, django_user_model):
    client.force_login(django_user_model.objects.create_user("reader"))
    before = _snapshot()
    for url, data in write_urls():
        if url.startswith("/admin/"):
            continue  # not staff: the admin sends them to its own login
        assert client.post(url, data).status_code == 403, url
        assert client.get(url).status_code in (403, 405), url
    for url in API_WRITES:
        assert client.post(url, {}, content_type="application/json").status_code == 403
    assert _snapshot() == before


def test_the_editors_group_holds_exactly_the_editing_permissions():
    codenames = set(Group.objects.get(name="editors").permissions.values_list("codename", flat=True))
    assert "add_statement" in codenames and "change_statuschange" in codenames
    assert not any(c.startswith("delete_") for c in codenames)
    assert not any(c.endswith(("_user", "_group", "_permission")) for c in codenames)


def test_editor_logs_a_denial_with_its_status_change(client, seed, editor):
    client.force_login(editor)
    response = client.post("/editor/statement/", STATEMENT)
    assert response.status_code == 302, response.content.decode()[:3000]
    benin = Arrangement.objects.get(sending_state="US", receiving_country="BJ")
    assert benin.status == "denied"
    statement = Statement.objects.get(actor__name=STATEMENT["actor"])
    assert statement.status_changes.get().sources.get().url == STATEMENT["source_url"]
    assert statement.history.get().history_user == editor
    page = client.get("/changes/").content.decode()
    assert "editor-1" in page


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"source_url": "", "source_publisher": ""}, "source_url", "required"),
        ({"date": (timezone.now().date() + dt.timedelta(days=3)).isoformat()}, "date", "future"),
        ({"source_url": "javascript:alert(1)"}, "source_url", "http"),
        ({"quote": "x" * 20_000}, "quote", "at most 5000 characters"),
        ({"receiving_countries": ["ZZ"]}, "receiving_countries", "not one of the available choices"),
        ({"sending_state": "Atlantis"}, "sending_state", "Unknown country"),
        ({"date": "last week"}, "date", "expected YYYY-MM-DD"),
        ({"actor": ""}, "actor", "required"),
        ({"stance": ""}, "stance", "required"),
    ],
)
def test_bad_input_shows_the_error_next_to_the_field_and_writes_nothing(client, seed, editor, change, field, message):
    client.force_login(editor)
    before = _snapshot()
    response = client.post("/editor/statement/", STATEMENT | change)
    assert response.status_code == 400
    page = response.content.decode()
    error = page.split(f'id="error-{field}"')[1].split("</p>")[0]
    assert message in error
    assert _snapshot() == before


def test_a_new_source_needs_a_publisher_but_a_known_one_is_reused(client, seed, editor):
    client.force_login(editor)
    response = client.post("/editor/statement/", STATEMENT | {"source_publisher": ""})
    assert 'id="error-source_publisher"' in response.content.decode()
    known = Source.objects.get(publisher="EFE")
    response = client.post(
        "/editor/statement/", STATEMENT | {"source_url": known.url + "#section", "source_publisher": ""}
    )
    assert response.status_code == 302
    assert Statement.objects.get(actor__name=STATEMENT["actor"]).sources.get() == known
    lookup = client.get("/editor/source-lookup/", {"url": known.url.replace("https://efe.com", "HTTPS://EFE.com")})
    assert lookup.json()["exists"] is True and lookup.json()["publisher"] == "EFE"


def test_verify_resets_the_deadline(client, seed, editor):
    client.force_login(editor)
    angola = Arrangement.objects.get(receiving_country="AO")
    assert angola.stale_after < timezone.now()
    response = client.post(f"/editor/arrangements/{angola.pk}/verify/", {"note": "Synthetic check"})
    assert response.status_code == 302
    angola.refresh_from_db()
    assert angola.stale_after > timezone.now() + dt.timedelta(days=89)
    assert "Angola" not in client.get("/editor/").content.decode().split("Your recent edits")[0]


def test_a_correction_needs_a_reason_and_lands_in_the_history(client, seed, editor):
    client.force_login(editor)
    change = StatusChange.objects.get(import_ref="seed-pa-implemented")
    url = f"/editor/status-change/{change.pk}/correct/"
    data = {
        "status": "implemented",
        "date": "2025-02-12",
        "date_precision": "day",
        "note": "Corrected note",
        "people": "119",
    }
    assert client.post(url, data).status_code == 400
    assert client.post(url, data | {"reason": "Synthetic correction"}).status_code == 302
    record = change.history.first()
    assert (record.note, record.history_user, record.history_change_reason) == (
        "Corrected note",
        editor,
        "Synthetic correction",
    )


def test_retraction_hides_a_record_from_public_views_and_keeps_it_in_history(client, seed, editor):
    client.force_login(editor)
    denial = Statement.objects.get(import_ref="seed-ao-embassy-denial")
    response = client.post(f"/editor/statement/{denial.pk}/retract/", {"reason": "Synthetic retraction"})
    assert response.status_code == 302
    client.logout()
    assert Arrangement.objects.get(receiving_country="AO").status == "reported"  # its status change went with it
    assert "Angola is not accepting" not in client.get("/countries/AO/").content.decode()
    assert client.get("/api/v1/statements/?stance=denies").json()["count"] == 0
    assert "Angola is not accepting" not in client.get("/api/v1/map/AO/").content.decode()
    assert Statement.all_objects.get(pk=denial.pk).retraction_reason == "Synthetic retraction"
    assert "Synthetic retraction" in client.get("/changes/").content.decode()


def test_the_sixth_failed_login_in_a_row_is_locked_out(client, editor):
    editor.set_password("correct horse battery staple")
    editor.save()
    for attempt in range(5):
        response = client.post(
            "/accounts/login/", {"username": "editor-1", "password": f"wrong-{attempt}"}, REMOTE_ADDR="198.51.100.7"
        )
        assert response.status_code == 200, attempt  # the form again, with its error
    sixth = client.post("/accounts/login/", {"username": "editor-1", "password": "wrong-6"}, REMOTE_ADDR="198.51.100.7")
    assert sixth.status_code == 429 and "locked out" in sixth.content.decode()
    response = client.post(
        "/accounts/login/",
        {"username": "editor-1", "password": "correct horse battery staple"},
        REMOTE_ADDR="198.51.100.7",
    )
    assert response.status_code == 429  # even the right password, for the cool-off time
    assert "_auth_user_id" not in client.session
    other = client.post(
        "/accounts/login/",
        {"username": "editor-1", "password": "correct horse battery staple"},
        REMOTE_ADDR="198.51.100.8",
    )
    assert other.status_code == 302  # another client is not locked out
