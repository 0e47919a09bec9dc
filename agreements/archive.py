"""The source archive: our own copy of every source, and the check that its live page still says what we kept.

A capture fetches the page through the one fetcher (vetted hops, one deadline, a size cap), keeps the response as a
WARC record (warcio), the SHA-256 of the body and its readable text (trafilatura, the boilerplate left out), and
stores the files through Django's storage API (the "archive" storage: local files, or a bucket by setting). The
daily link check fetches archived sources in full and compares their text with ours (`compare`): a material change
or a page gone puts the source in the editors' queue with a diff. Writes go through agreements.services.archive.
"""

from __future__ import annotations

import base64
import difflib
import hashlib
import http
import logging
import time
import unicodedata
import zlib
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, replace
from io import BytesIO
from typing import Any

from django.conf import settings
from django.utils import timezone

from . import fetcher, services
from .models import Source, SourceCapture
from .services.archive import storage

logger = logging.getLogger(__name__)

DIFF_CHARS = 20_000  # the diff an editor reads, cut here (the copies themselves are whole)
HTML_TYPES = ("text/html", "application/xhtml+xml")
TEXT_TYPES = ("text/plain",)


@dataclass(frozen=True)
class Page:
    """One full fetch of a source: what the fetcher found, and the page's readable text when it has some."""

    result: fetcher.FetchResult
    text: str

    @property
    def usable(self) -> bool:
        """A whole answer with a 2xx status: worth keeping, and worth comparing with our copy."""
        return not self.result.problem and 200 <= (self.result.status or 0) < 300

    @property
    def content_type(self) -> str:
        return (self.result.headers.get("Content-Type") or "").split(";")[0].strip().lower()

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.result.body).hexdigest()


def fetch_page(url: str) -> Page:
    """GET the URL in full (up to ARCHIVE_MAX_BYTES, within ARCHIVE_TIMEOUT) and extract its readable text."""
    result = fetcher.fetch(
        url,
        max_bytes=settings.ARCHIVE_MAX_BYTES,
        deadline=settings.ARCHIVE_TIMEOUT,
        headers={"User-Agent": f"{fetcher.USER_AGENT} (archive)", "Accept": "text/html,text/plain;q=0.9,*/*;q=0.5"},
    )
    if result.truncated:  # the fetcher reads one byte past the cap to know; we keep exactly the cap
        result = replace(result, body=result.body[: settings.ARCHIVE_MAX_BYTES])
    page = Page(result, "")
    return Page(result, readable_text(page) if page.usable else "")


def readable_text(page: Page) -> str:
    """The page's readable text: the article of an HTML page (trafilatura, no navigation or boilerplate), a plain
    text file as it is; "" for anything else (a PDF, an image)."""
    body = _decoded(page.result)
    if body is None:
        return ""
    charset = page.result.headers.get_content_charset() or ""
    if page.content_type in TEXT_TYPES:
        return normalise(body.decode(charset or "utf-8", errors="replace"))
    if page.content_type not in HTML_TYPES and not (not page.content_type and body.lstrip()[:1] == b"<"):
        return ""
    import trafilatura  # imported here: only the workers that archive and check need it

    html: Any = body.decode(charset, errors="replace") if charset else body
    text = trafilatura.extract(html, include_comments=False, include_tables=True, deduplicate=False)
    if not text:  # a page too short for the article heuristics: all of its visible text
        text = trafilatura.html2txt(html)
    return normalise(text or "")


def _decoded(result: fetcher.FetchResult) -> bytes | None:
    """The body without its Content-Encoding (we ask for identity; a server may compress anyway); None when it is
    in an encoding we do not read. Held to the same cap as the body itself."""
    encoding = (result.headers.get("Content-Encoding") or "identity").strip().lower()
    if encoding in ("", "identity"):
        return result.body
    try:
        if encoding in ("gzip", "x-gzip", "deflate"):
            inflater = zlib.decompressobj(wbits=47 if encoding != "deflate" else 15)
            return inflater.decompress(result.body, settings.ARCHIVE_MAX_BYTES)
    except zlib.error:
        return None
    return None


def normalise(text: str) -> str:
    """Text as compared and kept: Unicode NFKC, runs of whitespace as one space, no empty lines."""
    text = unicodedata.normalize("NFKC", text)
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


# ---------------------------------------------------------------------------------------------------------------
# WARC


