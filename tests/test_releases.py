"""Dataset releases: `manage.py release` on the demo data writes a Data Package that `frictionless validate` accepts;
the next release's changelog names exactly what was added and retracted; /data/ lists the releases; a release
with no change is not made; and a release's zip never changes."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command

from agreements import releases, services
from agreements.models import Actor, Release, Source, Statement

pytestmark = pytest.mark.django_db
TABLES = {
    "countries",
    "actors",
    "sources",
    "arrangements",
    "statements",
    "status_changes",
    "terms",
    "transfer_nationalities",
    "reported_totals",
    "statement_sources",
    "statement_arrangements",
    "status_change_sources",
}


def release_command() -> str:
    out = io.StringIO()
    call_command("release", stdout=out)
    return out.getvalue()


def unzip(archive_dir: Path, release: Release, into: Path) -> Path:
    data = (archive_dir / release.file).read_bytes()
    assert hashlib.sha256(data).hexdigest() == release.sha256 and len(data) == release.size
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        archive.extractall(into)
    return into / f"tracker-data-{release.number}"


def test_a_release_of_the_demo_data_is_a_valid_data_package(seed, archive_dir, tmp_path):
    assert "Release 1 published" in release_command()
    release = Release.objects.get()
    folder = unzip(archive_dir, release, tmp_path)

    frictionless = Path(sys.executable).parent / "frictionless"
    checked = subprocess.run(
        [str(frictionless), "validate", "datapackage.json"], cwd=folder, capture_output=True, text=True, timeout=300
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr

    package = json.loads((folder / "datapackage.json").read_text())
    assert {r["name"] for r in package["resources"]} == TABLES
    assert package["version"] == "1.0.0" and package["licenses"][0]["name"] == "CC-BY-4.0"
    for resource in package["resources"]:
        data = (folder / resource["path"]).read_bytes()
        assert resource["hash"] == "sha256:" + hashlib.sha256(data).hexdigest() and resource["bytes"] == len(data)
        assert resource["schema"]["fields"] and resource["schema"]["primaryKey"]
    with (folder / "data" / "statements.csv").open() as handle:
        assert len(list(csv.DictReader(handle))) == Statement.objects.count() == release.counts["statements"] > 0

    citation = yaml.safe_load((folder / "CITATION.cff").read_text())
    assert citation["cff-version"] == "1.2.0" and citation["version"] == "1" and citation["authors"]
    assert citation["type"] == "dataset" and citation["date-released"] == release.snapshot_at.date().isoformat()
    for line in (folder / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split("  ")
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest
    assert "The first release." in (folder / "CHANGELOG.md").read_text()


def test_validation_refuses_a_package_that_does_not_hold(seed):
    """The check is the frictionless library's, not ours: a file that no longer matches its hash, or a row whose
    foreign key points nowhere, stops the release."""
    _, files, _ = releases._snapshot()
    package = releases._package(files, number=1, snapshot_at=dt.datetime.now(dt.UTC), changes={"first": True})
    releases.check_package(package)  # as built: valid
    tampered = dict(package)
    tampered["data/actors.csv"] = package["data/actors.csv"] + b"999999,Actor 99,actor-99,,other,\n"
    with pytest.raises(releases.ReleaseError, match="hash"):
        releases.check_package(tampered)
    descriptor = json.loads(package["datapackage.json"])
    lines = package["data/statements.csv"].decode().splitlines()
    header, first = lines[0].split(","), next(csv.reader([lines[1]]))
    first[header.index("actor")] = "999999"
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([header, first, *csv.reader(lines[2:])])
    broken = buffer.getvalue().encode()
    for resource in descriptor["resources"]:
        if resource["name"] == "statements":
            resource["bytes"], resource["hash"] = len(broken), "sha256:" + hashlib.sha256(broken).hexdigest()
    dangling = dict(package, **{"data/statements.csv": broken, "datapackage.json": json.dumps(descriptor).encode()})
    with pytest.raises(releases.ReleaseError, match="foreign-key"):
        releases.check_package(dangling)


def test_the_next_release_names_exactly_what_was_added_and_retracted(seed, archive_dir, client, editor):
    release_command()
    first = Release.objects.get()
    first_bytes = (archive_dir / first.file).read_bytes()
    assert "No change since the latest release" in release_command()
    assert Release.objects.count() == 1

    added = services.log_statement(
        actor=Actor.objects.order_by("pk").first(),
        sending_state="US",
        receiving_countries=["AO"],
        stance="commentary",
        date=dt.date(2025, 6, 1),
        paraphrase="Synthetic paraphrase for a release test.",
        sources=[Source.objects.order_by("pk").first()],
    )
    retracted = Statement.objects.filter(status_changes__isnull=True).exclude(pk=added.pk).order_by("pk").first()
    services.retract_record(obj=retracted, user=editor, reason="Synthetic retraction for a release test")

    assert "Release 2 published" in release_command()
    second = Release.objects.get(number=2)
    assert second.changes["added"] == [f"statements/{added.pk}"]
    assert second.changes["retracted"] == [f"statements/{retracted.pk}"]
    assert second.changes["changed"] == [] and second.changes["removed"] == []
    changelog = zipfile.ZipFile(archive_dir / second.file).read("tracker-data-2/CHANGELOG.md").decode()
    section = changelog.split("## Release 1")[0]
    assert f"- statements/{added.pk}\n" in section
    assert f"- statements/{retracted.pk} (Synthetic retraction for a release test)\n" in section
    assert section.count("\n- ") == 2 and "## Release 1" in changelog

    assert "No change since the latest release" in release_command()
    assert Release.objects.count() == 2
    assert (archive_dir / first.file).read_bytes() == first_bytes  # a release never changes

    page = client.get("/data/").content.decode()
    for release in (first, second):
        assert f"/data/tracker-data-{release.number}.zip" in page and release.sha256 in page
    download = client.get("/data/tracker-data-1.zip")
    assert download.status_code == 200 and download["Cache-Control"] == "public, max-age=31536000, immutable"
    assert hashlib.sha256(b"".join(download.streaming_content)).hexdigest() == first.sha256
    assert client.get("/data/tracker-data-3.zip").status_code == 404


def test_a_release_never_overwrites_a_published_file(seed, archive_dir):
    release = releases.publish()
    assert release is not None
    release.delete()  # as if the row were lost: the file is still release 1's, and a new run must not write over it
    Release.objects.create(
        number=1, snapshot_at=release.snapshot_at, file=release.file, sha256="0" * 64, size=1, content_digest="x"
    )
    before = (archive_dir / release.file).read_bytes()
    with pytest.raises(releases.ReleaseError, match="exists already"):
        releases._store(1, b"other", snapshot_at=release.snapshot_at, digest="y", counts={}, changes={})
    assert (archive_dir / release.file).read_bytes() == before
