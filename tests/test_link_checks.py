"""check_sources against local HTTP servers: each outcome recorded right, one deadline per URL, refused hops and
addresses never reached, and each result saved as its URL finishes (a batch cut short keeps what it had)."""

import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

from agreements import staleness
from agreements.models import Source

from .conftest import ROOT, child_env
from .factories import SourceFactory
from .local_servers import DRIP_HEADERS, answer, hang, redirect, serve

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
def allow_local(settings, local_server):
    settings.FETCH_PRIVATE_ALLOWLIST = [urlsplit(local_server).netloc]
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
    assert result == {"checked": 6, "dead": 4, "drift": {}}
    assert elapsed < 2 * TIMEOUT + 1.5  # the slow one does not hold the others up
    for path, source in sources.items():
        source.refresh_from_db()
        assert (source.last_http_status, source.last_check_error) == EXPECTED[path]
        assert source.last_checked_at is not None
    assert Source.objects.get(pk=sources["/missing"].pk).link_dead
    assert not Source.objects.get(pk=sources["/ok"].pk).link_dead


def test_private_addresses_are_not_probed_unless_allowed(local_server, settings):
    settings.FETCH_PRIVATE_ALLOWLIST = []
    result = staleness.check_url(local_server + "/ok")
    assert (result.status, result.error) == (None, "refused: 127.0.0.1 is not a public address (loopback)")


def test_dead_links_are_marked_on_the_pages(client, seed):
    source = Source.objects.get(publisher="AllAfrica")
    Source.objects.filter(pk=source.pk).update(last_http_status=404, last_checked_at="2026-01-01T00:00Z")
    page = client.get("/countries/AO/").content.decode()
    assert "link dead (HTTP 404" in page
    panel = client.get("/countries/AO/panel/").content.decode()
    assert "link dead (HTTP 404" in panel.split(source.url)[1].split("</li>")[0]


# ---------------------------------------------------------------------------------------------------------------
# Through the fetcher: vetted hops, one deadline, refused addresses, results saved as each URL finishes


def test_a_redirect_from_an_allowed_host_to_a_loopback_address_is_refused_at_the_hop(settings):
    with (
        serve({"/admin": answer(200, body=b"internal")}) as internal,
        serve({"/moved": redirect(internal.url("/admin"))}) as allowed,
    ):
        settings.FETCH_PRIVATE_ALLOWLIST = [allowed.endpoint]
        source = SourceFactory(url=allowed.url("/moved"))
        assert staleness.check_sources() == {"checked": 1, "dead": 1, "drift": {}}
    source.refresh_from_db()
    assert source.last_http_status is None
    assert source.last_check_error == "refused: 127.0.0.1 is not a public address (loopback)"
    assert allowed.paths() == ["/moved"] and internal.requests == []  # refused at the hop, never reached


def test_a_dripping_server_is_cut_off_within_the_deadline_plus_one_second(settings):
    """A byte every 0.3 s passes any per-read timeout; the one deadline per URL cuts it off."""
    with serve({"/drip": DRIP_HEADERS}) as server:
        settings.FETCH_PRIVATE_ALLOWLIST = [server.endpoint]
        started = time.monotonic()
        result = staleness.check_url(server.url("/drip"), timeout=TIMEOUT)
        elapsed = time.monotonic() - started
    assert (result.status, result.error) == (None, "no answer (timeout)")
    assert elapsed < TIMEOUT + 1  # the server would drip for 30 s
    assert [seen.method for seen in server.requests] == ["HEAD"]


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("http://user:password@example.org/report", "refused: the URL holds a user name or password"),
        ("http://100.64.0.1/report", "refused: 100.64.0.1 is not a public address (shared, 100.64.0.0/10)"),
        ("http://169.254.169.254/latest/meta-data/", "refused: 169.254.169.254 is not a public address (link-local)"),
        ("http://10.0.0.1/report", "refused: 10.0.0.1 is not a public address (private)"),
        ("http://[::1]/report", "refused: ::1 is not a public address (loopback)"),
        ("http://[ff02::1]/report", "refused: ff02::1 is not a public address (multicast)"),
        ("http://no-such-host.invalid/report", "refused: the host name does not resolve (no-such-host.invalid)"),
    ],
)
def test_refused_urls_are_recorded_as_dead_links(settings, url, error):
    settings.FETCH_PRIVATE_ALLOWLIST = []
    source = SourceFactory(url=url)
    assert staleness.check_sources() == {"checked": 1, "dead": 1, "drift": {}}
    source.refresh_from_db()
    assert (source.last_http_status, source.last_check_error) == (None, error)
    assert source.last_checked_at is not None and source.link_dead


