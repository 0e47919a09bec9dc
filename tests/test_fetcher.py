"""The fetcher against local servers: every hop vetted, only public addresses (bar an exact allowlist), the vetted
address connected without a second lookup, TLS verified for the URL's host, one deadline, a capped body."""

import contextlib
import datetime as dt
import socket
import ssl
import time

import pytest
from django.core.exceptions import ImproperlyConfigured

from agreements import fetcher
from agreements.fetcher import Problem

from .local_servers import DRIP_BODY, DRIP_HEADERS, answer, drip, redirect, serve, tls_files

DEADLINE = 1.0
CUT_OFF_MARGIN = 1.0  # the bound: a dripping server is cut off within the deadline + 1 s


def get(url: str, **kwargs) -> fetcher.FetchResult:
    return fetcher.fetch(
        url, max_bytes=kwargs.pop("max_bytes", 10_000), deadline=kwargs.pop("deadline", DEADLINE), **kwargs
    )


@pytest.fixture
def allow(settings):
    """Exempt exactly these local servers from the public-address rule (as the tests' setting does)."""

    def allow(*servers) -> None:
        settings.FETCH_PRIVATE_ALLOWLIST = [server.endpoint for server in servers]

    settings.FETCH_PRIVATE_ALLOWLIST = []
    return allow


# ---------------------------------------------------------------------------------------------------------------
# Answers


def test_a_fetch_returns_status_headers_body_and_the_final_url(allow):
    with serve(
        {
            "/start": redirect("/middle"),
            "/middle": redirect("/end?q=1", status=301),
            "/end": answer(200, (("ETag", '"v1"'),), b"synthetic body"),
        }
    ) as server:
        allow(server)
        result = get(server.url("/start"))
    assert (result.status, result.problem, result.error) == (200, Problem.NONE, "")
    assert result.body == b"synthetic body" and not result.truncated
    assert result.headers["ETag"] == '"v1"'
    assert result.final_url == server.url("/end?q=1")
    assert result.redirects == (server.url("/middle"), server.url("/end?q=1"))
    assert server.paths() == ["/start", "/middle", "/end?q=1"]
    assert server.requests[0].headers["Host"] == server.endpoint


def test_a_conditional_get_sends_the_validators_and_reports_not_modified(allow):
    with serve({"/feed": answer(304)}) as server:
        allow(server)
        since = dt.datetime(2025, 4, 2, 10, 30, tzinfo=dt.UTC)
        result = get(server.url("/feed"), etag='"v7"', if_modified_since=since)
    assert result.status == 304 and result.not_modified and result.body == b""
    sent = server.requests[0].headers
    assert sent["If-None-Match"] == '"v7"'
    assert sent["If-Modified-Since"] == "Wed, 02 Apr 2025 10:30:00 GMT"


def test_capital_schemes_are_http_and_https(allow):
    with serve({"/ok": answer(200)}) as server:
        allow(server)
        result = get(server.url("/ok").replace("http://", "HTTP://"))
    assert result.status == 200


# ---------------------------------------------------------------------------------------------------------------
# Redirects: every hop vetted


@pytest.mark.parametrize(
    "where",
    [
        "http://127.0.0.1:{other}/secret",  # loopback, a port that is not on the allowlist
        "http://localhost:{other}/secret",
        "http://[::1]:{other}/secret",
        "http://2130706433:{other}/secret",  # 127.0.0.1 written as a number
        "http://169.254.169.254/latest/meta-data/",  # the cloud metadata address
        "http://10.0.0.1/",
        "http://user:pass@127.0.0.1:{allowed}/ok",  # even to the allowed server
        "file:///etc/passwd",
    ],
)
def test_a_redirect_from_an_allowed_host_to_a_loopback_or_private_address_is_refused_at_the_hop(allow, where):
    with serve({"/secret": answer(200, body=b"internal")}) as internal, serve({"/ok": answer(200)}) as public:
        allow(public)  # only the "public" server is allowed; the internal one is plain loopback
        target = where.format(other=internal.port, allowed=public.port)
        with serve({"/go": redirect(target)}) as first:
            allow(public, first)
            result = get(first.url("/go"))
    assert result.problem == Problem.REFUSED and result.error.startswith("refused:")
    assert result.status is None and result.body == b""
    assert result.final_url == target and result.redirects == (target,)
    assert first.paths() == ["/go"]
    assert internal.requests == [] and public.requests == []  # nothing reached past the refused hop


def test_a_redirect_loop_and_a_long_chain_are_stopped(allow):
    routes = {"/loop": redirect("/loop"), "/a": redirect("/b"), "/b": redirect("/a")}
    routes |= {f"/hop/{n}": redirect(f"/hop/{n + 1}") for n in range(30)}
    with serve(routes) as server:
        allow(server)
        looped = get(server.url("/loop"))
        ping_pong = get(server.url("/a"))
        long = get(server.url("/hop/0"))
        short = get(server.url("/hop/25"), max_redirects=2)
    assert (looped.problem, looped.error) == (Problem.REDIRECT_LOOP, "redirect loop")
    assert ping_pong.problem == Problem.REDIRECT_LOOP
    assert (long.problem, long.error) == (Problem.TOO_MANY_REDIRECTS, "too many redirects (over 10)")
    assert short.problem == Problem.TOO_MANY_REDIRECTS
    assert server.paths().count("/loop") == 1
    hops = [path for path in server.paths() if path.startswith("/hop/")]
    assert hops == [f"/hop/{n}" for n in range(11)] + ["/hop/25", "/hop/26", "/hop/27"]  # the URL and N redirects


