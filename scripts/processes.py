"""Stopping what the checks, drills, benchmarks and tests start in process groups of their own."""

from __future__ import annotations

import os
import signal
import subprocess


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
