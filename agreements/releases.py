"""Dataset releases: numbered, immutable snapshots of the public record that a paper can cite.

`publish()` reads every table (agreements.datapackage) in one consistent snapshot, and when the data differs from
the latest release writes release N+1: a zip holding the CSV files, datapackage.json (Frictionless Data Package,
with each file's size and SHA-256), a CHANGELOG of the records added, changed and retracted since each release (by
table and stable id), CITATION.cff, the licence and SHA256SUMS. The package is validated with the `frictionless`
library before anything is stored; the zip is written once through the storage API and never overwritten.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import hashlib
import io
import json
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from . import datapackage
from .caching import data_changed
from .models import Release, Statement, StatusChange
from .services import storage

TITLE = "Third-Country Tracker: third-country deportation arrangements"
LICENSES = {  # SPDX id → (title, where its text is)
    "CC-BY-4.0": ("Creative Commons Attribution 4.0 International", "https://creativecommons.org/licenses/by/4.0/"),
    "CC-BY-SA-4.0": (
        "Creative Commons Attribution-ShareAlike 4.0 International",
        "https://creativecommons.org/licenses/by-sa/4.0/",
    ),
    "CC0-1.0": ("Creative Commons Zero v1.0 Universal", "https://creativecommons.org/publicdomain/zero/1.0/"),
    "ODbL-1.0": ("Open Data Commons Open Database License v1.0", "https://opendatacommons.org/licenses/odbl/1-0/"),
}
RETRACTABLE: dict[str, Any] = {"statements": Statement, "status_changes": StatusChange}
LOCK = 16_0016  # the advisory lock of release runs


class ReleaseError(Exception):
    """A release could not be published (invalid package, or a file that exists already); nothing was stored."""


def zip_name(number: int) -> str:
    return f"releases/tracker-data-{number}.zip"


def publish(*, validate: bool = True) -> Release | None:
    """Publish the next release, or return None when the data is what the latest release holds."""
    with _one_at_a_time():
        return _publish(validate)


@contextlib.contextmanager
def _one_at_a_time() -> Iterator[None]:
    """Two runs at once would both take the next number: on PostgreSQL they queue on an advisory lock (SQLite
    has one writer anyway)."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [LOCK])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK])


def _publish(validate: bool) -> Release | None:
    snapshot_at, files, counts = _snapshot()
    digest = content_digest(files)
    previous = Release.objects.order_by("-number").first()
    if previous is not None and previous.content_digest == digest:
        return None
    number = previous.number + 1 if previous else 1
    changes = changelog(previous, files) if previous else {"first": True}
    package = _package(files, number=number, snapshot_at=snapshot_at, changes=changes)
    if validate:
        check_package(package)
    data = zip_bytes(package, number=number, moment=snapshot_at)
    return _store(number, data, snapshot_at=snapshot_at, digest=digest, counts=counts, changes=changes)


def _snapshot() -> tuple[dt.datetime, dict[str, bytes], dict[str, int]]:
    """Every table as CSV, read in one transaction (on PostgreSQL a repeatable-read snapshot: one moment)."""
    outer = connection.in_atomic_block  # a test's transaction: the isolation level can no longer be set
    with transaction.atomic():
        if connection.vendor == "postgresql" and not outer:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        snapshot_at = timezone.now()
        files: dict[str, bytes] = {}
        counts: dict[str, int] = {}
        for table in datapackage.TABLES:
            files[table.path], counts[table.name] = datapackage.write_table(table)
    return snapshot_at, files, counts


def content_digest(files: dict[str, bytes]) -> str:
    """SHA-256 over the data files (not the metadata): equal digests, same data."""
    lines = "".join(f"{hashlib.sha256(files[name]).hexdigest()}  {name}\n" for name in sorted(files))
    return hashlib.sha256(lines.encode()).hexdigest()


# ---------------------------------------------------------------------------------------------------------------
# The changelog: records added, changed and retracted, by comparing the CSV files of two releases.


