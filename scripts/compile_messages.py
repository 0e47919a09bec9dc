"""Compile the translations (`locale/<lang>/LC_MESSAGES/django.po` -> `.mo`) with Babel: no gettext tools needed.

Run by `make install`, `make run` and `make test` (and the test suite's start) whenever a catalogue is newer than its
compiled file; the compiled files are never committed. A catalogue that does not parse stops the build, naming it.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent


def compile_catalogue(po_path: Path) -> Path:
    """Write the .mo next to one .po (fuzzy entries left out, as msgfmt does)."""
    with po_path.open("rb") as handle:
        catalogue = read_po(handle, abort_invalid=True)
    mo_path = po_path.with_suffix(".mo")
    with mo_path.open("wb") as handle:
        write_mo(handle, catalogue, use_fuzzy=False)
    return mo_path


def stale_catalogues(root: Path = ROOT) -> list[Path]:
    """The catalogues whose compiled file is missing or older than they are."""
    found = []
    for po_path in sorted((root / "locale").glob("*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        if not mo_path.exists() or mo_path.stat().st_mtime < po_path.stat().st_mtime:
            found.append(po_path)
    return found


def main(argv: list[str]) -> int:
    paths = [Path(arg).resolve() for arg in argv] or stale_catalogues()
    for path in paths:
        print(f"compiled {compile_catalogue(path).relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
