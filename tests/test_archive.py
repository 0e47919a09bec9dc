"""The source archive against a local server (reached only through FETCH_PRIVATE_ALLOWLIST): a recorded source is
captured (the WARC parses with warcio, the SHA-256 matches, the text holds the page's sentence), readers get our
copy as plain text from every list of sources, and the daily check puts a changed or vanished page in the editors'
queue with a diff — the archived copy offered first once the live link is dead."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re

import pytest
from warcio.archiveiterator import ArchiveIterator

from agreements import archive, services, staleness
from agreements.models import Source, SourceCapture, SourceDrift

from .factories import ActorFactory, change, statement
from .local_servers import answer, serve

pytestmark = pytest.mark.django_db

SENTENCE = "Country 17 agreed to receive forty people under a synthetic arrangement, a synthetic ministry said."
CHANGED = "Country 17 refused to receive anyone under the synthetic arrangement, a synthetic ministry said."
FILLER = (
    "This paragraph is synthetic test text about a synthetic arrangement between synthetic states. "
    "It exists so that the page reads like an article, with enough words for an extractor to find it. "
)


def article(sentence: str = SENTENCE, *, nav: str = "Home | World | Synthetic section", spaces: str = " ") -> bytes:
    """A synthetic news page: navigation and footer around an article, and a script that must never reach readers."""
    paragraphs = "".join(f"<p>{FILLER}{spaces}{FILLER}</p>" for _ in range(3))
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>Synthetic report 1</title>"
        "<script>document.title = 'script ran'</script></head><body>"
        f"<nav>{nav}</nav><article><h1>Synthetic report on Country 17</h1><p>{sentence}</p>{paragraphs}</article>"
        "<footer>Synthetic footer of Publisher 1</footer></body></html>"
    ).encode()


def archived_copy_first(page: str, source_id: int) -> str:
    """The list item of a source whose live link is dead, checked to offer our copy before the dead link."""
    item = re.search(rf"<li>(?:(?!</li>).)*?/sources/{source_id}/archive\.txt.*?</li>", page, re.S)
    assert item is not None, "no list item links our copy"
    assert item.group(0).index("archived-copy") < item.group(0).index("source-link")
    return item.group(0)


def html(body: bytes):
    return answer(200, (("Content-Type", "text/html; charset=utf-8"),), body)


@pytest.fixture(autouse=True)
def eager_tasks():
    """These tests run the queued archiving task in this process, as the embedded default does, with Redis
    configured or not (test_celery_worker.py has a worker process archive and check on the real broker)."""
    from celery import current_app

    eager = current_app.conf.task_always_eager
    current_app.conf.task_always_eager = True
    yield
    current_app.conf.task_always_eager = eager


@pytest.fixture
def site(settings, archive_dir):
    """A local server with one synthetic article (its routes change as the test goes), and the fetcher let in."""
    routes = {"/report": html(article())}
    with serve(routes) as local:
        settings.FETCH_PRIVATE_ALLOWLIST = [local.endpoint]
        settings.LINK_CHECK_TIMEOUT = 5
        yield local, routes


@pytest.fixture
def archived(site, settings, django_capture_on_commit_callbacks) -> Source:
    """A source recorded for the local article, archived by the task queued on commit (run eagerly here)."""
    local, _ = site
    settings.ARCHIVE_ON_RECORD = True
    with django_capture_on_commit_callbacks(execute=True):
        found = services.get_or_create_source(url=local.url("/report"), publisher="Publisher 1", title="Report 1")
    found.obj.refresh_from_db()
    return found.obj


def test_a_recorded_source_is_archived_as_a_warc_with_its_sha256_and_text(archived, site, archive_dir):
    local, _ = site
    capture = SourceCapture.objects.get(source=archived)
    page = article()
    assert capture.sha256 == hashlib.sha256(page).hexdigest()
    assert (capture.http_status, capture.final_url, capture.size) == (200, local.url("/report"), len(page))
    assert archived.last_archived_at == capture.captured_at and capture.history.count() == 1

    with (archive_dir / capture.warc).open("rb") as handle:
        records = list(ArchiveIterator(handle))
    # (Iterating reads each record; read the payload of the response afresh.)
    with (archive_dir / capture.warc).open("rb") as handle:
        response = next(r for r in ArchiveIterator(handle) if r.rec_type == "response")
        assert response.rec_headers.get_header("WARC-Target-URI") == local.url("/report")
        assert response.http_headers.get_statuscode() == "200"
        digest = response.rec_headers.get_header("WARC-Payload-Digest")
        assert response.content_stream().read() == page
    assert [r.rec_type for r in records] == ["warcinfo", "response"]
    assert digest == "sha256:" + base64.b32encode(hashlib.sha256(page).digest()).decode()

    text = (archive_dir / capture.text).read_text()
    assert SENTENCE in text
    assert "script ran" not in text and "<" not in text


def test_readers_get_our_copy_as_plain_text_and_the_warc_to_download(client, archived):
    source_page = client.get(f"/sources/{archived.pk}/").content.decode()
    capture = archived.captures.get()
    assert f"/sources/{archived.pk}/captures/{capture.pk}.txt" in source_page
    assert f"/sources/{archived.pk}/captures/{capture.pk}.warc.gz" in source_page
    assert capture.sha256 in source_page

    for url in (f"/sources/{archived.pk}/archive.txt", f"/sources/{archived.pk}/captures/{capture.pk}.txt"):
        copy = client.get(url)
        assert copy.status_code == 200
        assert copy["Content-Type"] == "text/plain; charset=utf-8"
        assert copy["X-Content-Type-Options"] == "nosniff"
        assert copy["Content-Disposition"].startswith("inline")
        assert "default-src 'self'" in copy["Content-Security-Policy"]
        body = copy.content.decode()
        assert SENTENCE in body and "<script" not in body and capture.sha256 in body

    warc = client.get(f"/sources/{archived.pk}/captures/{capture.pk}.warc.gz")
    assert warc.status_code == 200 and warc["Content-Disposition"].startswith("attachment")
    assert b"".join(warc.streaming_content)[:2] == b"\x1f\x8b"  # gzip
    assert client.get(f"/sources/{archived.pk}/captures/{capture.pk + 1}.txt").status_code == 404


def test_every_list_of_sources_shows_archived_with_a_link_to_the_copy(client, archived):
    actor = ActorFactory()
    statement(actor, ["AO"], "confirms", dt.date(2025, 5, 1), source=archived)
    change("AO", "agreed", dt.date(2025, 5, 1), source=archived)  # its evidence block reads sources from JSON
    copy = f"/sources/{archived.pk}/archive.txt"
    day = f"archived {archived.last_archived_at:%-d %b %Y}"
    country = client.get("/countries/AO/").content.decode()
    assert country.count(copy) >= 3 and day in country  # evidence block, statement, sources of the page
    assert copy in client.get("/countries/AO/panel/").content.decode()
    research = client.get("/sources/").content.decode()
    assert f'href="/sources/{archived.pk}/"' in research and copy in research


def test_a_source_not_archived_says_so_and_has_no_copy(client, db):
    source = services.get_or_create_source(url="https://example.org/synthetic/1", publisher="Publisher 1").obj
    assert SourceCapture.objects.count() == 0
    assert "Not archived yet." in client.get(f"/sources/{source.pk}/").content.decode()
    assert client.get(f"/sources/{source.pk}/archive.txt").status_code == 404


def test_a_bulk_import_queues_one_archiving_task_per_batch(settings, db, django_capture_on_commit_callbacks):
    """The import is not held up by fetching: it queues the new sources' ids, ARCHIVE_BATCH to a task (read back
    from the broker's queue: kombu's in-memory transport here, Redis when REDIS_URL is set)."""
    from celery import current_app

    from agreements.importers import import_records

    from .conftest import SEED

    settings.ARCHIVE_ON_RECORD, settings.ARCHIVE_BATCH = True, 10
    eager = current_app.conf.task_always_eager
    current_app.conf.task_always_eager = False
    try:
        with current_app.connection_for_read() as connection:
            queue = connection.SimpleQueue("celery")
            queue.clear()
            with django_capture_on_commit_callbacks(execute=True):
                import_records(SEED.read_bytes(), name="seed-records.csv")
            sent = []
            while True:
                try:
                    message = queue.get(timeout=1)
                except queue.Empty:
                    break
                if message.headers["task"] == "agreements.tasks.archive_sources":
                    sent.append(message.decode()[0][0])
                message.ack()
            queue.close()
    finally:
        current_app.conf.task_always_eager = eager
    ids = sorted(Source.objects.values_list("pk", flat=True))
    assert sorted(i for batch in sent for i in batch) == ids
    assert all(len(batch) <= 10 for batch in sent) and len(sent) == -(-len(ids) // 10)


# ---------------------------------------------------------------------------------------------------------------
# Drift


def test_whitespace_and_boilerplate_are_not_a_change(archived, site):
    _, routes = site
    routes["/report"] = html(article(nav="Home | Synthetic other section | Contact", spaces="\n\n   \t "))
    assert staleness.check_sources()["drift"] == {"same": 1}
    assert not SourceDrift.objects.exists()


def test_a_changed_page_goes_to_the_editors_queue_with_a_diff(
    client, editor, archived, site, django_capture_on_commit_callbacks
):
    _, routes = site
    routes["/report"] = html(article(CHANGED))
    assert staleness.check_sources()["drift"] == {"changed": 1}
    drift = SourceDrift.objects.get(resolved_at__isnull=True)
    assert drift.source == archived and drift.kind == "changed" and drift.changed_words >= 3
    assert f"-{SENTENCE}" in drift.diff and f"+{CHANGED}" in drift.diff
    assert Source.objects.get(pk=archived.pk).changed_since_archived

    client.force_login(editor)
    queue = client.get("/editor/").content.decode()
    assert f'href="/sources/{archived.pk}/"' in queue and "refused to receive anyone" in queue
    source_page = client.get(f"/sources/{archived.pk}/").content.decode()
    assert "Changed since archived" in source_page
    client.logout()
    change("AO", "agreed", dt.date(2025, 5, 1), source=archived)
    assert "changed since archived" in client.get("/countries/AO/").content.decode()

    # A second check finds the same change: still one entry. Archiving again makes the new text the reference.
    staleness.check_sources()
    assert SourceDrift.objects.filter(resolved_at__isnull=True).count() == 1
    client.force_login(editor)
    with django_capture_on_commit_callbacks(execute=True):  # the task queued on commit runs eagerly here
        assert client.post(f"/editor/source/{archived.pk}/archive/").status_code == 302
    assert archived.captures.count() == 2 and not SourceDrift.objects.filter(resolved_at__isnull=True).exists()
    assert Source.objects.get(pk=archived.pk).drift_found_at is None
    assert staleness.check_sources()["drift"] == {"same": 1}


def test_an_editor_resolves_a_drift_with_a_note(client, editor, archived, site):
    _, routes = site
    routes["/report"] = html(article(CHANGED))
    staleness.check_sources()
    client.force_login(editor)
    client.post(f"/editor/source/{archived.pk}/drift/", {"resolution": ""})
    assert SourceDrift.objects.filter(resolved_at__isnull=True).exists()  # a note is required
    client.post(f"/editor/source/{archived.pk}/drift/", {"resolution": "Synthetic check: the quote is unchanged"})
    drift = SourceDrift.objects.get()
    assert drift.resolved_by == editor and drift.resolution == "Synthetic check: the quote is unchanged"
    assert Source.objects.get(pk=archived.pk).drift_found_at is None


def test_a_removed_page_offers_the_archived_copy_first(client, archived, site):
    _, routes = site
    del routes["/report"]
    assert staleness.check_sources() == {"checked": 1, "dead": 1, "drift": {"gone": 1}}
    drift = SourceDrift.objects.get()
    assert drift.kind == "gone" and drift.detail == "HTTP 404"

    change("AO", "agreed", dt.date(2025, 5, 1), source=archived)
    assert "link dead (HTTP 404" in archived_copy_first(client.get("/countries/AO/").content.decode(), archived.pk)
    assert "Gone since archived" in client.get(f"/sources/{archived.pk}/").content.decode()
    # Archiving a dead page keeps nothing new, and the copy we have stays offered.
    assert archive.archive_sources([archived.pk], force=True)["failed"][0]["problem"] == "HTTP 404"
    assert archived.captures.count() == 1


def test_pages_without_text_are_compared_by_their_bytes(site, settings, django_capture_on_commit_callbacks):
    local, routes = site
    routes["/report.pdf"] = answer(200, (("Content-Type", "application/pdf"),), b"%PDF-1.4 synthetic 1")
    settings.ARCHIVE_ON_RECORD = True
    with django_capture_on_commit_callbacks(execute=True):
        source = services.get_or_create_source(url=local.url("/report.pdf"), publisher="Publisher 1").obj
    assert source.captures.get().text_chars == 0
    assert staleness.check_sources()["drift"] == {"same": 1}
    routes["/report.pdf"] = answer(200, (("Content-Type", "application/pdf"),), b"%PDF-1.4 synthetic 2")
    assert staleness.check_sources()["drift"] == {"changed": 1}


def test_difference_counts_changed_words_after_normalising():
    same = archive.difference("A  b\n\nc\u00a0d", "A b c d", archived_label="a", live_label="b")
    assert same.changed_words == 0 and not same.material
    one = archive.difference("forty people", "forty-one people", archived_label="a", live_label="b")
    assert one.changed_words == 1 and not one.material
    many = archive.difference(SENTENCE, CHANGED, archived_label="a", live_label="b")
    assert many.material and many.diff.startswith("--- a\n+++ b")


def test_admins_see_captures_with_their_history_and_cannot_edit_them(admin_client, archived):
    capture = archived.captures.get()
    assert capture.sha256 in admin_client.get("/admin/agreements/sourcecapture/").content.decode()
    assert admin_client.get(f"/admin/agreements/sourcecapture/{capture.pk}/history/").status_code == 200
    assert admin_client.get("/admin/agreements/sourcecapture/add/").status_code == 403