# ---------------------------------------------------------------------------------------------------------------
# Addresses that are never fetched


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("http://100.64.0.1/", "shared, 100.64.0.0/10"),
        ("http://169.254.1.1/", "link-local"),
        ("http://10.1.2.3/", "private"),
        ("http://172.16.0.1/", "private"),
        ("http://192.168.1.1/", "private"),
        ("http://127.0.0.1/", "loopback"),
        ("http://0x7f.1/", "loopback"),
        ("http://0.0.0.0/", "unspecified"),
        ("http://224.0.0.1/", "multicast"),
        ("http://240.0.0.1/", "reserved"),
        ("http://255.255.255.255/", "reserved"),
        ("http://[::1]/", "loopback"),
        ("http://[::]/", "unspecified"),
        ("http://[ff02::1]/", "multicast"),
        ("http://[fe80::1]/", "link-local"),
        ("http://[fc00::1]/", "private"),
        ("http://[::ffff:127.0.0.1]/", "loopback"),  # IPv4-mapped
        ("http://[::ffff:10.0.0.1]/", "private"),
        ("http://[2002:7f00:1::]/", "loopback"),  # 6to4 around 127.0.0.1
        ("http://[64:ff9b::a00:1]/", "private"),  # NAT64 around 10.0.0.1
    ],
)
def test_non_public_addresses_are_never_fetched(allow, url, kind):
    result = get(url, deadline=5)
    assert result.problem == Problem.REFUSED  # before any connection: a connect would end in another problem
    assert result.error.endswith(f"is not a public address ({kind})")
    assert result.status is None


def test_an_unresolvable_host_is_refused(allow):
    result = get("http://no-such-host.invalid/page")
    assert result.problem == Problem.UNRESOLVABLE
    assert result.error == "refused: the host name does not resolve (no-such-host.invalid)"


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("http://user:password@{endpoint}/ok", "refused: the URL holds a user name or password"),
        ("http://user@{endpoint}/ok", "refused: the URL holds a user name or password"),
        ("http://:password@{endpoint}/ok", "refused: the URL holds a user name or password"),
        ("ftp://{endpoint}/ok", "refused: only http and https URLs are fetched"),
        ("javascript:alert(1)", "refused: only http and https URLs are fetched"),
        ("http://example.org:0/", "refused: the port must be between 1 and 65535"),
        ("http://example.org:65536/", "refused: not a valid URL (host or port)"),
        ("http:///no-host", "refused: the URL has no valid host"),
    ],
)
def test_urls_are_refused_from_their_text_alone(allow, url, error):
    with serve({"/ok": answer(200)}) as server:
        allow(server)
        url = url.format(endpoint=server.endpoint)
        result = get(url)
    assert (result.problem, result.error) == (Problem.REFUSED, error)
    assert fetcher.url_problem(url) == error
    assert server.requests == []


def test_public_addresses_pass_the_address_rule():
    import ipaddress

    for address in ("93.184.215.14", "1.1.1.1", "2606:4700:4700::1111", "2002:5db8:d70e::1"):
        assert fetcher.address_problem(ipaddress.ip_address(address)) == ""


def test_the_allowlist_is_exact_address_and_port(allow, settings):
    with serve({"/ok": answer(200)}) as server, serve({"/ok": answer(200)}) as neighbour:
        allow(server)
        assert get(server.url("/ok")).status == 200
        assert get(neighbour.url("/ok")).problem == Problem.REFUSED  # same address, another port
    assert neighbour.requests == []
    settings.FETCH_PRIVATE_ALLOWLIST = ["localhost:8000"]
    with pytest.raises(ImproperlyConfigured, match="address:port"):
        get("http://127.0.0.1:8000/")


def test_the_vetted_address_is_the_one_connected_no_second_lookup(allow, monkeypatch):
    """A rebinding resolver answers the first lookup with the allowed server and every later one with another:
    the request reaches the first, looked up once, with the URL's host name in its Host header."""
    with serve({"/ok": answer(200)}) as vetted, serve({"/ok": answer(200)}) as rebound:
        allow(vetted, rebound)
        lookups: list[str] = []
        real = socket.getaddrinfo

        def rebinding(host, port, *args, **kwargs):
            lookups.append(host)
            if host != "rebind.test":
                return real(host, port, *args, **kwargs)
            answer_port = vetted.port if len(lookups) == 1 else rebound.port
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", answer_port))]

        monkeypatch.setattr(socket, "getaddrinfo", rebinding)
        result = get(f"http://rebind.test:{vetted.port}/ok")
    assert result.status == 200
    assert lookups == ["rebind.test"]
    assert vetted.paths() == ["/ok"] and rebound.requests == []
    assert vetted.requests[0].headers["Host"] == f"rebind.test:{vetted.port}"


