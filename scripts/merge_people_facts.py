"""Merge fixtures/people-facts.csv into the demo data: the nationalities and reported totals of the records that
have them, put into the records files' `nationalities` and `people_total` columns exactly as given.

people-facts.csv (a copy of ../shared/records/people-facts.csv) names each record by its file (`seed` or
`sourced`) and `import_ref`, with the words each fact rests on. This script adds the two columns after `people`
when a file lacks them and fills those two cells of the matching rows; no other cell changes, and the files keep
their CSV layout (a round trip through Python's csv module is exact for them, which the script checks first).
It refuses a fact whose record is missing or ambiguous, or a cell that already holds a different value, and
running it again changes nothing:

    python scripts/merge_people_facts.py
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FACTS = ROOT / "fixtures" / "people-facts.csv"
FILES = {"seed": ROOT / "fixtures" / "seed-records.csv", "sourced": ROOT / "fixtures" / "sourced-records.csv"}
NEW_COLUMNS = ("nationalities", "people_total")


def _write(rows: list[list[str]]) -> str:
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def merge(text: str, facts: list[dict[str, str]], name: str) -> str:
    """The records file `text` with the facts merged in (the new columns added after `people` if missing)."""
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if _write(rows) != text:
        raise SystemExit(f"{name}: the file does not round-trip through the csv module; not touching it")
    header = rows[0]
    if not all(column in header for column in NEW_COLUMNS):
        at = header.index("people") + 1
        rows = [[*row[:at], "", "", *row[at:]] for row in rows]
        rows[0][at : at + 2] = NEW_COLUMNS
        header = rows[0]
    ref = header.index("import_ref")
    for fact in facts:
        matches = [row for row in rows[1:] if row[ref] == fact["import_ref"]]
        if len(matches) != 1:
            raise SystemExit(f"{name}: import_ref {fact['import_ref']!r} is on {len(matches)} rows, not one")
        row = matches[0]
        for column in NEW_COLUMNS:
            at, value = header.index(column), fact[column]
            if row[at] not in ("", value):
                raise SystemExit(f"{name}: {fact['import_ref']} already has {column} {row[at]!r}, not {value!r}")
            row[at] = value
    return _write(rows)


def main() -> None:
    with FACTS.open(newline="", encoding="utf-8") as handle:
        facts = list(csv.DictReader(handle))
    unknown = {fact["file"] for fact in facts} - set(FILES)
    if unknown:
        raise SystemExit(f"people-facts.csv names unknown files: {sorted(unknown)}")
    for key, path in FILES.items():
        text = path.read_text(encoding="utf-8")
        merged = merge(text, [fact for fact in facts if fact["file"] == key], path.name)
        if merged != text:
            path.write_text(merged, encoding="utf-8")
        print(f"{path.name}: {sum(fact['file'] == key for fact in facts)} records with people facts", file=sys.stderr)


if __name__ == "__main__":
    main()
