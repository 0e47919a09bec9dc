"""The real Celery worker on the real Redis broker and PostgreSQL: flag_stale and check_sources run by a worker
process; two flag_stale runs at once; and a worker killed with SIGKILL in the middle of flag_stale."""

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.utils import timezone

from agreements import staleness
from agreements.models import Arrangement, Source, StaleDigest
from drills.common import WORKER_ARGS
from scripts.processes import stop_group, stop_stray_workers

from .conftest import ROOT, at_once, child_env
from .factories import bulk_arrangements

pytestmark = pytest.mark.django_db(transaction=True)


def _stale_everything() -> int:
    past = timezone.now() - dt.timedelta(days=400)
    Arrangement.objects.update(last_confirmed_at=past, stale_after=past, stale_since=None)
    expected = Arrangement.objects.exclude(status__in=["ended", ""]).count()
    assert expected >= 40  # the test means nothing on an empty table
    return expected


class Worker:
    """A celery worker process of this project, on the test database and the real broker."""

    def __init__(self, tmp_path: Path, name: str, **env: str):
        self.log = tmp_path / f"{name}.log"
        defaults = {
            "CELERY_VISIBILITY_TIMEOUT": "3",
            "CELERY_RESTORE_INTERVAL": "1",
            "FETCH_PRIVATE_ALLOWLIST": "127.0.0.1:9",  # the link check below reaches a closed local port
            "LINK_CHECK_TIMEOUT": "1",
        }
        environment = child_env(**(defaults | env))  # a test's own values win over the defaults
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "tracker", *WORKER_ARGS, "-n", f"{name}@%h"],
            cwd=ROOT,
            env=environment,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.wait_for("ready.")

    def text(self) -> str:
        return self.log.read_text() if self.log.exists() else ""

    def wait_for(self, needle: str, timeout: float = 30) -> None:
        deadline = time.time() + timeout
        while needle not in self.text():
            if time.time() > deadline or self.process.poll() is not None:
                raise AssertionError(f"worker never logged {needle!r}:\n{self.text()[-3000:]}")
            time.sleep(0.1)

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        stop_group(self.process, timeout=15)


def _until(condition, timeout: float = 60, message: str = "") -> None:
    deadline = time.time() + timeout
    while not condition():
        if time.time() > deadline:
            raise AssertionError(message or "condition never held")
        time.sleep(0.2)


@pytest.fixture
def broker(postgres, redis_url):
    import redis

    stop_stray_workers(redis_url)  # a worker an interrupted run left would take this test's tasks
    redis.Redis.from_url(redis_url).flushdb()  # this database is the test suite's own
    return redis_url


@pytest.fixture
def workers(tmp_path, broker):
    started: list[Worker] = []

    def start(name: str, **env: str) -> Worker:
        worker = Worker(tmp_path, name, **env)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


def test_a_worker_an_interrupted_run_left_is_found_and_stopped(workers, broker):
    """A worker started as the tests, drills and prod-check start theirs is what stop_stray_workers finds on its
    broker database (and only there); it stops, so the next run's tasks go to the next run's worker."""
    left = workers("left-behind")
    assert stop_stray_workers("redis://127.0.0.1:6379/99") == []  # not this worker's (and no Redis has a db 99)
    assert left.process.poll() is None
    stopped = stop_stray_workers(broker)
    assert left.process.wait(timeout=20) is not None
    assert [line.split()[0] for line in stopped] == [str(left.process.pid)]
    assert "-m celery -A tracker worker" in stopped[0]


def test_a_worker_runs_flag_stale_and_check_sources(workers):
    from agreements import tasks

    bulk_arrangements(50)
    expected = _stale_everything()
    source = Source.objects.create(
        url="http://127.0.0.1:9/nothing-listens-here",
        normalized_url="https://127.0.0.1:9/nothing-listens-here",
        publisher="Publisher 1",
    )
    workers("worker-a")
    tasks.flag_stale.delay()
    tasks.check_sources.delay([source.pk])
    _until(lambda: Arrangement.objects.filter(stale_since__isnull=False).count() == expected, 30, "flags")
    _until(lambda: Source.objects.get(pk=source.pk).last_checked_at is not None, 30, "link check")
    source.refresh_from_db()
    assert source.last_check_error.startswith("no answer") and source.link_dead
    digest = StaleDigest.objects.get()
    assert digest.arrangements == expected and digest.sent_at is not None


