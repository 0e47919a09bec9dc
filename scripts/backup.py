"""Backup and restore of the tracker's database: pg_dump/pg_restore on PostgreSQL, SQLite's backup API on the
embedded default.

    python scripts/backup.py backup [FILE]    # default var/backups/tracker-<UTC time>.{dump,sqlite3}
    python scripts/backup.py restore FILE     # replaces the current database with the backup
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402


def _pg_env() -> tuple[list[str], dict[str, str]]:
    s = connection.settings_dict
    args = ["-h", s["HOST"] or "127.0.0.1", "-p", str(s["PORT"] or 5432), "-U", s["USER"] or "postgres"]
    env = os.environ | ({"PGPASSWORD": s["PASSWORD"]} if s["PASSWORD"] else {})
    return args, env


def backup(target: Path | None) -> Path:
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    if connection.vendor == "postgresql":
        target = target or ROOT / "var" / "backups" / f"tracker-{stamp}.dump"
        target.parent.mkdir(parents=True, exist_ok=True)
        args, env = _pg_env()
        subprocess.run(
            [
                "pg_dump",
                *args,
                "--format=custom",
                "--no-owner",
                "--file",
                str(target),
                connection.settings_dict["NAME"],
            ],
            check=True,
            env=env,
        )
    else:
        target = target or ROOT / "var" / "backups" / f"tracker-{stamp}.sqlite3"
        target.parent.mkdir(parents=True, exist_ok=True)
        source = sqlite3.connect(str(connection.settings_dict["NAME"]))
        with sqlite3.connect(str(target)) as copy:
            source.backup(copy)  # a consistent copy even while the app writes
        source.close()
    return target


def restore(source: Path) -> None:
    if not source.is_file():
        raise SystemExit(f"{source}: no such backup file")
    if connection.vendor == "postgresql":
        args, env = _pg_env()
        connection.close()
        subprocess.run(
            [
                "pg_restore",
                *args,
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--dbname",
                connection.settings_dict["NAME"],
                str(source),
            ],
            check=True,
            env=env,
        )
    else:
        connection.close()
        target = Path(connection.settings_dict["NAME"])
        with sqlite3.connect(str(source)) as backup_db, sqlite3.connect(str(target)) as live:
            backup_db.backup(live)
    from django.core.cache import cache

    with contextlib.suppress(Exception):  # a cache that is down holds nothing to clear
        cache.clear()  # cached reads describe the data before the restore


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in ("backup", "restore"):
        raise SystemExit(__doc__)
    if sys.argv[1] == "backup":
        path = backup(Path(sys.argv[2]) if len(sys.argv) > 2 else None)
        print(f"backup written to {path} ({path.stat().st_size:,} bytes)")
    else:
        if len(sys.argv) < 3:
            raise SystemExit("restore needs the backup file")
        restore(Path(sys.argv[2]))
        print(f"restored from {sys.argv[2]}")


if __name__ == "__main__":
    if shutil.which("pg_dump") is None and os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("pg_dump is not installed (apt-get install -y postgresql-client)")
    main()