# ---------------------------------------------------------------------------------------------------------------
# TLS: verified for the URL's host name, though the connection goes to the vetted address


@pytest.fixture(scope="module")
def certificates(tmp_path_factory):
    return tls_files(tmp_path_factory.mktemp("tls"))


def test_https_verifies_the_url_host_and_sends_it_as_sni(allow, settings, certificates):
    ca, cert, key = certificates
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    with serve({"/ok": answer(200, body=b"over tls")}, tls=context) as server:
        allow(server)
        untrusted = get(server.url("/ok", host="localhost"))
        settings.FETCH_CA_BUNDLE = str(ca)
        trusted = get(server.url("/ok", host="localhost"))
        wrong_name = get(server.url("/ok", host="127.0.0.1"))  # the certificate names localhost only
    assert untrusted.problem == Problem.TLS and "certificate" in untrusted.error
    assert (trusted.status, trusted.body) == (200, b"over tls")
    assert server.requests[0].headers["Host"] == f"localhost:{server.port}"
    assert server.server_names[:2] == ["localhost", "localhost"]
    assert wrong_name.problem == Problem.TLS and "127.0.0.1" in wrong_name.error
    assert server.paths() == ["/ok"]  # only the verified connection sent a request


# ---------------------------------------------------------------------------------------------------------------
# One deadline, a capped body


@pytest.mark.parametrize("route", [DRIP_HEADERS, DRIP_BODY, drip(b"HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n")])
def test_a_dripping_server_is_cut_off_at_the_deadline(allow, route):
    """Each byte comes well inside any per-read timeout; only one deadline over the whole fetch stops it."""
    with serve({"/drip": route}) as server:
        allow(server)
        started = time.monotonic()
        result = get(server.url("/drip"))
        elapsed = time.monotonic() - started
    assert result.problem == Problem.TIMEOUT
    assert DEADLINE <= elapsed < DEADLINE + CUT_OFF_MARGIN  # the server would have dripped for 30 s
    assert DEADLINE <= result.elapsed <= elapsed
    if route is DRIP_HEADERS:
        assert (result.status, result.error) == (None, "no answer (timeout)")
    else:
        assert (result.status, result.error) == (200, "cut off at the deadline while reading the body")


def test_one_deadline_covers_every_hop(allow):
    """Three hops of 0.6 s each: every one inside the deadline, all of them together not."""

    def slow(location):
        def route(handler):
            time.sleep(0.6)
            redirect(location)(handler)

        return route

    routes = {"/1": slow("/2"), "/2": slow("/3"), "/3": slow("/done"), "/done": answer(200)}
    with serve(routes) as server:
        allow(server)
        result = get(server.url("/1"))
        assert get(server.url("/1"), deadline=3 * DEADLINE).status == 200
    assert result.problem == Problem.TIMEOUT and result.final_url == server.url("/2")


@pytest.mark.parametrize("chunked", [False, True])
def test_the_body_is_capped(allow, chunked):
    big = b"0123456789" * 100_000

    def chunked_route(handler):
        handler.send_response(200)
        handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()
        with contextlib.suppress(OSError):  # the fetcher stops reading at the cap and hangs up
            for start in range(0, len(big), 4096):
                piece = big[start : start + 4096]
                handler.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            handler.wfile.write(b"0\r\n\r\n")

    with serve(
        {"/big": chunked_route if chunked else answer(200, body=big), "/exact": answer(200, body=big[:1000])}
    ) as server:
        allow(server)
        capped = get(server.url("/big"), max_bytes=1000)
        exact = get(server.url("/exact"), max_bytes=1000)
        headers_only = get(server.url("/big"), max_bytes=0)
    assert (capped.status, capped.body, capped.truncated) == (200, big[:1000], True)
    assert (exact.body, exact.truncated) == (big[:1000], False)
    assert (headers_only.status, headers_only.body) == (200, b"")


def test_probe_falls_back_to_get_when_head_is_refused(allow):
    def head_refused(handler):
        answer(405 if handler.command == "HEAD" else 200)(handler)

    with serve({"/page": head_refused}) as server:
        allow(server)
        result = fetcher.probe(server.url("/page"), deadline=DEADLINE)
    assert result.status == 200
    assert [seen.method for seen in server.requests] == ["HEAD", "GET"]


def test_a_dripping_server_is_cut_off_over_tls_too(allow, settings, certificates):
    ca, cert, key = certificates
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    settings.FETCH_CA_BUNDLE = str(ca)
    with serve({"/drip": DRIP_BODY}, tls=context) as server:
        allow(server)
        started = time.monotonic()
        result = get(server.url("/drip", host="localhost"))
        elapsed = time.monotonic() - started
    assert (result.status, result.problem) == (200, Problem.TIMEOUT)
    assert elapsed < DEADLINE + CUT_OFF_MARGIN