def record_hashes(files: dict[str, bytes]) -> dict[str, str]:
    """Each record's key (`table/id`) → a hash of its own columns and its link rows (derived columns left out)."""
    parts: dict[str, list[str]] = {}
    for table in datapackage.TABLES:
        own = [c.name for c in table.columns if not c.derived]
        for row in csv.DictReader(io.StringIO(files[table.path].decode("utf-8"))):
            if table.owner:
                column, owner = table.owner
                key = f"{owner}/{row[column]}"
            else:
                key = f"{table.name}/{row[table.primary_key[0]]}"
            parts.setdefault(key, []).append(table.name + json.dumps([row[name] for name in own]))
    return {key: hashlib.sha256("\n".join(sorted(rows)).encode()).hexdigest() for key, rows in parts.items()}


def _order(key: str) -> tuple[int, str, int]:
    table, _, pk = key.partition("/")
    position = next((i for i, t in enumerate(datapackage.TABLES) if t.name == table), 99)
    return (position, pk if not pk.isdigit() else "", int(pk) if pk.isdigit() else 0)


def changelog(previous: Release, files: dict[str, bytes]) -> dict[str, Any]:
    """What differs from the previous release: added, changed, retracted (with reasons) and otherwise removed."""
    old, new = record_hashes(read_zip(previous)), record_hashes(files)
    gone = sorted(set(old) - set(new), key=_order)
    reasons: dict[str, str] = {}
    for table, model in RETRACTABLE.items():
        ids = [int(k.partition("/")[2]) for k in gone if k.startswith(table + "/")]
        for pk, reason in model.all_objects.filter(pk__in=ids, retracted_at__isnull=False).values_list(
            "pk", "retraction_reason"
        ):
            reasons[f"{table}/{pk}"] = reason
    return {
        "added": sorted(set(new) - set(old), key=_order),
        "changed": sorted((k for k in new if k in old and new[k] != old[k]), key=_order),
        "retracted": [k for k in gone if k in reasons],
        "removed": [k for k in gone if k not in reasons],
        "reasons": reasons,
    }


def read_zip(release: Release) -> dict[str, bytes]:
    """The data files of a published release (path inside the package → bytes)."""
    with storage().open(release.file, "rb") as handle, zipfile.ZipFile(io.BytesIO(handle.read())) as archive:
        prefix = f"tracker-data-{release.number}/"
        return {
            name.removeprefix(prefix): archive.read(name)
            for name in archive.namelist()
            if name.startswith(prefix + "data/")
        }


def changelog_text(number: int, moment: dt.datetime, changes: dict[str, Any]) -> str:
    """CHANGELOG.md: this release's section, then every earlier release's, newest first."""
    sections = [_section(number, moment, changes)]
    for older in Release.objects.filter(number__lt=number).order_by("-number"):
        sections.append(_section(older.number, older.snapshot_at, older.changes))
    head = (
        "# Changelog: Third-Country Tracker data\n\nRecords are named by table and stable id (`statements/42` is "
        "the row with id 42 in data/statements.csv). Retracted records leave the tables; they are listed here with "
        "the reason. A change of derived columns only (an arrangement's status, a source's latest copy) is not "
        "listed.\n"
    )
    return head + "".join(sections)


def _section(number: int, moment: dt.datetime, changes: dict[str, Any]) -> str:
    out = f"\n## Release {number} ({moment:%Y-%m-%d})\n\n"
    if changes.get("first"):
        return out + "The first release.\n"
    counts = ", ".join(f"{len(changes.get(k, []))} {k}" for k in ("added", "changed", "retracted", "removed"))
    out += f"Since release {number - 1}: {counts}.\n"
    reasons = changes.get("reasons", {})
    for kind in ("added", "changed", "retracted", "removed"):
        if changes.get(kind):
            out += f"\n### {kind.capitalize()}\n\n"
            out += "".join(f"- {k}" + (f" ({reasons[k]})" if k in reasons else "") + "\n" for k in changes[kind])
    return out


