"""Bad input: the importer fuzzed with Hypothesis never crashes (it imports or names the problem), CSV exports
neutralise spreadsheet formulas, and request bodies over the size limit are refused."""

from __future__ import annotations

import csv
import io
import random
import sys

sys.path.insert(0, ".")
import drills.common as c
from scripts.processes import exit_on_termination

c.django_setup()

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from agreements.importers import COLUMNS, ImportError_, import_records  # noqa: E402

SEED = (c.ROOT / "fixtures" / "seed-records.csv").read_bytes()
outcomes = {"imported": 0, "refused_with_problems": 0}
crashes: list[str] = []


def attempt(data: bytes) -> None:
    try:
        import_records(data, dry_run=True, name="fuzz.csv")
        outcomes["imported"] += 1
    except ImportError_ as exc:
        assert exc.problems and all(p.startswith("line ") for p in exc.problems), exc.problems[:3]
        outcomes["refused_with_problems"] += 1
    except Exception as exc:  # a crash: the drill fails
        crashes.append(f"{type(exc).__name__}: {exc}"[:300])


def mutate(data: bytes, rng: random.Random) -> bytes:
    text = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        choice = rng.random()
        position = rng.randrange(len(text)) if text else 0
        if choice < 0.3:
            text[position : position + 1] = bytes([rng.randrange(256)])
        elif choice < 0.5:
            text[position:position] = rng.choice([b'"', b",", b"\n", b"\r\n", b"'=", b'=HYPERLINK("x")', b";;"])
        elif choice < 0.6:
            text[position:position] = b"x" * rng.choice([1000, 20_000, 200_000])
        elif choice < 0.7:
            del text[position : position + rng.randint(1, 40)]
        elif choice < 0.8:
            text = bytearray(
                bytes(text).decode("utf-8", "replace").encode(rng.choice(["latin-1", "utf-16", "cp1252"]), "replace")
            )
        else:
            text[0:0] = b"\xef\xbb\xbf"
    return bytes(text)


cells = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "US",
            "AO",
            "Atlantis",
            "2025-05",
            "2025-13-01",
            "denied",
            "statement",
            "status_change",
            "https://example.org/a",
            "javascript:alert(1)",
            "=1+2",
            "@SUM(A1)",
            "-5",
            "'=x",
            "",
        ]
    ),
)


@settings(max_examples=250, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(st.lists(st.lists(cells, min_size=len(COLUMNS), max_size=len(COLUMNS)), max_size=6), st.booleans())
def fuzz_rows(rows: list[list[str]], with_header: bool) -> None:
    out = io.StringIO()
    writer = csv.writer(out)
    if with_header:
        writer.writerow(COLUMNS)
    writer.writerows(rows)
    attempt(out.getvalue().encode("utf-8", "replace"))


@settings(max_examples=250, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(st.integers(0, 2**32))
def fuzz_mutations(seed: int) -> None:
    attempt(mutate(SEED, random.Random(seed)))


def formulas_neutralised() -> bool:
    from agreements.exporters import csv_lines, list_csv, record_rows
    from agreements.lists import STATEMENTS

    values = {
        "record_type": "statement",
        "sending_state": "US",
        "receiving_country": "AO",
        "date": "2025-01-10",
        "note": '=HYPERLINK("https://example.org")',
        "actor": "Drill actor",
        "actor_kind": "embassy",
        "actor_country": "AO",
        "stance": "denies",
        "quote": "@SUM(1)",
        "source_url": "https://example.org/drill/formula",
        "source_publisher": "+Publisher",
        "source_title": "-Title",
        "import_ref": "drill-formula",
    }
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow([values.get(name, "") for name in COLUMNS])
    row = out.getvalue().rstrip("\n")
    import_records((",".join(COLUMNS) + "\n" + row + "\n").encode(), name="drill.csv")
    records = "".join(csv_lines(record_rows()))
    listed = "".join(list_csv(STATEMENTS, STATEMENTS.filtered(_query("q=Drill"))[1]))
    cells = [cell for text in (records, listed) for r in csv.reader(io.StringIO(text)) for cell in r]
    dangerous = [cell for cell in cells if cell[:1] in ("=", "+", "-", "@")]
    return not dangerous and "'=HYPERLINK" in records and "'@SUM(1)" in listed


def _query(text: str):
    from django.http import QueryDict

    return QueryDict(text)


def body_limit_refused() -> tuple[bool, int]:
    from django.conf import settings as dj
    from django.test import Client

    client = Client(SERVER_NAME="127.0.0.1")
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username=c.EDITOR))
    big = b'{"quote": "' + b"x" * (dj.DATA_UPLOAD_MAX_MEMORY_SIZE + 1) + b'"}'
    response = client.post("/api/v1/statements/", data=big, content_type="application/json")
    upload = client.post("/editor/statement/", {"quote": "y" * (dj.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)})
    return response.status_code in (400, 413) and upload.status_code in (400, 413), response.status_code


def main() -> int:
    fuzz_rows()
    fuzz_mutations()
    formulas = formulas_neutralised()
    limit_ok, status = body_limit_refused()
    figures = {**outcomes, "crashes": len(crashes), "formulas_neutralised": formulas, "oversized_body_status": status}
    for crash in crashes[:5]:
        print("  crash:", crash)
    return c.report("bad-input", not crashes and formulas and limit_ok, figures)


if __name__ == "__main__":
    exit_on_termination()  # a SIGTERM still runs the finally blocks that stop its servers and workers
    sys.exit(main())