def warc_bytes(page: Page, captured_at: Any) -> bytes:
    """The response as a gzipped WARC 1.1 file: a warcinfo record, then the response record (status line, headers
    and the body as received) with its SHA-256 payload digest."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    result = page.result
    body = result.body
    out = BytesIO()
    writer = WARCWriter(out, gzip=True, warc_version="1.1")
    writer.write_record(
        writer.create_warcinfo_record("capture.warc.gz", {"software": "Third-Country Tracker (warcio)"})
    )
    # The body is kept de-chunked: the headers say so (its length, no Transfer-Encoding), or a reader would
    # look for chunks that are not there.
    headers = [(k, v) for k, v in result.headers.items() if k.lower() not in ("transfer-encoding", "content-length")]
    headers.append(("Content-Length", str(len(body))))
    status = result.status or 0
    reason = http.HTTPStatus(status).phrase if status in http.HTTPStatus._value2member_map_ else ""
    warc_headers = {
        "WARC-Date": captured_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "WARC-Payload-Digest": "sha256:" + base64.b32encode(hashlib.sha256(body).digest()).decode(),
    }
    if result.truncated:
        warc_headers["WARC-Truncated"] = "length"
    record = writer.create_warc_record(
        result.final_url,
        "response",
        payload=BytesIO(body),
        length=len(body),
        http_headers=StatusAndHeaders(f"{status} {reason}".strip(), headers, protocol="HTTP/1.1"),
        warc_headers_dict=warc_headers,
    )
    writer.write_record(record)
    return out.getvalue()


def read_text(capture: SourceCapture) -> str:
    """The text we kept of a capture."""
    with storage().open(capture.text, "rb") as handle:
        return handle.read().decode("utf-8")


# ---------------------------------------------------------------------------------------------------------------
# Capturing


def archive_sources(source_ids: list[int], *, force: bool = False) -> dict[str, Any]:
    """Capture these sources, LINK_CHECK_CONCURRENCY at a time; without `force`, only those with no copy yet (so a
    redelivered task does the work once). Each capture is saved as soon as its fetch ends."""
    sources = Source.objects.filter(pk__in=source_ids)
    if not force:
        sources = sources.filter(last_archived_at__isnull=True)
    targets = list(sources.order_by("pk").values_list("pk", "url"))
    captured, failed, seconds = 0, [], []
    if not targets:
        return {"captured": 0, "failed": [], "seconds": []}
    pool = ThreadPoolExecutor(max_workers=settings.LINK_CHECK_CONCURRENCY, thread_name_prefix="archive")
    try:
        futures = {pool.submit(_timed_fetch, url): pk for pk, url in targets}
        for future in as_completed(futures):
            page, elapsed = future.result()
            pk = futures[future]
            if not page.usable:  # nothing to keep: the link check says why the link is dead
                failed.append({"source": pk, "problem": page.result.error or f"HTTP {page.result.status}"})
                continue
            # Saved from this thread only: the pool's threads never touch the database.
            now = timezone.now()
            services.record_capture(source_id=pk, page=page, warc=warc_bytes(page, now), captured_at=now)
            captured += 1
            seconds.append(round(elapsed, 3))
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    return {"captured": captured, "failed": failed, "seconds": seconds}


def _timed_fetch(url: str) -> tuple[Page, float]:
    started = time.monotonic()
    page = fetch_page(url)
    return page, time.monotonic() - started


# ---------------------------------------------------------------------------------------------------------------
# Drift


@dataclass(frozen=True)
class Difference:
    """How far the live text is from our copy: words inserted, deleted or replaced, and the diff an editor reads."""

    changed_words: int
    diff: str

    @property
    def material(self) -> bool:
        return self.changed_words >= settings.ARCHIVE_DRIFT_WORDS


def difference(archived: str, live: str, *, archived_label: str, live_label: str) -> Difference:
    """Compare two texts after normalising them (whitespace and Unicode do not count as change)."""
    old, new = normalise(archived), normalise(live)
    matcher = difflib.SequenceMatcher(a=old.split(), b=new.split(), autojunk=False)
    changed = sum(max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal")
    if not changed:
        return Difference(0, "")
    lines = difflib.unified_diff(
        old.splitlines(), new.splitlines(), fromfile=archived_label, tofile=live_label, lineterm="", n=1
    )
    diff = "\n".join(lines)
    if len(diff) > DIFF_CHARS:
        diff = diff[:DIFF_CHARS] + "\n… (diff cut here)"
    return Difference(changed, diff)


def compare(source_id: int, page: Page | None, link_dead: bool, problem: str) -> str:
    """After a link check of an archived source: record drift when its page is gone or its text changed materially
    since our latest copy, and close an open drift when the page reads as archived again. Returns what was found
    ("gone", "changed", "same", or "" when there is nothing to compare)."""
    capture = SourceCapture.objects.filter(source_id=source_id).order_by("-captured_at", "-pk").first()
    if capture is None:
        return ""
    if link_dead or page is None or not page.usable:
        services.record_drift(
            source_id=source_id, capture=capture, kind="gone", detail=problem[:200], changed_words=0, diff=""
        )
        return "gone"
    if page.content_type not in HTML_TYPES + TEXT_TYPES and not capture.text_chars:
        # No text to compare (a PDF, an image): the bytes decide.
        same = page.sha256 == capture.sha256
        found = Difference(0 if same else settings.ARCHIVE_DRIFT_WORDS, "" if same else "The file's bytes differ.")
    else:
        found = difference(
            read_text(capture),
            page.text,
            archived_label=f"archived {capture.captured_at:%Y-%m-%d %H:%M} UTC",
            live_label=f"live {timezone.now():%Y-%m-%d %H:%M} UTC",
        )
    if found.material:
        services.record_drift(
            source_id=source_id,
            capture=capture,
            kind="changed",
            detail=f"{found.changed_words} words differ",
            changed_words=found.changed_words,
            diff=found.diff,
        )
        return "changed"
    services.close_drift(source_id=source_id, resolution="a later check found it as archived")
    return "same"
