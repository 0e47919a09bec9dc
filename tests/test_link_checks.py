"""check_sources against a local HTTP server: each outcome recorded right, never waiting past the timeout."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from agreements import staleness
from agreements.models import Source

from .factories import SourceFactory

pytestmark = pytest.mark.django_db
TIMEOUT = 1.0


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):  # keep the test output clean
        pass

    def _answer(self, head: bool):
        path = self.path
        if path == "/ok":
            self.send_response(200)
        elif path == "/missing":
            self.send_response(404)
        elif path == "/error":
            self.send_response(500)
        elif path == "/loop":
            self.send_response(302)
            self.send_header("Location", "/loop")
        elif path == "/head-refused" and head:
            self.send_response(405)
        elif path == "/head-refused":
            self.send_response(200)
        elif path == "/hang":
            time.sleep(30)  # never answers within the timeout
            return
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_HEAD(self):
        self._answer(head=True)

    def do_GET(self):
        self._answer(head=False)


@pytest.fixture
def local_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def allow_local(settings):
    settings.LINK_CHECK_ALLOW_PRIVATE = True
    settings.LINK_CHECK_TIMEOUT = TIMEOUT


EXPECTED = {
    "/ok": (200, ""),
    "/missing": (404, ""),
    "/error": (500, ""),
    "/loop": (None, "redirect loop"),
    "/hang": (None, "no answer (timeout)"),
    "/head-refused": (200, ""),
}


@pytest.mark.parametrize("path", list(EXPECTED))
def test_each_outcome_within_the_timeout(local_server, allow_local, path):
    result = staleness.check_url(local_server + path)
    assert (result.status, result.error) == EXPECTED[path]
    assert result.seconds < 2 * TIMEOUT + 0.5  # connect + read, never the 30 s the server would take


def test_check_sources_records_results_in_parallel(local_server, allow_local):
    sources = {path: SourceFactory(url=local_server + path) for path in EXPECTED}
    started = time.monotonic()
    result = staleness.check_sources()
    elapsed = time.monotonic() - started
    assert result == {"checked": 6, "dead": 4}
    assert elapsed < 2 * TIMEOUT + 1.5  # the slow one does not hold the others up
    for path, source in sources.items():
        source.refresh_from_db()
        assert (source.last_http_status, source.last_check_error) == EXPECTED[path]
        assert source.last_checked_at is not None
    assert Source.objects.get(pk=sources["/missing"].pk).link_dead
    assert not Source.objects.get(pk=sources["/ok"].pk).link_dead


def test_private_addresses_are_not_probed_unless_allowed(local_server, settings):
    settings.LINK_CHECK_ALLOW_PRIVATE = False
    result = staleness.check_url(local_server + "/ok")
    assert (result.status, result.error) == (None, "private address: not checked")


def test_dead_links_are_marked_on_the_pages(client, seed):
    source = Source.objects.get(publisher="AllAfrica")
    Source.objects.filter(pk=source.pk).update(last_http_status=404, last_checked_at="2026-01-01T00:00Z")
    page = client.get("/countries/AO/").content.decode()
    assert "link dead (HTTP 404" in page
    panel = client.get("/countries/AO/panel/").content.decode()
    assert "link dead (HTTP 404" in panel.split(source.url)[1].split("</li>")[0]
