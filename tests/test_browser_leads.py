"""The leads inbox in headless Chromium: a lead turned into a logged statement in one form (the lead's article
served locally, reached only through FETCH_PRIVATE_ALLOWLIST), and the picture of the inbox for the README."""

import datetime as dt

import pytest
from django.utils import timezone

from agreements import services
from agreements.models import Country, Feed, Lead, Statement

from .browser import browser_editor, log_in, save_screenshot
from .local_servers import answer, serve

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTICLE = b"""<!doctype html><html><head><title>Synthetic article</title>
<script type="application/ld+json">{"@type": "NewsArticle",
"headline": "Rwanda agrees to take third-country deportees (synthetic)", "publisher": {"name": "Synthetic Daily"},
"sourceOrganization": {"name": "Synthetic Wire"}}</script></head><body></body></html>"""


def _lead(url: str, title: str, feed: Feed, countries: list[str], hours: int) -> Lead:
    from agreements import leads

    found = leads.match(title, ["third country", "deportees", "acuerdo de tercer país seguro"])
    assert found is not None
    lead = services.add_lead(
        url=url,
        title=title,
        title_key=leads.text_key(title),
        summary="Synthetic summary of a synthetic story for the screenshot; example.org feeds only.",
        published_at=timezone.now() - dt.timedelta(hours=hours),
        feed=feed,
        words=found.words,
        countries=list(Country.objects.filter(iso2__in=countries)),
        now=timezone.now(),
    )
    assert lead is not None
    return lead


def test_a_lead_becomes_a_logged_statement_in_one_form(open_page, live_server, django_user_model, settings):
    browser_editor(django_user_model)
    with serve({"/story": answer(200, (("Content-Type", "text/html"),), ARTICLE)}) as local:
        settings.FETCH_PRIVATE_ALLOWLIST = [local.endpoint]
        wire = services.add_feed(url="https://example.org/synthetic-wire.rss", publisher="Synthetic Wire")
        daily = services.add_feed(url="https://example.org/synthetic-daily.atom", publisher="Synthetic Daily")
        _lead(
            "https://example.org/daily/deportees-guatemala",
            "Firman un acuerdo de tercer país seguro con Guatemala (sintético)",
            daily,
            ["GT"],
            5,
        )
        _lead("https://example.org/wire/eswatini", "Deportees arrive in Eswatini, synthetic wire says", wire, ["SZ"], 3)
        lead = _lead(local.url("/story"), "Rwanda agrees to take third-country deportees (synthetic)", daily, ["RW"], 1)

        page, _ = open_page("/")
        log_in(page, live_server, "/editor/leads/")
        first = page.locator("article.lead").first
        assert first.get_attribute("id") == f"lead-{lead.pk}"  # newest first
        assert first.locator("mark").all_inner_texts() == ["Rwanda", "third-country", "deportees"]
        page.set_viewport_size({"width": 1100, "height": 760})
        save_screenshot(page, "leads-inbox.png")

        first.locator("a", has_text="Log a statement").click()
        page.wait_for_url("**/editor/statement/?lead=*")
        assert page.input_value("#id_source_url") == local.url("/story")
        assert page.input_value("#id_source_publisher") == "Synthetic Daily"  # the feed's publisher
        page.locator("#source-status", has_text="Filled from the page").wait_for()
        assert page.input_value("#id_source_origin") == "Synthetic Wire"  # the page's JSON-LD sourceOrganization
        page.fill("#id_actor", "Synthetic Ministry of Country 17")
        page.select_option("#id_actor_kind", "agency")
        page.select_option("#id_stance", "confirms")
        page.fill("#id_date", "2025-03-04")
        page.fill("#id_paraphrase", "Synthetic paraphrase: confirms the arrangement.")
        page.click("#statement-form button[type=submit]")
        page.locator(".messages", has_text="Statement by Synthetic Ministry of Country 17 logged").wait_for()

    statement = Statement.objects.get()
    assert [a.receiving_country_id for a in statement.arrangements.all()] == ["RW"]
    assert [(s.url, s.cited_as) for s in statement.sources.all()] == [(lead.url, "Synthetic Wire, via Synthetic Daily")]
    lead.refresh_from_db()
    assert lead.state == "logged"
    page.goto(f"{live_server.url}/editor/leads/")
    assert page.locator(f"#lead-{lead.pk}").count() == 0
