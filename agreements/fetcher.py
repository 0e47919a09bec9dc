"""The one way the app reaches the outside: link checks now, archiving, URL look-up and feeds later.

`fetch` and `probe` vet the URL and every redirect hop, resolve each host once and connect only to an address that
was vetted (no second lookup that could be rebound), and hold each URL to one deadline, cut by a watchdog, and a
cap on the body. Nothing else in the app opens sockets to the outside.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import http.client
import ipaddress
import re
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from enum import StrEnum
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

import certifi
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.http import http_date

MAX_REDIRECTS = 10
USER_AGENT = "ThirdCountryTracker/1.0"
REDIRECTS = frozenset({301, 302, 303, 307, 308})
HEAD_REFUSED = frozenset({403, 405, 501})  # servers that answer HEAD so often answer GET properly
DEFAULT_PORTS = {"http": 80, "https": 443}
SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT: not "private" to ipaddress, not public either
NAT64 = ipaddress.ip_network("64:ff9b::/96")  # reaches the IPv4 address in its last 32 bits
HOST_CHARACTERS = re.compile(r"[A-Za-z0-9._:-]+")
HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # RFC 9110 token
PATH_SAFE = "/%:@!$&'()*+,;=-._~"  # RFC 3986 pchar and "/", with "%" kept so existing escapes stay as they are
LONE_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")  # a % that starts no escape: itself escaped (%25)
CHUNK = 64 * 1024

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class Problem(StrEnum):
    """Why a fetch has no complete answer (NONE when it has one)."""

    NONE = ""
    REFUSED = "refused"  # the URL, a redirect to it, or an address it resolves to may not be fetched
    UNRESOLVABLE = "unresolvable"
    REDIRECT_LOOP = "redirect loop"
    TOO_MANY_REDIRECTS = "too many redirects"
    TIMEOUT = "timeout"  # the deadline passed
    CONNECTION = "connection"  # refused, reset or closed before a whole answer
    TLS = "tls"
    PROTOCOL = "protocol"  # the answer is not HTTP


@dataclass(frozen=True)
class FetchResult:
    """What one fetch found: the last answer's status, headers and (capped) body, or why there is none."""

    url: str
    final_url: str  # the URL of the last hop tried (a refused redirect target included)
    status: int | None = None
    headers: http.client.HTTPMessage = field(default_factory=http.client.HTTPMessage)
    body: bytes = b""  # as sent (Accept-Encoding: identity unless the caller asks otherwise), at most max_bytes
    truncated: bool = False  # the server sent more than max_bytes
    elapsed: float = 0.0
    problem: Problem = Problem.NONE
    error: str = ""  # one line for a person, e.g. "refused: 10.0.0.1 is not a public address (private)"
    redirects: tuple[str, ...] = ()

    @property
    def not_modified(self) -> bool:
        """The conditional GET found the copy we hold still current (304)."""
        return self.status == 304


class _Stop(Exception):
    """Ends a fetch with a problem; `status` is kept when the headers had arrived."""

    def __init__(self, problem: Problem, message: str, status: int | None = None):
        super().__init__(message)
        self.problem = problem
        self.message = message
        self.status = status


@dataclass(frozen=True)
class _Target:
    url: str
    scheme: str
    host: str  # ASCII (IDNA) name or address literal, without brackets
    port: int
    path: str  # request target: path and query, percent-encoded

    @property
    def key(self) -> tuple[str, str, int, str]:
        return (self.scheme, self.host.lower(), self.port, self.path)

    @property
    def host_header(self) -> str:
        name = f"[{self.host}]" if ":" in self.host else self.host
        return name if self.port == DEFAULT_PORTS[self.scheme] else f"{name}:{self.port}"


# ---------------------------------------------------------------------------------------------------------------
# Public API


