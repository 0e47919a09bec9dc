"""Shared fixtures: reference data for transactional tests, the demo data, and the real services.

Tests that need PostgreSQL, Redis, a Celery worker or Chromium skip with a line naming what is missing. With
TRACKER_REQUIRE_SERVICES naming them (comma-separated, or "all", as .ci/run sets it) a missing one fails the test,
and with "all" any skipped test fails the run.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "fixtures" / "seed-records.csv"
SOURCED = ROOT / "fixtures" / "sourced-records.csv"
RECORD = (SEED, SOURCED)  # the whole record the demo ships, in import order
REQUIRE = {s.strip() for s in os.environ.get("TRACKER_REQUIRE_SERVICES", "").split(",") if s.strip()}
CHROMIUM = "/usr/bin/chromium"


def child_env(**extra: str) -> dict[str, str]:
    """The environment of a process a test starts (a worker, a command) on the test database: a child process is
    not the test suite, so production settings with a key made for the test."""
    s = connection.settings_dict
    database = f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    return (
        os.environ
        | {
            "DATABASE_URL": database,
            "TRACKER_TESTING": "0",
            "SECRET_KEY": "child-process-test-only-" + "k" * 40,
            "ALLOWED_HOSTS": "testserver",
        }
        | extra
    )


def pytest_configure(config: pytest.Config) -> None:
    """The translations compiled as `make test` does, so a bare `pytest` serves Spanish pages too."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("compile_messages", ROOT / "scripts" / "compile_messages.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for po_path in module.stale_catalogues(ROOT):
        module.compile_catalogue(po_path)


def at_once(target, count: int = 2) -> list:
    """Run `target` in `count` threads released together (a barrier); their results, each thread's database
    connections closed at its end."""
    import threading

    from django.db import connections

    barrier = threading.Barrier(count)
    results: list = []

    def run():
        try:
            barrier.wait()
            results.append(target())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def missing(service: str, what: str) -> None:
    """Skip (or, where required, fail) because a real service is missing."""
    message = f"{what} — see README 'Tests' to provide it"
    if service in REQUIRE or "all" in REQUIRE:
        pytest.fail(f"required service missing: {message}", pytrace=False)
    pytest.skip(message)


def _reachable(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or default_port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def postgres():
    """The test database is PostgreSQL (DATABASE_URL=postgres://…)."""
    if connection.vendor != "postgresql":
        missing("postgres", "PostgreSQL not in use: DATABASE_URL is not set to a postgres:// URL")


@pytest.fixture
def redis_url() -> str:
    """A reachable Redis (REDIS_URL)."""
    url = os.environ.get("REDIS_URL", "")
    if not url:
        missing("redis", "Redis not configured: REDIS_URL is not set")
    if not _reachable(url, 6379):
        missing("redis", f"Redis not reachable at {url}")
    return url


@pytest.fixture
def chromium_path() -> str:
    """Debian's Chromium, driven by Playwright (never a downloaded browser)."""
    if not Path(CHROMIUM).exists():
        missing("chromium", f"Chromium not installed at {CHROMIUM} (apt-get install -y chromium)")
    if shutil.which("chromium") is None and not os.access(CHROMIUM, os.X_OK):
        missing("chromium", f"{CHROMIUM} is not executable")
    return CHROMIUM


@pytest.fixture
def transactional_db(transactional_db):
    """Transactional tests flush the database afterwards; put the reference countries back first."""
    from agreements.reference import load_countries

    load_countries()
    return transactional_db


@pytest.fixture(autouse=True)
def _reference_data(request):
    """A transactional test gets its countries back even when it reaches the database only through its marker."""
    marker = request.node.get_closest_marker("django_db")
    if marker is not None and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])):
        request.getfixturevalue("transactional_db")


@pytest.fixture(autouse=True)
def _interface_language():
    """Each test starts in the default language: a request to /es/ leaves Spanish active in the thread that made it
    (LocaleMiddleware activates a request's language and nothing deactivates it), and a test that calls a service
    directly would otherwise get its messages in whatever language the previous test's last request had."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    from agreements.reference import clear_lookup

    clear_lookup()
    with contextlib.suppress(Exception):  # a cache that is down is tested by the drills, not here
        cache.clear()
    yield


@pytest.fixture
def archive_dir(settings, tmp_path):
    """The archive storage (captures and releases) in a folder of this test's own."""
    settings.STORAGES = {
        **settings.STORAGES,
        "archive": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}},
    }
    return tmp_path


@pytest.fixture
def editor(django_user_model):
    """A member of the editors group (not logged in)."""
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user("editor-1")
    user.groups.add(Group.objects.get(name="editors"))
    return user


@pytest.fixture
def editor_client(client, editor):
    """The test client, logged in as a member of the editors group."""
    client.force_login(editor)
    return client


@pytest.fixture
def seed(db):
    """The demo data: fixtures/seed-records.csv imported through the importer."""
    from agreements.importers import import_records

    return import_records(SEED.read_bytes(), name="seed-records.csv")


@pytest.fixture
def live_seed(transactional_db):
    """The demo data for tests that run a live server."""
    from agreements.importers import import_records

    return import_records(SEED.read_bytes(), name="seed-records.csv")


@pytest.fixture
def editor_user(django_user_model):
    """A member of the editors group (the group comes with its migration)."""
    from django.contrib.auth.models import Group

    from agreements.roles import EDITORS_GROUP

    user = django_user_model.objects.create_user("synthetic-editor")
    user.groups.add(Group.objects.get_or_create(name=EDITORS_GROUP)[0])
    return user


def import_record() -> list:
    """The whole record (the seed, then the sourced records) imported through the importer, as `make run` does."""
    from agreements.importers import import_records

    return [import_records(path.read_bytes(), name=path.name) for path in RECORD]


@pytest.fixture
def record(db):
    """The whole record: 45 arrangements of 7 sending states (fixtures/seed-records.csv + sourced-records.csv)."""
    return import_record()


@pytest.fixture
def live_record(transactional_db):
    """The whole record, for tests that run a live server."""
    return import_record()


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus):
    """With TRACKER_REQUIRE_SERVICES=all a skipped test is a failure: CI must prove everything."""
    if "all" not in REQUIRE:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped:
        reporter.write_line(f"FAILED: {len(skipped)} test(s) skipped, but every service is required here", red=True)
        session.exitstatus = 1


def pytest_report_header(config):
    db = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    cache = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    return f"tracker: database={db} cache={cache} required services={','.join(sorted(REQUIRE)) or 'none'}"


pytest_plugins = ["tests.browser"]