def test_eight_slow_urls_do_not_hold_up_or_lose_the_others(settings, django_capture_on_commit_callbacks):
    release = threading.Event()
    routes = {"/ok": answer(200), "/gone": answer(404), "/drip": DRIP_HEADERS, "/hang": hang(release)}
    with serve(routes) as server:
        settings.FETCH_PRIVATE_ALLOWLIST = [server.endpoint]
        settings.LINK_CHECK_TIMEOUT = 3.0  # room for a loaded machine: the slow ones still hang past it
        settings.LINK_CHECK_CONCURRENCY = 8
        slow = [SourceFactory(url=server.url(f"/{kind}?n={n}")) for n in range(4) for kind in ("drip", "hang")]
        fast = [SourceFactory(url=server.url(f"/{kind}?n={n}")) for n in range(4) for kind in ("ok", "gone")]
        with django_capture_on_commit_callbacks() as callbacks:
            result = staleness.check_sources()
        release.set()
    assert result == {"checked": 16, "dead": 12, "drift": {}}
    assert len(callbacks) == 1  # the caches are told once for the whole batch
    for source in slow:
        source.refresh_from_db()
        assert (source.last_http_status, source.last_check_error) == (None, "no answer (timeout)")
    for source in fast:
        source.refresh_from_db()
        expected = 200 if "/ok" in source.url else 404
        assert (source.last_http_status, source.last_check_error) == (expected, "")
        assert source.last_checked_at is not None


@pytest.mark.django_db(transaction=True)
def test_a_batch_killed_mid_way_keeps_the_results_of_the_urls_that_had_finished(postgres):
    """check_sources in its own process: eight URLs answer, eight hang; once the eight answers are stored and the
    eight hanging requests are in flight, the process is killed (SIGKILL). The eight stored results stay."""
    release = threading.Event()
    with serve({"/ok": answer(200), "/hang": hang(release, seconds=120)}) as server:
        fast = [SourceFactory(url=server.url(f"/ok?n={n}")).pk for n in range(8)]
        slow = [SourceFactory(url=server.url(f"/hang?n={n}")).pk for n in range(8)]  # after the fast ones: pk order
        environment = child_env(
            FETCH_PRIVATE_ALLOWLIST=server.endpoint,
            LINK_CHECK_TIMEOUT="120",  # the hanging URLs are still in flight when the process is killed
            LINK_CHECK_CONCURRENCY="8",
        )
        process = subprocess.Popen(
            [sys.executable, "manage.py", "check_sources", "--all"],
            cwd=ROOT,
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                stored = Source.objects.filter(pk__in=fast, last_checked_at__isnull=False).count()
                in_flight = sum(1 for path in server.paths() if path.startswith("/hang"))
                if stored == 8 and in_flight == 8:
                    break
                assert process.poll() is None, "check_sources ended before the hanging URLs were cut off"
                time.sleep(0.1)
            else:
                pytest.fail(f"{stored} of 8 finished results stored while the batch ran; {in_flight} of 8 in flight")
            assert process.poll() is None  # the batch is not over: the eight slow URLs hold it
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
            release.set()
    assert list(Source.objects.filter(pk__in=fast).values_list("last_http_status", flat=True)) == [200] * 8
    assert not Source.objects.filter(pk__in=slow, last_checked_at__isnull=False).exists()
