"""make drills: reliability drills on PostgreSQL + Redis, each a script with assertions that prints its figures.

Order: bad input, backup/restore, concurrent edits, Redis down, PostgreSQL restart, load, proxy. Exits non-zero if
any drill fails. Needs PostgreSQL and Redis on this machine (it stops and starts both during the drills), wrk and
nginx. One drill alone: `python drills/run.py proxy` (the drill database is prepared first).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, ".")
import drills.common as c
from scripts.processes import exit_on_termination

DRILLS = ["bad_input", "backup_restore", "concurrent_edits", "redis_down", "pg_restart", "load", "proxy"]


def main() -> int:
    if shutil.which("wrk") is None:
        print("wrk is missing: apt-get install -y wrk")
        return 2
    if not os.access("/usr/sbin/nginx", os.X_OK):
        print("nginx is missing: apt-get install -y nginx-light")
        return 2
    chosen = sys.argv[1:] or DRILLS
    started = time.time()
    print(f"Preparing the drill database {c.DB} …", flush=True)
    c.prepare_database()
    failed = []
    for name in chosen:
        print(f"\n=== drill: {name}", flush=True)
        t0 = time.time()
        code = subprocess.run(
            [c.PYTHON, f"drills/{name}.py"], cwd=c.ROOT, env=os.environ | {"PYTHONPATH": "."}
        ).returncode
        print(f"    ({time.time() - t0:.0f} s)", flush=True)
        if code:
            failed.append(name)
    print(
        f"\n{len(chosen) - len(failed)} passed, {len(failed)} failed"
        + (f": {', '.join(failed)}" if failed else "")
        + f" ({time.time() - started:.0f} s)"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    exit_on_termination()  # a SIGTERM still runs the finally blocks that stop its servers and workers
    sys.exit(main())
