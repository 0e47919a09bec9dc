"""Backup and restore round-trip: the records export is identical before and after, on PostgreSQL (pg_dump /
pg_restore) and on the embedded SQLite default (its backup API)."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, ".")
import drills.common as c
from scripts.processes import exit_on_termination


def export(env: dict[str, str]) -> bytes:
    return subprocess.run(
        [c.PYTHON, "manage.py", "export_records"], cwd=c.ROOT, env=env, check=True, capture_output=True
    ).stdout


def backup(action: str, backup_file: Path, env: dict[str, str]) -> None:
    """`make backup` / `make restore FILE=…`, as an operator runs them."""
    command = [c.PYTHON, "scripts/backup.py", action, str(backup_file)]
    subprocess.run(command, cwd=c.ROOT, env=env, check=True, capture_output=True)


def run(env: dict[str, str], backup_file: Path) -> dict:
    before = export(env)
    backup("backup", backup_file, env)
    # Damage the data: retract nothing, just delete rows the way a bad migration or operator error would.
    subprocess.run(
        [
            c.PYTHON,
            "-c",
            (
                "import drills.common as c; import os; import django; django.setup();"
                "from agreements.models import Statement, StatusChange, Arrangement;"
                "Statement.all_objects.all().delete(); StatusChange.all_objects.all().delete()"
            ),
        ],
        cwd=c.ROOT,
        env=env | {"DJANGO_SETTINGS_MODULE": "tracker.settings"},
        check=True,
    )
    damaged = export(env)
    backup("restore", backup_file, env)
    after = export(env)
    return {
        "rows": before.count(b"\n") - 1,
        "damaged_rows": damaged.count(b"\n") - 1,
        "identical_after_restore": before == after,
        "backup_bytes": backup_file.stat().st_size,
    }


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        pg = run(c.env(), Path(tmp) / "drill.dump")
        sqlite_env = c.env() | {"SQLITE_PATH": str(Path(tmp) / "drill.sqlite3"), "DEBUG": "1"}
        sqlite_env.pop("DATABASE_URL")
        sqlite_env.pop("REDIS_URL")
        for step in (["migrate", "--noinput", "-v0"], ["import_records", "fixtures/seed-records.csv"]):
            subprocess.run([c.PYTHON, "manage.py", *step], cwd=c.ROOT, env=sqlite_env, check=True, capture_output=True)
        lite = run(sqlite_env, Path(tmp) / "backup.sqlite3")
    ok = pg["identical_after_restore"] and lite["identical_after_restore"] and pg["damaged_rows"] < pg["rows"]
    return c.report("backup-restore", ok, {"postgresql": pg, "sqlite": lite})


if __name__ == "__main__":
    exit_on_termination()  # a SIGTERM still runs the finally blocks that stop its servers and workers
    sys.exit(main())
