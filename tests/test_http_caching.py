"""HTTP caching and compression of public reads (agreements/caching.py): Cache-Control, strong ETags and 304s with
no database query; private, no-store for anything with a session; gzip and Brotli that decompress to the same
bytes; a page cache that unknown parameters cannot flood and another Host cannot poison."""

from __future__ import annotations

import gzip
import random
import string
from concurrent.futures import ThreadPoolExecutor

import brotli
import pytest
from django.conf import settings
from django.core.cache import cache
from django.urls import URLPattern, URLResolver, get_resolver

from agreements import caching
from agreements.lists import SPECS
from agreements.models import Actor, Source

pytestmark = pytest.mark.django_db

PUBLIC = caching.PUBLIC_CACHE_CONTROL

# A representative URL of each kind of public read ({actor} and {source} are filled from the seed).
KINDS = {
    "pages": [
        "/",
        "/?sending_state=all",
        "/timeline/?sending_state=all",
        "/countries/",
        "/countries/AO/",
        "/countries/AO/panel/",
        "/actors/{actor}/",
        "/sources/{source}/",
        "/data/",
        "/changes/",
        "/changes/compare/",
        "/embed/map/",
        "/map.svg",
        "/styles/status.css",
        "/api/docs/",
    ],
    "lists": [f"/{slug}/" for slug in SPECS] + ["/statements/?stance=denies&sort=-date"],
    "exports": [
        "/statements/export.csv",
        "/arrangements/export.geojson",
        "/status-changes/export.json",
        "/export/records.csv",
        "/changes/compare/export.csv",
    ],
    "feeds": ["/feeds/changes/", "/feeds/statements/", "/feeds/arrangements/?status=denied"],
    "api": [
        "/api/v1/arrangements/",
        "/api/v1/statements/?page_size=5",
        "/api/v1/status-changes/",
        "/api/v1/transfers/",
        "/api/v1/sources/",
        "/api/v1/actors/",
        "/api/v1/countries/",
        "/api/v1/changes/?since=2025-01-01",
        "/api/schema/",
    ],
    "map": ["/api/v1/map/", "/api/v1/map/?sending_state=all"],
}


def _urls(kind: str) -> list[str]:
    actor = Actor.objects.order_by("pk").first()
    source = Source.objects.order_by("pk").first()
    assert actor is not None and source is not None
    return [url.format(actor=actor.slug, source=source.pk) for url in KINDS[kind]]


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.parametrize("kind", KINDS)
def test_every_anonymous_read_is_public_with_a_strong_etag_and_a_304_without_a_query(
    kind, client, seed, django_assert_num_queries
):
    for url in _urls(kind):
        response = client.get(url)
        assert response.status_code == 200, url
        _body(response)
        assert response["Cache-Control"] == PUBLIC, url
        etag = response["ETag"]
        assert etag.startswith('"') and not etag.startswith("W/"), (url, etag)
        assert "Accept-Encoding" in response["Vary"] and "Cookie" in response["Vary"], url
        with django_assert_num_queries(0):
            again = client.get(url, HTTP_IF_NONE_MATCH=etag)
        assert again.status_code == 304 and again["ETag"] == etag and again["Cache-Control"] == PUBLIC, url
        assert again.content == b""


@pytest.mark.parametrize("kind", ["pages", "map"])
def test_a_hit_is_answered_before_the_rest_of_the_stack_with_the_same_bytes_and_headers(kind, client, seed):
    for url in _urls(kind):
        for encoding in ("br", ""):
            made = client.get(url, HTTP_ACCEPT_ENCODING=encoding)
            again = client.get(url, HTTP_ACCEPT_ENCODING=encoding)
            assert hasattr(made.wsgi_request, "user"), url  # the whole stack ran (the view, then the recording)
            assert not hasattr(again.wsgi_request, "user"), url  # answered by PublicCacheMiddleware
            assert again.content == made.content and made.status_code == again.status_code == 200, url
            assert sorted(again.items()) == sorted(made.items()), url  # CSP, frame options, Vary, ETag, encoding
            not_modified = client.get(url, HTTP_ACCEPT_ENCODING=encoding, HTTP_IF_NONE_MATCH=made["ETag"])
            assert not_modified.status_code == 304 and not hasattr(not_modified.wsgi_request, "user"), url
            assert not_modified["ETag"] == made["ETag"] and not_modified["Vary"] == made["Vary"], url
            if "Content-Security-Policy" in made:
                assert not_modified["Content-Security-Policy"] == made["Content-Security-Policy"], url


