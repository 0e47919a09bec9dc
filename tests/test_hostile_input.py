"""Hostile input never reaches the database and never makes a 500: NUL characters, whole numbers past what a column
holds, URLs that are not plain http(s) (and the ones that are, in capitals), JSON nested thousands deep and
redirect targets off the site. Each is refused with a 4xx or an error naming the field, and nothing is written.

These tests run on SQLite and on PostgreSQL (where a NUL or an overflowing integer used to be a 500)."""

import json

import pytest

from agreements import services
from agreements.importers import ImportError_, import_records
from agreements.models import Arrangement, Source, Statement, StatusChange, Verification

from .factories import database_snapshot
from .test_api_writes import CHANGE as API_CHANGE
from .test_api_writes import STATEMENT as API_STATEMENT
from .test_editor import STATEMENT
from .test_importer import CHANGE as CSV_CHANGE
from .test_importer import HEADER, csv

pytestmark = pytest.mark.django_db

NUL = "\x00"
PAST_INT = services.MAX_INT + 1  # 2,147,483,648: one past PostgreSQL's integer
HUGE = 10**20  # past 64 bits too (SQLite's integer, and every id column)
STATUS_CHANGE = {
    "sending_state": "US",
    "receiving_country": "BJ",
    "status": "agreed",
    "date": "2025-06-01",
    "source_url": "https://example.org/synthetic/agreed",
    "source_publisher": "Publisher 1",
}


@pytest.fixture
def editor(editor_client):
    return editor_client


def field_error(response, field: str) -> str:
    """The error shown next to `field` on an editor form page."""
    page = response.content.decode()
    assert f'id="error-{field}"' in page, page[:3000]
    return page.split(f'id="error-{field}"')[1].split("</p>")[0]


# ---------------------------------------------------------------------------------------------------------------
# NUL characters


NUL_URLS = [
    # pages
    ("/countries/AO%00/", "path"),
    ("/countries/%00/panel/", "path"),
    ("/actors/%00/", "path"),
    ("/?sending_state=%00", "sending_state"),
    ("/?country=AO%00", "country"),
    ("/countries/?as_of=2025-01-01%00", "as_of"),
    ("/countries/AO/panel/?sending_state=US%00", "sending_state"),
    ("/map.svg?sending_state=%00", "sending_state"),
    # list filters, sorting and pages
    ("/arrangements/?q=%00", "q"),
    ("/statements/?actor=%00", "actor"),
    ("/status-changes/?status=agreed&status=%00", "status"),
    ("/sources/?publisher=EFE%00", "publisher"),
    ("/actors/?sort=%00", "sort"),
    ("/arrangements/?page=%00", "page"),
    ("/statements/?%00=1", "\x00"),
    # exports
    ("/arrangements/export.csv?q=%00", "q"),
    ("/statements/export.json?stance=%00", "stance"),
    ("/arrangements/export.geojson?region=%00", "region"),
    ("/export/records.csv?sending_state=US%00", "sending_state"),
    # feeds
    ("/feeds/changes/?q=%00", "q"),
    ("/feeds/statements/?q=%00", "q"),
    ("/feeds/arrangements/?status=%00", "status"),
    # API reads
    ("/api/v1/arrangements/?q=%00", "q"),
    ("/api/v1/statements/?receiving_country=%00", "receiving_country"),
    ("/api/v1/status-changes/?page=%00", "page"),
    ("/api/v1/sources/?page_size=%00", "page_size"),
    ("/api/v1/actors/?format=%00", "format"),
    ("/api/v1/countries/?region=%00", "region"),
    ("/api/v1/map/?sending_state=%00", "sending_state"),
    ("/api/schema/?format=%00", "format"),
    # editor and accounts
    ("/editor/statement/?sending_state=%00", "sending_state"),
    ("/editor/source-lookup/?url=https://example.org/%00", "url"),
    ("/accounts/login/?next=/editor/%00", "next"),
]


@pytest.mark.parametrize(("url", "name"), NUL_URLS)
def test_nul_in_the_path_or_query_is_a_400_naming_it(editor, seed, url, name):
    before = database_snapshot()
    response = editor.get(url)
    assert response.status_code == 400
    assert response.json() == {"errors": {name: ["Null characters are not allowed."]}}
    assert database_snapshot() == before


