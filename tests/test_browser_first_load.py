"""The first load of the map as production serves it: the stack's proxy (deploy/nginx.conf, Debian's nginx, which
compresses) in front of the app, bytes counted as they crossed the wire (Chromium's encoded body and header sizes),
the boundaries refined when a reader zooms in."""

from __future__ import annotations

import os
import socket
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from .conftest import ROOT, missing

sys.path.insert(0, str(ROOT / "scripts"))
from local_nginx import NGINX, Nginx

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
BUDGET = 300 * 1024


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def proxy(live_server):
    if not os.access(NGINX, os.X_OK):
        missing("nginx", f"nginx not installed at {NGINX} (apt-get install -y nginx-light)")
    with tempfile.TemporaryDirectory(prefix="tracker-test-proxy-") as work:
        Path(work).chmod(0o755)
        running = Nginx([urlsplit(live_server.url).netloc], _free_port(), Path(work) / "nginx")
        try:
            assert running.wait(), running.error_log.read_text()
            yield running
        finally:
            running.stop()


def test_first_load_of_the_map_on_the_wire(browser, proxy, live_seed):
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    finished = []
    page.on("requestfinished", lambda request: finished.append(request))
    page.goto(proxy.base + "/")
    page.wait_for_selector("#map[data-ready=true]", timeout=15_000)
    page.wait_for_load_state("networkidle")
    sizes = {request.url: request.sizes() for request in finished}
    wire = sum(size["responseBodySize"] + size["responseHeadersSize"] for size in sizes.values())
    encodings = {
        urlsplit(request.url).path: (request.response().headers.get("content-encoding") or "identity")
        for request in finished
        if request.response()
    }
    print(f"\nfirst load of / through the proxy: {wire / 1024:.0f} KB on the wire over {len(sizes)} requests")
    for url, size in sorted(sizes.items(), key=lambda item: -item[1]["responseBodySize"]):
        print(f"  {size['responseBodySize'] / 1024:6.1f} KB {encodings.get(urlsplit(url).path)} {url}")
    assert encodings["/"] in ("br", "gzip")  # measured compressed, as production serves it
    assert not any("world-50m.topo" in url for url in sizes)  # the first draw is the coarse file
    assert wire <= BUDGET

    # Zooming in swaps the full boundaries into the same shapes (still one path per country, still named).
    shapes = page.locator("#map path[data-iso2]").count()
    page.evaluate("document.querySelector('.leaflet-control-zoom-in').click()")
    page.evaluate("document.querySelector('.leaflet-control-zoom-in').click()")
    page.wait_for_selector("#map[data-detail=true]", timeout=15_000)
    assert page.locator("#map path[data-iso2]").count() == shapes
    assert page.get_attribute('#map path[data-iso2="AO"]', "aria-label")
    context.close()