def test_no_early_answer_after_a_write_or_for_a_request_with_a_session(client, seed):
    first = client.get("/api/v1/map/")
    assert not hasattr(client.get("/api/v1/map/").wsgi_request, "user")
    caching.bump_data_version()  # what every write does when it commits
    after = client.get("/api/v1/map/")
    assert hasattr(after.wsgi_request, "user") and after["ETag"] != first["ETag"]
    client.cookies[settings.SESSION_COOKIE_NAME] = "no-such-session"
    held = client.get("/api/v1/map/")
    assert hasattr(held.wsgi_request, "user") and held["Cache-Control"] == caching.PRIVATE_CACHE_CONTROL


def test_the_etag_names_the_data_version_and_the_effective_parameters(client, seed):
    etag = client.get("/arrangements/?status=denied")["ETag"]
    # Unknown parameters and their order change nothing; a parameter the view reads does.
    assert client.get("/arrangements/?utm_source=x&status=denied&fbclid=y")["ETag"] == etag
    assert client.get("/arrangements/?status=agreed")["ETag"] != etag
    assert client.get("/arrangements/?status=denied", HTTP_HOST="localhost")["ETag"] != etag
    caching.bump_data_version()  # what every write does when it commits
    assert client.get("/arrangements/?status=denied")["ETag"] != etag


def test_unknown_parameters_are_not_echoed_into_a_page(client, seed):
    body = client.get("/statements/?stance=denies&zzz=planted-by-a-stranger").content.decode()
    assert "stance=denies" in body and "planted-by-a-stranger" not in body and "zzz" not in body


def _each_encoding(client, url: str) -> None:
    plain = client.get(url)
    identity = _body(plain)
    assert "Content-Encoding" not in plain, url
    for encoding, decompress in (("gzip", gzip.decompress), ("br", brotli.decompress)):
        response = client.get(url, HTTP_ACCEPT_ENCODING=f"{encoding}, deflate")
        assert response.status_code == 200 and response["Content-Encoding"] == encoding, (url, encoding)
        compressed = _body(response)
        assert len(compressed) < len(identity), (url, encoding)
        assert decompress(compressed) == identity, (url, encoding)
        assert response["ETag"] != plain["ETag"]  # another representation: another strong validator
        assert client.get(url, HTTP_ACCEPT_ENCODING=encoding, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/statements/?stance=denies",
        "/api/v1/map/",
        "/api/v1/statements/",
        "/feeds/changes/",
        "/arrangements/export.geojson",
        "/statements/export.csv",
        "/export/records.csv",
    ],
)
def test_compressed_responses_decompress_to_exactly_the_uncompressed_bytes(url, client, seed):
    _each_encoding(client, url)
    # The stored entry holds the compressed bodies: made once per data version, not per request.
    if not url.endswith((".csv", ".geojson")):
        entries = [entry for _, entry, _ in caching._LOCAL.values()]
        assert any({"", "gzip", "br"} <= set(entry[2]) for entry in entries)


def test_the_client_s_weights_choose_the_encoding(rf):
    def choose(header: str) -> str:
        return caching.accepted_encoding(rf.get("/", HTTP_ACCEPT_ENCODING=header))

    assert choose("gzip, deflate, br") == "br"
    assert choose("gzip;q=1.0, br;q=0.5") == "gzip"
    assert choose("br;q=0, gzip") == "gzip"
    assert choose("identity") == ""
    assert choose("*") == "br"
    assert choose("*;q=0") == ""
    assert choose("") == ""


@pytest.mark.parametrize("prefix", ["", "/es"])
def test_subscription_pages_are_private_in_every_language(client, db, prefix):
    """A confirmation or unsubscribe link holds one reader's token: never stored by a shared cache."""
    response = client.get(f"{prefix}/subscribe/unsubscribe/synthetic-token/")
    assert "no-store" in response["Cache-Control"] and "public" not in response["Cache-Control"]
    # The editor's area is private by its path in every language, even where its view answers a redirect to log in.
    editor = client.get(f"{prefix}/editor/")
    assert editor.status_code == 302 and editor["Cache-Control"] == caching.PRIVATE_CACHE_CONTROL


def test_every_response_with_a_session_is_private(client, editor_client, seed):
    for url in ("/", "/arrangements/", "/api/v1/map/", "/countries/AO/", "/editor/", "/statements/export.csv"):
        response = editor_client.get(url)
        assert response.status_code == 200, url
        assert response["Cache-Control"] == caching.PRIVATE_CACHE_CONTROL, url
        assert "Cookie" in response["Vary"], url
    # The login page sets the CSRF cookie; a failed login reads the session and sets cookies too.
    login = client.get("/accounts/login/")
    assert login.cookies and login["Cache-Control"] == caching.PRIVATE_CACHE_CONTROL
    posted = client.post("/accounts/login/", {"username": "nobody", "password": "wrong-password-1"})
    assert posted["Cache-Control"] == caching.PRIVATE_CACHE_CONTROL
    # An anonymous reader holding a session cookie (logged out since) is answered from a session: private too.
    client.cookies[settings.SESSION_COOKIE_NAME] = "no-such-session"
    assert client.get("/")["Cache-Control"] == caching.PRIVATE_CACHE_CONTROL