def test_nul_in_a_posted_url_query_is_refused_before_the_write(editor, seed):
    before = database_snapshot()
    response = editor.post("/editor/status-change/?country=%00", STATUS_CHANGE)
    assert response.status_code == 400 and "country" in response.json()["errors"]
    assert database_snapshot() == before


def test_nul_in_the_session_cookie_is_a_400_without_a_session_query(client, seed, django_assert_num_queries):
    client.cookies["sessionid"] = "synthetic" + NUL + "sessionkey"
    with django_assert_num_queries(0):
        response = client.get("/editor/")
    assert response.status_code == 400 and response.json()["errors"] == {
        "sessionid": ["Null characters are not allowed."]
    }


@pytest.mark.parametrize(
    "field",
    ["actor", "actor_role", "quote", "paraphrase", "date", "sending_state", "actor_country", "stance",
     "source_url", "source_publisher", "source_title", "source_date", "source_kind", "reason", "receiving_countries"],
)  # fmt: skip
def test_nul_in_a_statement_form_field_is_a_field_error(editor, seed, field):
    before = database_snapshot()
    value = [NUL] if field == "receiving_countries" else STATEMENT.get(field, "x") + NUL
    response = editor.post("/editor/statement/", STATEMENT | {field: value})
    assert response.status_code == 400
    assert field_error(response, field)
    assert database_snapshot() == before


@pytest.mark.parametrize("field", ["receiving_country", "status", "note", "people", "date", "source_url"])
def test_nul_in_a_status_change_form_field_is_a_field_error(editor, seed, field):
    before = database_snapshot()
    response = editor.post("/editor/status-change/", STATUS_CHANGE | {field: STATUS_CHANGE.get(field, "1") + NUL})
    assert response.status_code == 400
    assert field_error(response, field)
    assert database_snapshot() == before


def test_nul_in_verify_correct_and_retract_forms_is_a_field_error(editor, seed):
    arrangement = Arrangement.objects.get(receiving_country="AO")
    change = StatusChange.objects.get(import_ref="seed-pa-implemented")
    statement = Statement.objects.first()
    correction = {"status": "implemented", "date": "2025-02-12", "date_precision": "day", "reason": "Synthetic"}
    before = database_snapshot()
    cases = [
        (f"/editor/arrangements/{arrangement.pk}/verify/", {"note": "Synthetic" + NUL}, "note"),
        (f"/editor/status-change/{change.pk}/correct/", correction | {"note": "Synthetic" + NUL}, "note"),
        (f"/editor/status-change/{change.pk}/correct/", correction | {"reason": NUL}, "reason"),
        (f"/editor/statement/{statement.pk}/retract/", {"reason": "Synthetic" + NUL}, "reason"),
    ]
    for url, data, field in cases:
        response = editor.post(url, data)
        assert response.status_code == 400, url
        assert "Null characters are not allowed." in field_error(response, field)
    assert database_snapshot() == before


@pytest.mark.parametrize(
    ("url", "payload", "change", "field"),
    [
        ("/api/v1/status-changes/", API_CHANGE, {"note": NUL}, "note"),
        ("/api/v1/status-changes/", API_CHANGE, {"receiving_country": "BJ" + NUL}, "receiving_country"),
        ("/api/v1/status-changes/", API_CHANGE, {"reason": NUL}, "reason"),
        ("/api/v1/status-changes/", API_CHANGE, {"source": {"url": "https://example.org/" + NUL}}, "source"),
        (
            "/api/v1/status-changes/",
            API_CHANGE,
            {"source": {"url": "https://example.org/x", "publisher": NUL}},
            "source",
        ),
        ("/api/v1/statements/", API_STATEMENT, {"actor": NUL}, "actor"),
        ("/api/v1/statements/", API_STATEMENT, {"quote": "Synthetic" + NUL}, "quote"),
        ("/api/v1/statements/", API_STATEMENT, {"receiving_countries": [NUL]}, "receiving_countries"),
        ("/api/v1/statements/", API_STATEMENT, {"date": "2025" + NUL}, "date"),
        ("/api/v1/statements/", API_STATEMENT, {"stance": NUL}, "stance"),
    ],
)
def test_nul_in_an_api_write_is_a_400_naming_the_field(editor, seed, url, payload, change, field):
    before = database_snapshot()
    response = editor.post(url, payload | change, content_type="application/json")
    assert response.status_code == 400
    assert field in response.json()
    assert database_snapshot() == before