def fetch(
    url: str,
    *,
    method: str = "GET",
    max_bytes: int,
    deadline: float,
    headers: dict[str, str] | None = None,
    etag: str = "",
    if_modified_since: dt.datetime | None = None,
    max_redirects: int = MAX_REDIRECTS,
) -> FetchResult:
    """Fetch a URL (GET or HEAD), following at most `max_redirects` vetted redirects, all within `deadline` seconds.

    `etag` and `if_modified_since` make it a conditional GET (a 304 answer: `result.not_modified`). The body is
    read up to `max_bytes` (0: headers only). Never raises for anything the network or the server does.
    """
    if method not in ("GET", "HEAD"):
        raise ValueError(f"fetch: method must be GET or HEAD, got {method!r}")
    if deadline <= 0 or max_bytes < 0:
        raise ValueError("fetch: deadline must be positive and max_bytes not negative")
    started = time.monotonic()
    sent = _request_headers(headers, etag, if_modified_since)
    return _fetch(url, method, sent, max_bytes, max_redirects, started, started + deadline)


def probe(url: str, *, deadline: float, headers: dict[str, str] | None = None) -> FetchResult:
    """A link check: HEAD the URL, then GET it (headers only) when HEAD is refused, both within one deadline."""
    if deadline <= 0:
        raise ValueError("probe: deadline must be positive")
    started = time.monotonic()
    until = started + deadline
    sent = _request_headers({"User-Agent": f"{USER_AGENT} (link check)", **(headers or {})}, "", None)
    result = _fetch(url, "HEAD", sent, 0, MAX_REDIRECTS, started, until)
    if result.status in HEAD_REFUSED and time.monotonic() < until:
        result = _fetch(url, "GET", sent, 0, MAX_REDIRECTS, started, until)
    return result


def url_problem(url: str) -> str:
    """Why this URL can never be fetched, judged from its text alone ("" when it may be tried): for input checks."""
    try:
        _parse(url)
    except _Stop as stop:
        return stop.message
    return ""


def as_uri(url: str) -> str:
    """The URL as the URI a browser would request, and the fetcher does: scheme and host in lower case, the host in
    ASCII (IDNA), every other character a URI cannot hold percent-encoded. For a URL url_problem() accepts (one it
    refuses raises ValueError); applying it twice changes nothing."""
    try:
        target = _parse(url)
    except _Stop as stop:
        raise ValueError(stop.message) from None
    parts = urlsplit(url)
    host = f"[{target.host}]" if ":" in target.host else target.host
    netloc = host if parts.port is None else f"{host}:{parts.port}"
    return urlunsplit(
        (
            target.scheme,
            netloc,
            _escaped(parts.path, PATH_SAFE),
            _escaped(parts.query, PATH_SAFE + "?"),
            _escaped(parts.fragment, PATH_SAFE + "?"),
        )
    )


