"""The newsroom in headless Chromium on the demo data: the map embedded by a page on another port (renders, asks
only the tracker, links back), a full page refused in a frame, the timeline slider by keyboard and play button,
and the pictures and screenshots saved to artifacts/."""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

import pytest

from agreements.models import Arrangement

from .browser import ARTIFACTS, save_screenshot
from .local_servers import answer, serve

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SIZES = [(1440, 900), (390, 844)]
HTML = (("Content-Type", "text/html; charset=utf-8"),)


def _article(snippet: str) -> bytes:
    """A synthetic newsroom page holding the snippet that the map page's Embed button gives."""
    return (
        "<!doctype html><html lang=en><meta charset=utf-8><title>Synthetic article</title>"
        "<meta name=viewport content='width=device-width, initial-scale=1'>"
        "<body style='margin:0;font-family:sans-serif'><h1 style='margin:8px'>Synthetic article</h1>"
        f"<p style='margin:8px'>Text of a story that embeds the tracker's map.</p>{snippet}</body></html>"
    ).encode()


def _snippet(context, tracker_url: str) -> str:
    """The <iframe> snippet of the map page's Embed button, as a reader would copy it."""
    page = context.request.get(f"{tracker_url}/?sending_state=US").text()
    return html.unescape(re.search(r'<pre id="embed-snippet">([^<]+)</pre>', page).group(1))


def _framing_full_page(tracker: str) -> bytes:
    return f'<!doctype html><title>Synthetic framer</title><iframe id=full src="{tracker}/"></iframe>'.encode()


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_the_map_embedded_on_another_site_renders_asks_only_the_tracker_and_links_back(
    browser, live_server, live_seed, width, height
):
    tracker = urlsplit(live_server.url).netloc
    context = browser.new_context(viewport={"width": width, "height": height})
    snippet = _snippet(context, live_server.url)
    assert snippet.startswith(f'<iframe src="{live_server.url}/embed/map/?sending_state=US"')
    with serve({"/article": answer(200, HTML, _article(snippet))}) as site:
        page = context.new_page()
        requests: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        page.goto(site.url("/article"))
        frame = page.frame_locator("iframe")
        frame.locator(".embed-picture svg").wait_for()
        angola = frame.locator('.embed-picture path[data-iso2="AO"]')
        assert angola.get_attribute("fill").upper() == Arrangement.COLOURS["denied"].upper()
        source = frame.locator(".embed-source a")
        assert source.inner_text().startswith("Source: Third-Country Tracker, as of ")
        assert source.is_visible()
        box = page.locator("iframe").bounding_box()
        inside = source.bounding_box()
        assert box and inside and inside["y"] + inside["height"] <= box["y"] + box["height"]  # no scrolling needed
        page.wait_for_load_state("networkidle")
        path = save_screenshot(page, f"embed-map-{width}x{height}.png")

        outside = [url for url in requests if urlsplit(url).netloc != tracker and url != site.url("/article")]
        assert outside == [], f"the embed asked other hosts: {outside}"
        assert any("/embed/map/" in url for url in requests)

        with context.expect_page() as opened:
            source.click()
        full = opened.value
        full.wait_for_selector("#map[data-ready=true]", timeout=15_000)
        assert full.url.startswith(f"{live_server.url}/?sending_state=US&as_of=")
        print(f"\nembed at {width}x{height}: {len(requests)} requests, all to the tracker; screenshot {path}")
        context.close()


def test_a_full_page_refuses_to_be_framed(browser, live_server, live_seed):
    with serve({"/framer": answer(200, HTML, _framing_full_page(live_server.url))}) as site:
        context = browser.new_context()
        page = context.new_page()
        refusals: list[str] = []
        page.on("console", lambda message: refusals.append(message.text) if "frame" in message.text else None)
        page.goto(site.url("/framer"))
        page.wait_for_load_state("load")
        frame = next(f for f in page.frames if f != page.main_frame)
        assert not frame.url.startswith(live_server.url) or frame.locator(".site-header").count() == 0
        assert page.frame_locator("#full").locator(".site-header").count() == 0
        assert any("frame-ancestors" in text or "X-Frame-Options" in text for text in refusals), refusals
        context.close()