@pytest.mark.parametrize(
    "column", ["note", "source_url", "source_publisher", "import_ref", "date", "receiving_country"]
)
def test_nul_in_an_import_cell_is_a_problem_on_its_line_and_column(seed, column):
    cells = dict(zip(HEADER.split(","), CSV_CHANGE.split(","), strict=True))
    cells[column] = (cells[column] or "x") + NUL
    before = database_snapshot()
    with pytest.raises(ImportError_) as exc:
        import_records(csv(CSV_CHANGE, ",".join(cells.values())))
    assert f"line 3, column {column}: contains a NUL character" in "\n".join(exc.value.problems)
    assert database_snapshot() == before


# ---------------------------------------------------------------------------------------------------------------
# Whole numbers past the column's range


@pytest.mark.parametrize("people", [PAST_INT, HUGE, -1])
def test_people_past_the_column_is_a_field_error_in_the_editor(editor, seed, people):
    before = database_snapshot()
    response = editor.post("/editor/status-change/", STATUS_CHANGE | {"people": str(people)})
    assert response.status_code == 400
    assert "2147483647" in field_error(response, "people") or "greater than or equal to 0" in field_error(
        response, "people"
    )
    assert database_snapshot() == before


@pytest.mark.parametrize("people", [PAST_INT, HUGE])
def test_people_past_the_column_is_a_field_error_in_a_correction(editor, seed, people):
    change = StatusChange.objects.get(import_ref="seed-pa-implemented")
    data = {"status": "implemented", "date": "2025-02-12", "date_precision": "day", "reason": "Synthetic"}
    before = database_snapshot()
    response = editor.post(f"/editor/status-change/{change.pk}/correct/", data | {"people": str(people)})
    assert response.status_code == 400
    assert "2147483647" in field_error(response, "people")
    assert database_snapshot() == before


@pytest.mark.parametrize("people", [PAST_INT, HUGE, "1" * 5000])
def test_people_past_the_column_is_a_400_in_the_api(editor, seed, people):
    before = database_snapshot()
    response = editor.post("/api/v1/status-changes/", API_CHANGE | {"people": people}, content_type="application/json")
    assert response.status_code == 400 and "people" in response.json()
    assert database_snapshot() == before


@pytest.mark.parametrize("people", [str(PAST_INT), str(HUGE), "9" * 5000, "²", "1.5"])
def test_people_past_the_column_is_a_problem_in_the_import(seed, people):
    before = database_snapshot()
    with pytest.raises(ImportError_) as exc:
        import_records(csv(CSV_CHANGE.replace("Synthetic note,,", f"Synthetic note,{people},")))
    assert "line 2, column people: must be a whole number from 0 to 2,147,483,647" in exc.value.problems[0]
    assert database_snapshot() == before


def test_people_totals_past_the_column_are_refused_on_every_write_path(editor, seed):
    """One event at the maximum is stored; a second would make the arrangement's total overflow its column."""
    first = editor.post(
        "/api/v1/status-changes/", API_CHANGE | {"people": services.MAX_INT}, content_type="application/json"
    )
    assert first.status_code == 201, first.content
    assert Arrangement.objects.get(sending_state="US", receiving_country="BJ").people_transferred == services.MAX_INT
    before = database_snapshot()
    second = API_CHANGE | {
        "people": 1,
        "date": "2025-06-03",
        "source": {"url": "https://example.org/more", "publisher": "P"},
    }
    response = editor.post("/api/v1/status-changes/", second, content_type="application/json")
    assert response.status_code == 400 and "people" in response.json()
    form = STATUS_CHANGE | {"status": "implemented", "people": "5", "date": "2025-06-04"}
    assert "2,147,483,647" in field_error(editor.post("/editor/status-change/", form), "people")
    with pytest.raises(ImportError_) as exc:
        import_records(csv(CSV_CHANGE.replace(",AO,", ",BJ,").replace("Synthetic note,,", "Synthetic note,7,")))
    assert "people" in exc.value.problems[0] and "2,147,483,647" in exc.value.problems[0]
    seed_change = StatusChange.objects.get(import_ref="seed-bj-reported")
    correction = {"status": "reported", "date": "2025-05-05", "date_precision": "day", "reason": "Synthetic"}
    response = editor.post(f"/editor/status-change/{seed_change.pk}/correct/", correction | {"people": "1"})
    assert "2,147,483,647" in field_error(response, "people")
    assert database_snapshot() == before


