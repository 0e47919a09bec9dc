"""Editors in headless Chromium: logging a denial end to end, and untrusted text never running anywhere."""

import datetime as dt

import pytest

from agreements import services
from agreements.models import Arrangement

from .browser import browser_editor, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def editor(django_user_model, live_seed):
    return browser_editor(django_user_model)


def test_an_editor_logs_a_denial_and_the_map_shows_it(open_page, live_server, editor):
    from django.core.cache import cache

    page, visit = open_page("/")
    log_in(page, live_server, "/editor/statement/")
    page.select_option("#id_receiving_countries", "BJ")
    page.fill("#id_actor", "Ministry of Foreign Affairs of Benin")
    page.select_option("#id_actor_kind", "agency")
    page.fill("#id_actor_country", "BJ")
    page.select_option("#id_stance", "denies")
    page.fill("#id_date", "2025-06-02")
    page.fill("#id_paraphrase", "Synthetic test paraphrase: denies any talks on receiving deportees.")
    page.select_option("#id_status", "denied")
    before = visit.navigations
    page.fill("#id_source_url", "https://example.org/synthetic/benin-denial")
    page.locator("#source-status[data-source=new]").wait_for()  # the words change once the page is read
    page.fill("#id_source_publisher", "Publisher 1 (synthetic)")
    page.fill("#id_source_title", "Synthetic report of a denial")
    page.click("#statement-form button[type=submit]")
    page.locator(".messages", has_text="Statement by Ministry of Foreign Affairs of Benin logged").wait_for()
    navigations = visit.navigations - before
    print(f"\npage loads after the source URL was pasted: {navigations}")
    assert navigations <= 1
    assert Arrangement.objects.get(sending_state="US", receiving_country="BJ").status == "denied"

    cache.clear()
    page.goto(f"{live_server.url}/")
    page.wait_for_selector("#map[data-ready=true]")
    assert page.get_attribute('#map path[data-iso2="BJ"]', "fill").upper() == Arrangement.COLOURS["denied"].upper()
    page.click('#map path[data-iso2="BJ"]')
    panel = page.locator("#panel")
    panel.locator("h2", has_text="Benin").wait_for()
    assert "Denied" in panel.locator(".status").inner_text()
    assert "Ministry of Foreign Affairs of Benin" in panel.inner_text()
    assert panel.locator('a[href="https://example.org/synthetic/benin-denial"]').count() >= 1
    page.goto(f"{live_server.url}/changes/")
    assert "editor-browser" in page.locator("table").inner_text()


PAYLOADS = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "javascript:alert(1)"]


def _hostile_copy(source) -> None:
    """An archived copy whose page held hostile markup (as a capture of such a page would keep it)."""
    from django.utils import timezone

    from agreements.archive import Page
    from agreements.fetcher import FetchResult

    body = ("<html><body>" + " ".join(PAYLOADS) + "</body></html>").encode()
    page = Page(FetchResult(url=source.url, final_url=source.url, status=200, body=body), " ".join(PAYLOADS))
    services.record_capture(source_id=source.pk, page=page, warc=b"", captured_at=timezone.now())


def test_untrusted_text_never_runs_and_shows_literally(open_page, live_server, live_seed, archive_dir):
    slugs, source_ids = [], []
    for n, payload in enumerate(PAYLOADS):
        source = services.get_or_create_source(
            url=f"https://example.org/xss/{n}", publisher=f"Publisher {n}", title=payload
        ).obj
        source_ids.append(source.pk)
        _hostile_copy(source)
        actor = services.get_or_create_actor(name=payload, kind="embassy", country="AO").obj
        slugs.append(actor.slug)
        services.log_statement(
            actor=actor,
            sending_state="US",
            receiving_countries=["AO"],
            stance="denies",
            date=dt.date(2025, 6, n + 1),
            quote=payload,
            sources=[source],
        )
    from django.core.cache import cache

    cache.clear()
    pages = [
        "/?country=AO",
        "/countries/AO/",
        *[f"/actors/{slug}/" for slug in slugs],
        "/statements/",
        "/sources/",
        "/actors/",
        "/arrangements/",
        "/changes/",
        *[f"/sources/{pk}/" for pk in source_ids],
        *[f"/sources/{pk}/archive.txt" for pk in source_ids],
    ]
    for path in pages:
        page, visit = open_page(path)
        if path.startswith("/?"):
            page.wait_for_selector("#map[data-ready=true]")
            page.locator("#panel h2", has_text="Angola").wait_for()
        if path.endswith(".txt"):  # our copy: shown as text, whatever the page held
            assert all(payload in page.locator("body").inner_text() for payload in PAYLOADS), path
            assert page.locator("script, img").count() == 0 and visit.dialogs == [], path
            continue
        text = page.locator("main").inner_text()
        for payload in PAYLOADS:
            if path in ("/statements/", "/changes/", "/sources/", "/actors/") or path.startswith(("/countries", "/?")):
                assert payload in text, (path, payload)
        assert page.locator("main img[src=x]").count() == 0, path
        assert page.locator("main script").count() == 0, path
        page.wait_for_timeout(100)
        assert visit.dialogs == [], (path, visit.dialogs)
        assert visit.csp_violations == [], (path, visit.csp_violations)
    page, visit = open_page("/feeds/statements/")
    assert visit.dialogs == []
    hrefs = page.evaluate("Array.from(document.querySelectorAll('a')).map(a => a.getAttribute('href'))") or []
    assert not any(h and h.lower().startswith("javascript:") for h in hrefs)
