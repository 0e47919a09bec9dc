"""Stopping what the checks, drills, benchmarks and tests start in process groups of their own."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterable
from pathlib import Path
from typing import NoReturn


def stop_group(process: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 20) -> None:
    """Send `sig` to the process's group (gunicorn's and celery's children too), SIGKILL if it is not gone in time."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, sig)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def exit_on_termination() -> None:
    """Make SIGTERM and SIGHUP raise SystemExit, so that the caller's `finally` blocks stop what it started.

    The servers and workers a script starts run in process groups of their own: a signal sent to the script's group
    (a CI timeout, `kill -- -PGID`) does not reach them, and by default SIGTERM ends Python without running `finally`.
    They would be left running, a worker still taking tasks from the broker database the next run uses.
    """

    def leave(signum: int, _frame: object) -> NoReturn:
        raise SystemExit(128 + signum)

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, leave)


def stop_stray_workers(redis_url: str, timeout: float = 15) -> list[str]:
    """Stop Celery processes on this broker database that the caller did not start; what was stopped ("pid command").

    Such a process is left by an earlier run that was killed before it could stop it. It would take tasks off the
    queue this run's worker is meant to run (and run them against whatever database it was given). A Celery process
    is one whose command line names celery and whose environment has REDIS_URL=`redis_url`; nothing in the caller's
    own process group is touched. Each one stopped is printed. Linux only (it reads /proc); elsewhere nothing is
    found.
    """
    own_group = os.getpgrp()
    wanted = f"REDIS_URL={redis_url}".encode()
    found: dict[int, str] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            pid = int(entry.name)
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
            environment = (entry / "environ").read_bytes().split(b"\0")
            group = os.getpgid(pid)
        except (OSError, ValueError):  # gone meanwhile, or not ours to read
            continue
        if group != own_group and "celery" in command and wanted in environment:
            found[pid] = f"{pid} {command[:160]}"
    for line in found.values():
        print(
            f"stopped a Celery process on {redis_url} that this run did not start (an interrupted run's?): {line}",
            flush=True,
        )
    _signal(found, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(running(pid) for pid in found):
        time.sleep(0.2)
    _signal(found, signal.SIGKILL)
    return list(found.values())


def _signal(pids: Iterable[int], sig: int) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)


def running(pid: int) -> bool:
    """Running (a zombie, ended but not yet reaped by its parent, is not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"