@pytest.mark.parametrize("slug", ["arrangements", "statements", "status-changes", "sources", "actors"])
@pytest.mark.parametrize("page", [str(HUGE), str(PAST_INT), "0", "-1", "abc", "1e3"])
def test_a_list_page_that_is_no_page_is_a_400_naming_it(client, seed, slug, page):
    response = client.get(f"/{slug}/", {"page": page})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["page"]


def test_a_list_page_past_the_last_shows_the_last_page(client, seed):
    assert client.get("/statements/", {"page": "999"}).status_code == 200
    assert client.get("/statements/", {"page": "last"}).status_code == 200


@pytest.mark.parametrize("page", [str(HUGE), "0", "-1", "abc"])
def test_an_api_page_that_does_not_exist_is_a_404(client, seed, page):
    assert client.get("/api/v1/statements/", {"page": page}).status_code == 404


@pytest.mark.parametrize("page_size", [str(HUGE), str(PAST_INT), "0", "-5", "abc", "9" * 5000])
def test_an_api_page_size_that_is_no_size_is_a_400_naming_it(client, seed, page_size):
    response = client.get("/api/v1/arrangements/", {"page_size": page_size})
    assert response.status_code == 400 and list(response.json()) == ["page_size"]


def test_an_api_page_size_above_500_gives_500_as_documented(client, seed):
    response = client.get("/api/v1/countries/", {"page_size": "100000"})
    assert response.status_code == 200 and len(response.json()["results"]) == 250  # all 250 fit in 500
    assert len(client.get("/api/v1/countries/", {"page_size": "7"}).json()["results"]) == 7


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/editor/statement/{pk}/correct/"),
        ("get", "/editor/status-change/{pk}/correct/"),
        ("post", "/editor/status-change/{pk}/retract/"),
        ("post", "/editor/arrangements/{pk}/verify/"),
        ("post", "/editor/source/{pk}/check/"),
        ("get", "/editor/source/{pk}/correct/"),
    ],
)
@pytest.mark.parametrize("pk", [PAST_INT, 2**63, HUGE])
def test_ids_past_the_column_in_editor_urls_are_a_404(editor, seed, method, path, pk):
    before = database_snapshot()
    response = getattr(editor, method)(path.format(pk=pk), {"reason": "Synthetic", "note": "Synthetic"})
    assert response.status_code == 404
    assert database_snapshot() == before


# ---------------------------------------------------------------------------------------------------------------
# URLs: capitals are normalised (a stored URL is the URI a browser would request); ports past 65535, malformed
# hosts and user:password are refused


BAD_URLS = [
    ("https://example.org:99999/x", "port"),
    ("https://example.org:0/x", "port"),
    ("https://example.org:http/x", "host or port"),
    ("https://[::1/x", "host or port"),
    ("https://exa mple.org/x", "space"),
    ("https://user:password@example.org/x", "user name or password"),
    ("https://user@example.org/x", "user name or password"),
    ("https:///x", "host"),
    ("HTTPS://user:password@example.org/x", "user name or password"),
    ("ftp://example.org/x", "http or https"),
]


@pytest.mark.parametrize(("url", "message"), BAD_URLS)
def test_clean_http_url_refuses_what_the_fetcher_would_refuse(url, message):
    with pytest.raises(services.checks.ValidationError) as exc:
        services.clean_http_url(url, field="source_url")
    assert message in exc.value.message_dict["source_url"][0]