def address_problem(address: IPAddress) -> str:
    """What kind of non-public address this is ("" for a public one, the only kind the fetcher connects to)."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour or (address.teredo[1] if address.teredo else None)
        if embedded is None and address in NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None and (inner := address_problem(embedded)):
            return inner
    kinds = (
        (address.is_unspecified, "unspecified"),
        (address.is_loopback, "loopback"),
        (address.is_link_local, "link-local"),
        (address.is_multicast, "multicast"),
        (address in SHARED, "shared, 100.64.0.0/10"),
        (address.is_reserved, "reserved"),
        (address.is_private, "private"),
        (isinstance(address, ipaddress.IPv6Address) and address.is_site_local, "site-local"),
        (not address.is_global, "not globally routable"),
    )
    return next((kind for matches, kind in kinds if matches), "")


# ---------------------------------------------------------------------------------------------------------------
# One fetch: hops, vetting, connection, answer


def _fetch(
    url: str,
    method: str,
    headers: dict[str, str],
    max_bytes: int,
    max_redirects: int,
    started: float,
    until: float,
) -> FetchResult:
    watchdog = _Watchdog(until)
    current = url
    hops: list[str] = []
    seen: set[tuple[str, str, int, str]] = set()
    try:
        while True:
            target = _parse(current)
            seen.add(target.key)
            response, body, truncated = _hop(target, method, headers, max_bytes, until, watchdog)
            location = response.getheader("Location") if response.status in REDIRECTS else None
            if not location:
                return FetchResult(
                    url=url,
                    final_url=current,
                    status=response.status,
                    headers=response.msg,
                    body=body,
                    truncated=truncated,
                    elapsed=time.monotonic() - started,
                    redirects=tuple(hops),
                )
            try:
                following = urljoin(current, location.strip())
            except ValueError:
                raise _Stop(Problem.REFUSED, "refused: the redirect's Location is not a valid URL") from None
            hops.append(following)
            following_target = _parse(following)  # each hop is vetted: a refused one ends the fetch here
            if following_target.key in seen:
                raise _Stop(Problem.REDIRECT_LOOP, "redirect loop")
            if len(hops) > max_redirects:
                raise _Stop(Problem.TOO_MANY_REDIRECTS, f"too many redirects (over {max_redirects})")
            if following_target.host.lower() != target.host.lower():  # credentials stay with their own host
                headers = {k: v for k, v in headers.items() if k.lower() not in ("authorization", "cookie")}
            current = following
    except _Stop as stop:
        return FetchResult(
            url=url,
            final_url=hops[-1] if hops else url,
            status=stop.status,
            elapsed=time.monotonic() - started,
            problem=stop.problem,
            error=stop.message,
            redirects=tuple(hops),
        )
    finally:
        watchdog.cancel()


def _parse(url: str) -> _Target:
    """The URL as a fetch target, or _Stop(REFUSED) naming what is wrong with it."""
    try:
        parts = urlsplit(url)
        port = parts.port if parts.port is not None else DEFAULT_PORTS.get(parts.scheme, 0)
    except ValueError:  # a port past 65535 or not a number, unbalanced brackets
        raise _Stop(Problem.REFUSED, "refused: not a valid URL (host or port)") from None
    if parts.scheme not in DEFAULT_PORTS:
        raise _Stop(Problem.REFUSED, "refused: only http and https URLs are fetched")
    if "@" in parts.netloc:
        raise _Stop(Problem.REFUSED, "refused: the URL holds a user name or password")
    host = parts.hostname or ""
    try:
        host = host.encode("idna").decode("ascii") if not host.isascii() else host
    except UnicodeError:
        raise _Stop(Problem.REFUSED, "refused: the host name is not valid") from None
    if not HOST_CHARACTERS.fullmatch(host):
        raise _Stop(Problem.REFUSED, "refused: the URL has no valid host")
    if not 1 <= port <= 65535:
        raise _Stop(Problem.REFUSED, "refused: the port must be between 1 and 65535")
    path = _escaped(parts.path or "/", PATH_SAFE)
    if parts.query:
        path += "?" + _escaped(parts.query, PATH_SAFE + "?")
    return _Target(url=url, scheme=parts.scheme, host=host, port=port, path=path)


def _escaped(text: str, safe: str) -> str:
    """`text` with every character a URI cannot hold percent-encoded (UTF-8), its escapes kept, a lone % escaped."""
    return LONE_PERCENT.sub("%25", quote(text, safe=safe))


def _resolve(target: _Target, until: float) -> list[tuple[socket.AddressFamily, tuple]]:
    """Resolve the host once and vet every address it resolves to: one non-public address refuses the host."""
    infos = _lookup(target.host, target.port, until)
    families = (socket.AF_INET, socket.AF_INET6)
    addresses = [(family, sockaddr) for family, _, _, _, sockaddr in infos if family in families]
    if not addresses:
        raise _Stop(Problem.UNRESOLVABLE, f"refused: the host name does not resolve ({target.host})")
    allowed = _allowlist()
    for _, sockaddr in addresses:
        address = ipaddress.ip_address(str(sockaddr[0]).partition("%")[0])
        if (address, target.port) in allowed:
            continue
        if kind := address_problem(address):
            raise _Stop(Problem.REFUSED, f"refused: {address} is not a public address ({kind})")
    return list(dict.fromkeys(addresses))


def _lookup(host: str, port: int, until: float) -> list:
    """getaddrinfo held to the deadline: it runs in a thread of its own (a daemon, and one per lookup, so a lookup
    that never returns holds nothing up, not even a forked worker or the interpreter's exit)."""
    answer: list = []
    done = threading.Event()

    def run() -> None:
        try:
            answer.extend(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
        except (OSError, UnicodeError):
            pass  # no addresses: the host does not resolve
        finally:
            done.set()

    threading.Thread(target=run, name="fetch-resolve", daemon=True).start()
    if not done.wait(max(0.0, until - time.monotonic())):
        raise _Stop(Problem.TIMEOUT, "no answer (timeout resolving the host name)")
    return answer


def _connect(target: _Target, until: float, watchdog: _Watchdog) -> socket.socket:
    """A socket connected to one of the vetted addresses (TLS verified for the URL's host name on https)."""
    failure: OSError | None = None
    for family, sockaddr in _resolve(target, until):
        remaining = until - time.monotonic()
        if remaining <= 0:
            break
        sock = socket.socket(family, socket.SOCK_STREAM)
        watchdog.watch(sock)
        sock.settimeout(remaining)  # a backstop per operation; the watchdog holds the whole fetch to the deadline
        try:
            sock.connect(sockaddr)
        except OSError as exc:
            sock.close()
            failure = exc
            continue
        if target.scheme == "https":
            # Handshake after wrapping so that the watchdog holds the TLS socket while the handshake reads.
            tls = _tls_context(settings.FETCH_CA_BUNDLE).wrap_socket(
                sock, server_hostname=target.host, do_handshake_on_connect=False
            )
            watchdog.watch(tls)
            try:
                tls.do_handshake()
            except OSError:
                tls.close()
                raise
            return tls
        return sock
    if failure is None or isinstance(failure, TimeoutError) or watchdog.fired:
        raise _Stop(Problem.TIMEOUT, "no answer (timeout)")
    raise failure


def _hop(
    target: _Target, method: str, headers: dict[str, str], max_bytes: int, until: float, watchdog: _Watchdog
) -> tuple[http.client.HTTPResponse, bytes, bool]:
    """One request to one vetted target: the response (headers read), and its body up to max_bytes."""
    connection: _VettedConnection | None = None
    status = None
    try:
        connection = _VettedConnection(_connect(target, until, watchdog))
        connection.request(method, target.path, headers={**headers, "Host": target.host_header})
        response = connection.getresponse()
        if watchdog.fired:  # the cut ended the headers early: http.client takes the hang-up for their end
            raise _Stop(Problem.TIMEOUT, "no answer (timeout)")
        status = response.status
        if method == "HEAD" or max_bytes == 0 or response.status in REDIRECTS:
            return response, b"", False
        body = _read(response, max_bytes)
        if watchdog.fired:
            raise _Stop(Problem.TIMEOUT, "cut off at the deadline while reading the body", status)
        if len(body) <= max_bytes and response.length:  # Content-Length promised more than came
            raise _Stop(Problem.CONNECTION, "the connection closed before the whole body came", status)
        return response, body[:max_bytes], len(body) > max_bytes
    except _Stop:
        raise
    except (OSError, http.client.HTTPException) as exc:
        raise _failure(exc, watchdog.fired, status) from None
    finally:
        if connection is not None:
            connection.close()


def _read(response: http.client.HTTPResponse, max_bytes: int) -> bytes:
    """The body up to one byte past the cap (so a longer body is known to be longer), never more."""
    chunks: list[bytes] = []
    size = 0
    while size <= max_bytes:
        chunk = response.read(min(CHUNK, max_bytes + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _failure(exc: Exception, cut: bool, status: int | None) -> _Stop:
    """The network or protocol error as a problem and one line for a person."""
    if cut or isinstance(exc, TimeoutError):
        if status is not None:
            return _Stop(Problem.TIMEOUT, "cut off at the deadline while reading the body", status)
        return _Stop(Problem.TIMEOUT, "no answer (timeout)")
    if isinstance(exc, ssl.SSLCertVerificationError):
        return _Stop(Problem.TLS, f"no answer (TLS certificate: {exc.verify_message})", status)
    if isinstance(exc, ssl.SSLError):
        return _Stop(Problem.TLS, f"no answer (TLS: {exc.reason or 'handshake failed'})", status)
    if isinstance(exc, ConnectionRefusedError):
        return _Stop(Problem.CONNECTION, "no answer (connection refused)", status)
    if isinstance(exc, http.client.RemoteDisconnected | ConnectionResetError | http.client.IncompleteRead):
        return _Stop(Problem.CONNECTION, "no answer (connection closed)", status)
    if isinstance(exc, http.client.HTTPException):
        return _Stop(Problem.PROTOCOL, f"no answer (not a valid HTTP response: {type(exc).__name__})", status)
    reason = exc.strerror if isinstance(exc, OSError) else ""
    return _Stop(Problem.CONNECTION, f"no answer ({reason or type(exc).__name__})", status)


def _request_headers(headers: dict[str, str] | None, etag: str, if_modified_since: dt.datetime | None) -> dict:
    """The headers every hop sends: ours, the caller's, and the conditional-GET validators; never a Host."""
    sent = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity", "Connection": "close"}
    sent |= {name: value for name, value in (headers or {}).items() if name.lower() != "host"}
    if etag:
        sent["If-None-Match"] = etag
    if if_modified_since is not None:
        sent["If-Modified-Since"] = http_date(if_modified_since.timestamp())
    for name, value in sent.items():
        if not HEADER_NAME.fullmatch(name) or "\r" in value or "\n" in value:
            raise ValueError(f"fetch: header {name!r} is not a valid header")
    return sent


class _VettedConnection(http.client.HTTPConnection):
    """HTTP over a socket already connected to a vetted address; it never opens (or looks up) one itself."""

    def __init__(self, sock: socket.socket):
        super().__init__("vetted.invalid")
        self.sock = sock

    def connect(self) -> None:
        raise http.client.NotConnected("the fetcher connects only to vetted addresses")


class _Watchdog:
    """Cuts the connection when the deadline passes: socket timeouts bound each read, not a server that drips a
    byte inside every one of them."""

    def __init__(self, until: float):
        self.fired = False
        self._lock = threading.Lock()
        self._socket: socket.socket | None = None
        self._timer = threading.Timer(max(0.0, until - time.monotonic()), self._fire)
        self._timer.daemon = True
        self._timer.start()

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._socket = sock
            if self.fired:
                _cut(sock)

    def cancel(self) -> None:
        self._timer.cancel()

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            if self._socket is not None:
                _cut(self._socket)


def _cut(sock: socket.socket) -> None:
    # shutdown() wakes a thread blocked reading this socket (close() may not); the base class's call leaves an
    # SSLSocket's state alone for the thread that is reading it.
    with contextlib.suppress(OSError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


@functools.lru_cache(maxsize=4)
def _tls_context(ca_bundle: str) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=ca_bundle or certifi.where())


def _allowlist() -> frozenset[tuple[IPAddress, int]]:
    return _parse_allowlist(tuple(settings.FETCH_PRIVATE_ALLOWLIST))


@functools.lru_cache(maxsize=8)
def _parse_allowlist(entries: tuple[str, ...]) -> frozenset[tuple[IPAddress, int]]:
    """FETCH_PRIVATE_ALLOWLIST as (address, port) pairs; an entry that is not exactly address:port is an error."""
    allowed = set()
    for entry in entries:
        host, _, port = entry.rpartition(":")
        try:
            address = ipaddress.ip_address(host.removeprefix("[").removesuffix("]"))
            if not 1 <= int(port) <= 65535:
                raise ValueError(port)
        except ValueError:
            raise ImproperlyConfigured(
                f"FETCH_PRIVATE_ALLOWLIST entries are address:port, e.g. 127.0.0.1:8001 or [::1]:8001; got {entry!r}"
            ) from None
        allowed.add((address, int(port)))
    return frozenset(allowed)
