"""Accessibility proven in a real browser: axe-core (shipped by axe-playwright-python) reports no violation on any
page kind — the map, a country in both roles, an actor, each research list, the record of changes and the
comparison, the login page and the editor's pages — in English and in Spanish."""

from __future__ import annotations

import pytest

from .browser import browser_editor, log_in, save_screenshot
from .test_i18n import MAIN_PAGES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EDITOR = [
    "/editor/",
    "/editor/leads/",
    "/editor/statement/",
    "/editor/status-change/",
    "/editor/term/",
    "/editor/records-check/",
]


def _violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:5]}"
        for v in results.response["violations"]
    ]


def _settle(page) -> None:
    """Wait until the page has drawn what its scripts draw (the map)."""
    if page.locator("#map").count():
        page.wait_for_selector("#map[data-ready=true]", timeout=20000)
    if page.locator("#panel.is-open").count():
        page.wait_for_selector("#panel-title")


@pytest.mark.parametrize("prefix", ["", "/es"], ids=["en", "es"])
def test_axe_finds_no_violation_on_any_page_kind(browser, live_server, live_seed, django_user_model, prefix):
    from agreements.models import Actor, Source

    paths = [*MAIN_PAGES, "/?country=AO", "/countries/AO/", f"/actors/{Actor.objects.order_by('pk').first().slug}/"]
    paths.append(f"/sources/{Source.objects.order_by('pk').first().pk}/")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    found: dict[str, list[str]] = {}
    try:
        for path in paths:
            page.goto(live_server.url + prefix + path)
            _settle(page)
            assert page.locator("html").get_attribute("lang") == (prefix.strip("/") or "en")
            if path == "/":  # the map's own words: from the page, in its language
                label = page.locator('#map [data-iso2="RW"]').first.get_attribute("aria-label")
                assert label == ("Ruanda: Contacto reportado" if prefix else "Rwanda: Reported contact") + (
                    " (sin verificación reciente)" if prefix else " (not verified recently)"
                )
            if path in ("/", "/statements/"):
                save_screenshot(page, f"i18n-{prefix.strip('/') or 'en'}-{path.strip('/') or 'map'}.png")
            if problems := _violations(page):
                found[prefix + path] = problems
        browser_editor(django_user_model)
        log_in(page, live_server, prefix + "/editor/")
        for path in EDITOR:
            page.goto(live_server.url + prefix + path)
            if problems := _violations(page):
                found[prefix + path] = problems
    finally:
        context.close()
    report = "\n".join(f"{path}: {problem}" for path, problems in found.items() for problem in problems)
    assert found == {}, report