@pytest.mark.parametrize(("url", "message"), BAD_URLS)
def test_a_bad_source_url_is_refused_on_every_write_surface(editor, seed, url, message):
    before = database_snapshot()
    response = editor.post("/editor/statement/", STATEMENT | {"source_url": url})
    assert response.status_code == 400 and message in field_error(response, "source_url")
    response = editor.post("/editor/status-change/", STATUS_CHANGE | {"source_url": url})
    assert response.status_code == 400 and message in field_error(response, "source_url")
    response = editor.post(
        "/api/v1/status-changes/",
        API_CHANGE | {"source": {"url": url, "publisher": "P"}},
        content_type="application/json",
    )
    assert response.status_code == 400 and message in response.json()["source_url"][0]
    lookup = editor.get("/editor/source-lookup/", {"url": url}).json()
    assert lookup["valid"] is False and message in lookup["error"]
    with pytest.raises(ImportError_) as exc:
        import_records(csv(CSV_CHANGE.replace("https://example.org/r/1", url)))
    assert exc.value.problems[0].startswith("line 2, column source_url: ") and message in exc.value.problems[0]
    source = Source.objects.get(publisher="EFE")
    correction = {
        "publisher": source.publisher,
        "title": source.title,
        "kind": source.kind,
        "published": source.published.isoformat() if source.published else "",
        "published_precision": source.published_precision,
        "archive_url": url,
        "reason": "Synthetic",
    }
    response = editor.post(f"/editor/source/{source.pk}/correct/", correction)
    assert response.status_code == 400 and field_error(response, "archive_url")
    assert database_snapshot() == before


def test_a_url_in_capitals_is_stored_in_lower_case_on_every_write_surface(editor, seed):
    response = editor.post("/editor/status-change/", STATUS_CHANGE | {"source_url": "HTTPS://example.org/caps/1"})
    assert response.status_code == 302
    payload = API_CHANGE | {"source": {"url": "Http://example.org/caps/2", "publisher": "P"}}
    assert editor.post("/api/v1/status-changes/", payload, content_type="application/json").status_code == 201
    import_records(csv(CSV_CHANGE.replace("https://example.org/r/1", "HTTPS://Example.org/caps/3")))
    stored = set(Source.objects.filter(url__icontains="/caps/").values_list("url", flat=True))
    assert stored == {"https://example.org/caps/1", "http://example.org/caps/2", "https://example.org/caps/3"}
    # The URI a browser would request: scheme and host in lower case, the rest as given but percent-encoded where a
    # URI cannot hold a character (so every stored URL is a valid URI, as the API's schema says); idempotent.
    for given, stored_as in [
        ("HTTPS://Example.ORG/A?b=C", "https://example.org/A?b=C"),
        ("https://example.org/caf\u00e9/[1]?q=\u00fc#x", "https://example.org/caf%C3%A9/%5B1%5D?q=%C3%BC#x"),
        ("https://b\u00fccher.example/50%/%41", "https://xn--bcher-kva.example/50%25/%41"),
        ("https://[2001:db8::1]:8443/x", "https://[2001:db8::1]:8443/x"),
    ]:
        assert services.clean_http_url(given) == stored_as == services.clean_http_url(stored_as)
    # The same source given in capitals again is the one on record, not a second one.
    response = editor.post(
        "/editor/status-change/", STATUS_CHANGE | {"source_url": "https://EXAMPLE.org/caps/1", "date": "2025-06-02"}
    )
    assert response.status_code == 302 and Source.objects.filter(url__icontains="/caps/1").count() == 1


# ---------------------------------------------------------------------------------------------------------------
# JSON nested deep


@pytest.mark.parametrize("url", ["/api/v1/statements/", "/api/v1/status-changes/"])
@pytest.mark.parametrize(
    "body",
    [
        "[" * 100_000 + "]" * 100_000,
        '{"a":' * 5_000 + "1" + "}" * 5_000,
        json.dumps(API_STATEMENT | {"quote": json.loads("[" * 40 + "]" * 40)}),  # parses; refused before it is walked
    ],
    ids=["arrays-100000-deep", "objects-5000-deep", "a-field-40-deep"],
)
def test_json_nested_deep_is_a_400_for_editors_and_a_403_for_anonymous(editor, seed, url, body):
    before = database_snapshot()
    response = editor.post(url, body, content_type="application/json")
    assert response.status_code == 400 and "nested more than 32 levels" in response.json()["detail"]
    editor.logout()
    assert editor.post(url, body, content_type="application/json").status_code == 403
    assert database_snapshot() == before


