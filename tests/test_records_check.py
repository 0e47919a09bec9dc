"""The records check (manage.py check_records and /editor/records-check/): what a careful editor would fix."""

import io
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agreements.importers import import_records
from agreements.models import Actor, Arrangement, Source, Statement
from agreements.quality import records_check, resemblance_key

from .factories import RECORD_HEADER, bulk_arrangements

pytestmark = pytest.mark.django_db

# A synthetic file (example.org sources) planting a duplicate-looking actor: the same person without the accent.
PLANTED = [
    "statement,US,PA,2025-02-20,,Synthetic paraphrase 1.,,Frank Ábrego,Minister,government_official,PA,confirms,,"
    "https://example.org/planted/1,Publisher 1,,Synthetic 1,2025-02-20,news_report,",
    "statement,US,PA,2025-02-21,,Synthetic paraphrase 2.,,Frank Abrego,,government_official,PA,confirms,,"
    "https://example.org/planted/2,Publisher 2,,Synthetic 2,,news_report,",
]


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("check_records", *args, stdout=out)
    return out.getvalue()


def _count(output: str, title: str) -> int:
    match = re.search(rf"^{re.escape(title)}: (\d+)$", output, re.M)
    assert match, f"{title!r} not in the output"
    return int(match.group(1))


def test_on_the_record_it_prints_every_check_with_its_count(record):
    output = _run()
    current = Arrangement.objects.current()
    assert _count(output, "Arrangements backed by one origin only") == current.filter(sources_count__lte=1).count()
    assert _count(output, "Statuses older than their window") == current.stale().count()
    assert _count(output, "Statements without a verbatim quote") == Statement.objects.filter(quote="").count()
    assert _count(output, "Sources without a publication date") == Source.objects.filter(published=None).count()
    assert _count(output, "Actors without a role") == 2  # "Deportees and their lawyers", "UK Parliament"
    assert _count(output, "Actors that look like duplicates") == 0
    total = int(re.match(r"Records check: (\d+) finding", output).group(1))  # type: ignore[union-attr]
    assert total == sum(len(check.findings) for check in records_check()) > 0
    assert "/editor/status-change/?sending_state=DK&country=RW" in output  # each finding with its link


def test_a_planted_duplicate_actor_is_listed_with_links_to_fix_it(record):
    import_records(("\n".join([RECORD_HEADER, *PLANTED]) + "\n").encode())
    accented, plain = Actor.objects.get(name="Frank Ábrego"), Actor.objects.get(name="Frank Abrego")
    output = _run("--base-url", "https://tracker.example.org/")
    assert _count(output, "Actors that look like duplicates") == 2
    assert (
        f"'Frank Ábrego' (Minister) looks like 'Frank Abrego' — correct: "
        f"https://tracker.example.org/editor/actor/{accented.pk}/correct/" in output
    )
    assert "'Frank Abrego' (no role) looks like 'Frank Ábrego' — correct: " in output
    assert f"/editor/actor/{plain.pk}/correct/" in output
    assert (
        f"Frank Abrego (Government official) — correct: https://tracker.example.org/editor/actor/{plain.pk}/" in output
    )


def test_names_look_alike_despite_accents_case_spacing_punctuation_and_the():
    assert resemblance_key("Frank Ábrego") == resemblance_key("frank  abrego")
    assert resemblance_key("U.S. Department of State") == resemblance_key("US Department of State")
    assert resemblance_key("The Epoch Times") == resemblance_key("Epoch Times")
    assert resemblance_key("Frank Ábrego") != resemblance_key("Franco Ábrego")


def test_the_editor_page_lists_the_same_findings_for_editors_only(client, record, editor_user):
    assert client.get("/editor/records-check/").status_code == 302  # to the log-in page
    client.force_login(editor_user)
    page = client.get("/editor/records-check/").content.decode()
    for check in records_check():
        assert f'<h2 id="check-{check.key}-h">{check.title} <span class="count">({len(check.findings)})</span>' in page
    assert 'href="/editor/status-change/?sending_state=DK&amp;country=RW"' in page


def test_the_editor_page_reads_a_fixed_number_of_queries(client, record, editor_user):
    client.force_login(editor_user)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/editor/records-check/").status_code == 200
        return len(ctx.captured_queries)

    small = queries()
    bulk_arrangements(2000)
    assert queries() == small