def test_two_flag_stale_runs_at_once_flag_and_notify_each_entry_once(postgres, settings):
    bulk_arrangements(300)
    expected = _stale_everything()
    settings.FLAG_STALE_PAUSE_SECONDS = 0.5  # both transactions open at the same time
    results = at_once(staleness.flag_stale)
    assert sum(results) == expected
    assert Arrangement.objects.filter(stale_since__isnull=False).count() == expected
    digests = list(StaleDigest.objects.all())
    assert sum(d.arrangements for d in digests) == expected
    listed = [line for d in digests for line in d.body.splitlines() if line.startswith("- ")]
    assert len(listed) == len(set(listed)) == expected


def test_a_worker_killed_in_the_middle_of_flag_stale_leaves_nothing_half_done(workers):
    from agreements import tasks

    bulk_arrangements(120)
    expected = _stale_everything()
    # Its own redelivery check is slow, so the task is not handed back to the queue while it is still working.
    first = workers("doomed", FLAG_STALE_PAUSE_SECONDS="60", CELERY_VISIBILITY_TIMEOUT="120")
    tasks.flag_stale.delay()
    first.wait_for("agreements.tasks.flag_stale")
    time.sleep(1.5)  # inside the transaction, flags written but not committed
    first.kill()
    time.sleep(0.5)
    assert Arrangement.objects.filter(stale_since__isnull=False).count() == 0
    assert StaleDigest.objects.count() == 0
    second = workers("rescuer")
    _until(
        lambda: Arrangement.objects.filter(stale_since__isnull=False).count() == expected,
        90,
        f"the redelivered task never completed:\n{second.text()[-2000:]}",
    )
    _until(
        lambda: StaleDigest.objects.filter(sent_at__isnull=False).count() == 1,
        30,
        f"digest not sent: {list(StaleDigest.objects.values_list('arrangements', 'sent_at'))} "
        f"{set(Arrangement.objects.values_list('stale_flag_run', flat=True))} {second.text()[-1500:]}",
    )
    digest = StaleDigest.objects.get()
    assert digest.arrangements == expected
    time.sleep(2)
    assert StaleDigest.objects.count() == 1  # not duplicated


def test_a_worker_archives_a_recorded_source_and_its_check_finds_the_drift(workers, tmp_path, settings, client):
    """Done-when 1 and 2 with the real worker: a source recorded for a local page is archived by the worker (WARC,
    SHA-256, text); the page changes, and the worker's check puts it in the editors' queue with a diff; the page
    goes, and readers are offered the archived copy first."""
    import hashlib

    from warcio.archiveiterator import ArchiveIterator

    from agreements import services, tasks
    from agreements.models import SourceCapture, SourceDrift

    from .factories import change
    from .local_servers import serve
    from .test_archive import CHANGED, SENTENCE, archived_copy_first, article, html

    root = tmp_path / "archive"
    settings.STORAGES = {
        **settings.STORAGES,
        "archive": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": root}},
    }
    routes = {"/report": html(article())}
    with serve(routes) as local:
        settings.ARCHIVE_ON_RECORD = True
        worker = workers("archiver", FETCH_PRIVATE_ALLOWLIST=local.endpoint, ARCHIVE_ROOT=str(root))
        source = services.get_or_create_source(url=local.url("/report"), publisher="Publisher 1").obj
        _until(
            lambda: SourceCapture.objects.filter(source=source).exists(), 60, f"no capture:\n{worker.text()[-2000:]}"
        )
        capture = SourceCapture.objects.get(source=source)
        assert capture.sha256 == hashlib.sha256(article()).hexdigest()
        with (root / capture.warc).open("rb") as handle:
            response = next(r for r in ArchiveIterator(handle) if r.rec_type == "response")
            assert response.content_stream().read() == article()
        assert SENTENCE in (root / capture.text).read_text()
        change("AO", "agreed", dt.date(2025, 5, 1), source=source)
        assert (
            f"/sources/{source.pk}/captures/{capture.pk}.txt" in client.get(f"/sources/{source.pk}/").content.decode()
        )
        copy = client.get(f"/sources/{source.pk}/archive.txt")
        assert copy["Content-Type"] == "text/plain; charset=utf-8" and SENTENCE in copy.content.decode()

        routes["/report"] = html(article(CHANGED))
        tasks.check_sources.delay([source.pk])
        _until(lambda: SourceDrift.objects.filter(source=source).exists(), 60, f"no drift:\n{worker.text()[-2000:]}")
        drift = SourceDrift.objects.get(source=source)
        assert drift.kind == "changed" and f"+{CHANGED}" in drift.diff

        del routes["/report"]
        tasks.check_sources.delay([source.pk])
        _until(lambda: SourceDrift.objects.get(source=source).kind == "gone", 60, "the dead page never noticed")
        assert archived_copy_first(client.get("/countries/AO/").content.decode(), source.pk)