# ---------------------------------------------------------------------------------------------------------------
# next= on redirecting views


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "https:evil.example",
        "javascript:alert(1)",
        "data:text/html,x",
        "/editor/\r\nSet-Cookie: x=1",
        "/editor/\x01",
    ],
)
def test_an_off_site_next_is_a_400_naming_it_and_nothing_is_verified(editor, seed, target):
    arrangement = Arrangement.objects.get(receiving_country="AO")
    before = database_snapshot()
    response = editor.post(f"/editor/arrangements/{arrangement.pk}/verify/", {"note": "Synthetic", "next": target})
    assert response.status_code == 400
    assert "Not a page of this site" in field_error(response, "next")
    assert database_snapshot() == before and not Verification.objects.exists()


@pytest.mark.parametrize("target", ["/countries/AO/", "http://testserver/editor/", "relative/path"])
def test_a_next_on_this_site_is_followed(editor, seed, target):
    arrangement = Arrangement.objects.get(receiving_country="AO")
    response = editor.post(f"/editor/arrangements/{arrangement.pk}/verify/", {"note": "Synthetic", "next": target})
    assert response.status_code == 302 and response["Location"] == target
    assert Verification.objects.count() == 1


def test_verify_without_next_goes_back_to_the_editor(editor, seed):
    arrangement = Arrangement.objects.get(receiving_country="AO")
    response = editor.post(f"/editor/arrangements/{arrangement.pk}/verify/", {"note": "Synthetic"})
    assert response.status_code == 302 and response["Location"] == "/editor/"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "javascript:alert(1)", "\x00/editor/"])
def test_login_and_logout_ignore_an_off_site_next(client, django_user_model, target):
    """Django's own views make the same check (url_has_allowed_host_and_scheme) and fall back to the default."""
    django_user_model.objects.create_user("reader-next", password="correct horse battery staple")
    login = {"username": "reader-next", "password": "correct horse battery staple", "next": target}
    response = client.post("/accounts/login/", login)
    assert response.status_code == 302 and response["Location"] == "/editor/"
    response = client.post("/accounts/logout/", {"next": target})
    assert response.status_code == 302 and response["Location"] == "/"


def test_a_correction_of_a_record_changed_since_is_a_form_error_not_a_500(editor, seed):
    change = StatusChange.objects.get(import_ref="seed-pa-implemented")
    data = {"status": "implemented", "date": "2025-02-12", "date_precision": "day", "reason": "Synthetic"}
    before = database_snapshot()
    response = editor.post(f"/editor/status-change/{change.pk}/correct/", data | {"version": str(HUGE)})
    assert response.status_code == 400 and "changed by someone else" in response.content.decode()
    assert database_snapshot() == before


# ---------------------------------------------------------------------------------------------------------------
# The admin's forms follow the same input rules


def test_the_admin_refuses_bad_urls_and_people_past_the_column_at_the_field(admin_client, seed):
    source = {"publisher": "Publisher 1", "published_precision": "day", "reason": "Synthetic"}
    before = database_snapshot()
    for url in ("https://user:password@example.org/x", "https://example.org:99999/x", "ftp://example.org/x"):
        response = admin_client.post("/admin/agreements/source/add/", source | {"url": url})
        assert response.status_code == 200 and response.context["adminform"].form.errors["url"], url
    change = {
        "sending_state": "US",
        "receiving_country": "AO",
        "status": "reported",
        "date": "2025-01-10",
        "date_precision": "day",
        "sources": [Source.objects.first().pk],
        "reason": "Synthetic",
    }
    for people in (PAST_INT, HUGE):
        response = admin_client.post("/admin/agreements/statuschange/add/", change | {"people": str(people)})
        assert response.status_code == 200 and response.context["adminform"].form.errors["people"]
    assert database_snapshot() == before
    response = admin_client.post("/admin/agreements/source/add/", source | {"url": "HTTPS://example.org/admin-caps"})
    assert response.status_code == 302
    assert Source.objects.filter(url="https://example.org/admin-caps").exists()
