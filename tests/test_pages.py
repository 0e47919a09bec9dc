"""The server-rendered pages on the demo data, and escaping of untrusted text."""

import datetime as dt

import pytest

from agreements import services

from .factories import SourceFactory, statement

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/countries/",
        "/countries/AO/",
        "/countries/US/",
        "/actors/marco-rubio/",
        "/?as_of=2025-02-15",
        "/healthz/live",
    ],
)
def test_pages_render(client, seed, url):
    assert client.get(url).status_code == 200


def test_country_page_shows_both_roles_timeline_and_sources(client, seed):
    page = client.get("/countries/AO/").content.decode()
    assert "Denied" in page and "Angola is not accepting deported individuals of other nationalities" in page
    assert "https://allafrica.com/stories/202505200516.html" in page
    assert "5 May 2025" in page
    us = client.get("/countries/US/").content.decode()
    assert "As sending state" in us and "El Salvador" in us


def test_unknown_country_is_404(client, db):
    assert client.get("/countries/ZZ/").status_code == 404


def test_untrusted_text_is_escaped(client, db):
    source = SourceFactory(title='"><img src=x onerror=alert(1)>')
    actor = services.get_or_create_actor(name="<script>alert(1)</script>", kind="embassy", country="AO").obj
    statement(
        actor, ["AO"], "denies", dt.date(2025, 1, 1), quote="<script>alert(2)</script>", source=source, status="denied"
    )
    for url in ("/countries/AO/", f"/actors/{actor.slug}/"):
        page = client.get(url).content.decode()
        assert "<script>alert" not in page and "<img src=x" not in page
        assert "&lt;script&gt;alert(2)&lt;/script&gt;" in page


def test_countries_table_lists_every_country_and_sorts(client, seed):
    page = client.get("/countries/").content.decode()
    assert page.count('<th scope="row">') == 250
    by_status = client.get("/countries/?sort=-status").content.decode()
    first_rows = by_status.split('<th scope="row">')[1:4]
    assert all("Denied" in row or "Declined" in row or "Transfers" in row for row in first_rows[:1])
    by_people = client.get("/countries/?sort=-people").content.decode()
    assert by_people.index("El Salvador") < by_people.index("Panama") < by_people.index("Angola")
    assert 'aria-sort="descending"' in by_people


def test_countries_table_as_of(client, seed):
    page = client.get("/countries/?as_of=2025-02-15&sort=-status").content.decode()
    costa_rica = page.split("Costa Rica</a>")[1].split("</tr>")[0]
    assert "No reports" in costa_rica


def test_healthz_reports_each_part(client, db):
    body = client.get("/healthz").json()
    assert body["status"] == "healthy" and body["database"] == "ok" and body["cache"] == "ok"


def test_request_bodies_over_the_limit_are_refused(client, db, settings, django_user_model):
    from django.contrib.auth.models import Group

    editor = django_user_model.objects.create_user("editor-big")
    editor.groups.add(Group.objects.get(name="editors"))
    client.force_login(editor)
    big = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10)
    response = client.post("/api/v1/statements/", data='{"quote": "' + big + '"}', content_type="application/json")
    assert response.status_code in (400, 413)
    response = client.post("/editor/statement/", {"quote": big})
    assert response.status_code in (400, 413)