def test_the_redis_cache_makes_one_client_and_threads_share_it(redis_url):
    backend = cache._cache  # type: ignore[attr-defined]  # tracker.cache.RedisCacheClient
    client = backend.get_client(None)
    assert backend.get_client("another key") is client and backend.get_client(None, write=True) is client

    def round_trip(i: int) -> int | None:
        cache.set(f"synthetic-thread-{i}", i, 30)
        return cache.get(f"synthetic-thread-{i}")

    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(round_trip, range(200))) == list(range(200))


def _page_entries() -> int:
    """Entries of the page cache in the real backend (local memory under make test, Redis with REDIS_URL)."""
    backend = cache._cache  # type: ignore[attr-defined]
    if hasattr(backend, "get_client"):  # django.core.cache.backends.redis.RedisCacheClient
        client = backend.get_client(None)
        return len(client.keys(cache.make_key("page:*")))
    return sum(1 for key in backend if ":page:" in key)


def test_random_unknown_parameters_add_no_page_cache_entries(client, seed):
    urls = ["/", "/arrangements/?status=denied", "/api/v1/map/", "/statements/", "/feeds/changes/"]
    for url in urls:
        assert client.get(url).status_code == 200
    before, local = _page_entries(), len(caching._LOCAL)
    assert before >= len(urls)
    rng = random.Random(13)
    known = caching.known_parameters()
    for i in range(3000):
        name = "".join(rng.choices(string.ascii_lowercase, k=rng.randint(1, 12)))
        if name in known:
            continue
        value = "".join(rng.choices(string.ascii_letters + string.digits, k=8))
        url = urls[i % len(urls)]
        joiner = "&" if "?" in url else "?"
        assert client.get(f"{url}{joiner}{name}={value}").status_code == 200
    assert _page_entries() == before
    assert len(caching._LOCAL) == local


def test_another_host_never_gets_the_first_host_s_absolute_urls(client, seed, settings):
    settings.ALLOWED_HOSTS = ["testserver", "mirror.example.org"]
    for url in ("/", "/countries/AO/", "/embed/map/"):
        first = client.get(url).content.decode()
        assert "http://testserver/" in first, url
        other = client.get(url, HTTP_HOST="mirror.example.org").content.decode()
        assert "http://mirror.example.org/" in other and "http://testserver" not in other, url
        assert "http://testserver/" in client.get(url).content.decode(), url


def test_a_disallowed_host_is_refused_not_cached(client, seed):
    before = _page_entries()
    assert client.get("/", HTTP_HOST="evil.example.org").status_code == 400
    assert _page_entries() == before


def _routes(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _routes(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.callback


# Routes that are not public reads under the one policy, and why.
NOT_PUBLIC = (
    "admin/",  # the admin: private
    "accounts/",  # logins: private
    "editor/",  # the editor area: private
    "subscribe/",  # subscriptions: an address and its tokens, private
    "api/v1/sources/lookup/",  # the editors' URL look-up: POST only
    "healthz",  # health checks: live state, no-store
    "sources/<int:pk>/archive",  # archived captures and release zips: files with their own long-lived headers
    "sources/<int:pk>/captures/",
    "data/tracker-data-",
    "language/",  # the language switcher: a redirect that sets the reader's language cookie
)


def test_every_public_route_goes_through_the_one_caching_decorator():
    routes = list(_routes(get_resolver().url_patterns))
    assert len(routes) > 40
    uncovered = [
        route
        for route, callback in routes
        if not route.lstrip("^").startswith(NOT_PUBLIC) and not getattr(callback, "public_cache", False)
    ]
    assert uncovered == []


def test_the_per_process_copy_stays_within_its_byte_budget(client, seed, monkeypatch):
    caching.clear_local()  # earlier tests' copies were kept under the real budget
    monkeypatch.setattr(caching, "LOCAL_BYTES", 200_000)
    for url in ("/", "/countries/", "/arrangements/", "/statements/", "/api/v1/map/", "/api/v1/statements/"):
        assert client.get(url).status_code == 200
        held = sum(len(body) for _, entry, _ in caching._LOCAL.values() for body in entry[2].values())
        assert held == caching._LOCAL_SIZE[0] <= 200_000, url
    assert caching._LOCAL  # the latest entry is still kept


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("/changes/compare/?from=2025-02-15&to=2025-05-31", "15 February 2025"),  # fields a form adds when made
        ("/?sending_state=US&as_of=2025-02-15", "15 February 2025"),
        ("/statements/?date_after=2025-02-01&date_before=2025-03-01&zzz=1", "date_after=2025-02-01"),
    ],
)
def test_every_parameter_a_view_reads_survives_the_normalising(url, shown, client, seed):
    assert shown in client.get(url).content.decode()
