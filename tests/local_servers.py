"""Local HTTP(S) servers for the fetcher and link-check tests: each serves the routes it is given and records every
request it receives (method, path, headers), so a test can show what reached it and what never did."""

from __future__ import annotations

import contextlib
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

Route = Callable[[BaseHTTPRequestHandler], None]


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]


@dataclass
class Local:
    """A running local server: its base URL, the address:port to allow, and the requests it has received."""

    scheme: str
    port: int
    requests: list[Seen] = field(default_factory=list)
    server_names: list[str | None] = field(default_factory=list)  # TLS SNI names, in order

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.port}"

    def url(self, path: str = "/", host: str = "127.0.0.1") -> str:
        return f"{self.scheme}://{host}:{self.port}{path}"

    def paths(self) -> list[str]:
        return [seen.path for seen in self.requests]


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, *args):  # keep the test output clean
        pass

    def _dispatch(self) -> None:
        self.server.local.requests.append(Seen(self.command, self.path, dict(self.headers.items())))
        route = self.server.routes.get(self.path.partition("?")[0])
        if route is None:
            answer(404)(self)
        else:
            route(self)

    do_GET = do_HEAD = _dispatch


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a client hanging up mid-answer is expected here
            super().handle_error(request, client_address)

    def __init__(self, routes: dict[str, Route], local: Local):
        self.routes = routes
        self.local = local
        super().__init__(("127.0.0.1", 0), _Handler)


@contextlib.contextmanager
def serve(routes: dict[str, Route], tls: ssl.SSLContext | None = None) -> Iterator[Local]:
    """Serve `routes` on 127.0.0.1 (https when given a TLS context) until the block ends."""
    local = Local("https" if tls else "http", 0)
    server = _Server(routes, local)
    local.port = server.server_address[1]
    if tls is not None:
        tls.sni_callback = lambda _socket, name, _context: local.server_names.append(name)
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield local
    finally:
        server.shutdown()
        server.server_close()


def answer(status: int, headers: tuple[tuple[str, str], ...] = (), body: bytes = b"") -> Route:
    """A plain answer: status, headers and body (Content-Length set)."""

    def route(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(status)
        for name, value in headers:
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        if handler.command != "HEAD":
            handler.wfile.write(body)

    return route


def redirect(location: str, status: int = 302) -> Route:
    return answer(status, (("Location", location),))


def drip(prefix: bytes, every: float = 0.3, seconds: float = 30) -> Route:
    """Send `prefix`, then one byte every `every` seconds for `seconds` (or until the client goes away)."""

    def route(handler: BaseHTTPRequestHandler) -> None:
        handler.close_connection = True
        ends = time.monotonic() + seconds
        try:
            handler.wfile.write(prefix)
            handler.wfile.flush()
            while time.monotonic() < ends:
                time.sleep(every)
                handler.wfile.write(b"x")
                handler.wfile.flush()
        except OSError:
            return

    return route


DRIP_HEADERS = drip(b"HTTP/1.1 200 OK\r\nX-Drip: ")
DRIP_BODY = drip(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n")


def hang(release: threading.Event, seconds: float = 60) -> Route:
    """Accept the request and say nothing until `release` is set (or `seconds` pass)."""

    def route(handler: BaseHTTPRequestHandler) -> None:
        release.wait(seconds)
        handler.close_connection = True

    return route


def tls_files(directory: Path) -> tuple[Path, Path, Path]:
    """A throwaway CA and a certificate it signed for "localhost" only (files: CA, certificate, key)."""
    ca, ca_key = directory / "ca.pem", directory / "ca.key"
    cert, key, request = directory / "localhost.pem", directory / "localhost.key", directory / "localhost.csr"
    extensions = directory / "localhost.ext"
    extensions.write_text(
        "subjectAltName=DNS:localhost\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
        "extendedKeyUsage=serverAuth\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n"
    )
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    subprocess.run(
        [
            *["openssl", "req", *ec, "-x509", "-days", "2", "-keyout", ca_key, "-out", ca],
            *["-subj", "/CN=Synthetic test CA", "-addext", "basicConstraints=critical,CA:TRUE"],
            *["-addext", "keyUsage=critical,keyCertSign,cRLSign"],
        ],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        ["openssl", "req", *ec, "-keyout", key, "-out", request, "-subj", "/CN=localhost"],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [
            *["openssl", "x509", "-req", "-in", request, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial"],
            *["-out", cert, "-days", "2", "-extfile", extensions],
        ],
        check=True,
        capture_output=True,
    )
    return ca, cert, key