# ---------------------------------------------------------------------------------------------------------------
# The package


def _license() -> dict[str, str]:
    spdx = settings.RELEASE_LICENSE
    title, url = LICENSES.get(spdx, (spdx, ""))
    return {"name": spdx, "title": title, **({"path": url} if url else {})}


def _package(files: dict[str, bytes], *, number: int, snapshot_at: dt.datetime, changes: dict) -> dict[str, bytes]:
    """Every file of the release: the data, datapackage.json, CHANGELOG.md, CITATION.cff, LICENSE.txt, SHA256SUMS."""
    licence = _license()
    homepage = f"{settings.SITE_URL}/data/" if settings.SITE_URL else ""
    meta = {"title": f"{TITLE} (release {number})", "license": licence, "homepage": homepage}
    descriptor = datapackage.descriptor(files, number=number, created=snapshot_at, meta=meta)
    citation: dict[str, Any] = {
        "cff-version": "1.2.0",
        "message": "If you use this dataset, please cite this release.",
        "type": "dataset",
        "title": meta["title"],
        "version": str(number),
        "date-released": snapshot_at.date().isoformat(),
        "authors": [{"name": settings.RELEASE_AUTHOR}],
        "license": licence["name"],
    }
    if homepage:
        citation["url"] = homepage
    notice = f"The data in this package is published under {licence['title']} ({licence['name']})."
    if licence.get("path"):
        notice += f"\nThe licence: {licence['path']}"
    out = dict(files)
    out["datapackage.json"] = (json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n").encode()
    out["CHANGELOG.md"] = changelog_text(number, snapshot_at, changes).encode()
    out["CITATION.cff"] = yaml.safe_dump(citation, sort_keys=False, allow_unicode=True).encode()
    out["LICENSE.txt"] = (notice + "\n").encode()
    out["SHA256SUMS"] = "".join(f"{hashlib.sha256(out[name]).hexdigest()}  {name}\n" for name in sorted(out)).encode()
    return out


def check_package(files: dict[str, bytes]) -> None:
    """Validate the package with the frictionless library (schemas, types, keys, sizes and hashes); raise if not."""
    from frictionless import validate  # heavy: imported only when a release is made

    with tempfile.TemporaryDirectory() as tmp:
        for name, data in files.items():
            path = Path(tmp) / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        report = validate(str(Path(tmp) / "datapackage.json"))
    if not report.valid:
        problems = report.flatten(["type", "note"])[:10]
        raise ReleaseError(f"the package is not valid: {problems}")


def zip_bytes(files: dict[str, bytes], *, number: int, moment: dt.datetime) -> bytes:
    """The release as a zip with one folder, its entries in a fixed order and dated at the snapshot."""
    out = io.BytesIO()
    stamp = moment.astimezone(dt.UTC).timetuple()[:6]
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(f"tracker-data-{number}/{name}", date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, files[name])
    return out.getvalue()


def _store(number: int, data: bytes, *, snapshot_at: dt.datetime, digest: str, counts: dict, changes: dict) -> Release:
    """Write the zip once (never over an existing release's file) and record the release."""
    store, name = storage(), zip_name(number)
    if store.exists(name):
        if Release.objects.filter(number=number).exists():
            raise ReleaseError(f"release {number} exists already; releases never change")
        store.delete(name)  # left by a run that died before recording it: never published
    saved = store.save(name, ContentFile(data))
    if saved != name:
        store.delete(saved)
        raise ReleaseError(f"another run wrote release {number} at the same time")
    try:
        with transaction.atomic():
            release = Release.objects.create(
                number=number,
                snapshot_at=snapshot_at,
                file=saved,
                sha256=hashlib.sha256(data).hexdigest(),
                size=len(data),
                content_digest=digest,
                counts=counts,
                changes=changes,
            )
            data_changed()
    except IntegrityError:
        store.delete(saved)
        raise ReleaseError(f"another run published release {number} at the same time") from None
    return release