def _step_to(page, key: str, label: str, as_of: str, sv_status: str) -> None:
    page.keyboard.press(key)
    page.locator("#time-now", has_text=label).wait_for()
    page.locator(f'#map path[data-iso2="SV"][fill="{Arrangement.COLOURS[sv_status]}"]').wait_for()
    page.wait_for_function(f"location.search.includes('as_of={as_of}')")
    short = label.split(" ", 1)[0] + " " + label.split(" ", 1)[1][:3]  # "28 Feb": the legend's heading
    page.locator("#legend-h", has_text=f"Status as of {short}").wait_for()


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_timeline_slider_steps_the_map_by_keyboard_and_plays_to_today(open_page, live_seed, width, height):
    page, visit = open_page("/", width, height)
    page.wait_for_selector("#map[data-ready=true]", timeout=15_000)
    slider = page.locator("#time-range")
    assert page.locator("#time-slider").is_visible()
    assert page.get_attribute("#time-now", "aria-live") == "polite"
    assert page.locator("#time-now").inner_text().startswith("Today")

    slider.focus()
    _step_to(page, "Home", "28 February 2025", "2025-02-28", "agreed")  # El Salvador: agreed in February
    assert slider.get_attribute("aria-valuetext") == "28 February 2025"
    assert page.input_value("#as-of") == "2025-02-28"
    assert page.locator('#map path[data-iso2="AO"]').get_attribute("fill").upper() == "#F4F4F1"  # nothing yet
    save_screenshot(page, f"slider-2025-02-28-{width}x{height}.png")

    _step_to(page, "ArrowRight", "31 March 2025", "2025-03-31", "implemented")  # transfers from 16 March
    page.locator("#legend-h", has_text="Status as of 31 Mar 2025").wait_for()  # the legend and table follow
    save_screenshot(page, f"slider-2025-03-31-{width}x{height}.png")

    page.keyboard.press("Shift+Tab")  # the play button comes just before the slider
    play = page.locator("#time-play")
    assert page.evaluate("document.activeElement.id") == "time-play"
    page.keyboard.press("Enter")
    assert play.get_attribute("aria-pressed") == "true" and play.inner_text() == "Pause"
    page.locator("#time-now", has_text="Today").wait_for(timeout=15_000)
    page.locator('#time-play[aria-pressed="false"]').wait_for()
    page.wait_for_function("!location.search.includes('as_of=')")
    page.locator(f'#map path[data-iso2="AO"][fill="{Arrangement.COLOURS["denied"]}"]').wait_for()
    assert visit.console_errors == [] and visit.csp_violations == []

    page.go_back()  # Back: the slider follows the map to the previous month
    page.locator("#time-now", has_text="31 May 2025").wait_for()


def test_pictures_saved_for_the_record(browser, live_server, live_seed):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context()
    for path, name in (
        ("/map.png?sending_state=US", "map-US.png"),
        ("/map.png?sending_state=US&as_of=2025-02-15", "map-US-2025-02-15.png"),
        ("/countries/SV/card.png", "card-SV.png"),
    ):
        response = context.request.get(live_server.url + path)
        assert response.status == 200 and response.headers["content-type"] == "image/png"
        (ARTIFACTS / name).write_bytes(response.body())
    page = context.new_page()
    page.goto(live_server.url + "/embed/countries/SV/")
    save_screenshot(page, "embed-country-SV.png")
    context.close()


def test_copy_buttons_copy_the_citation_and_the_embed_snippet(open_page, live_server, live_seed):
    page, visit = open_page("/countries/AO/")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    button = page.locator('button[data-copy="cite-apa"]')
    assert button.is_visible()  # shown by the module (hidden without it)
    button.click()
    page.locator("#copy-status", has_text="Copied to the clipboard.").wait_for()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == page.locator("#cite-apa").inner_text()
    assert copied.startswith("Third-Country Tracker. (n.d.). Angola [Data set, edition ")
    page.locator("details.embed-box summary").click()  # the Embed button
    page.locator('button[data-copy="embed-snippet"]').click()
    snippet = page.evaluate("navigator.clipboard.readText()")
    assert snippet == f'<iframe src="{live_server.url}/embed/countries/AO/" title="Third-Country Tracker: Angola" ' + (
        'width="100%" height="560" style="width:100%;border:0" loading="lazy"></iframe>'
    )
    assert visit.console_errors == [] and visit.csp_violations == []
