"""What the checks, drills and benchmarks do so that nothing they start outlives them: SIGTERM runs their `finally`
blocks, and a Celery process an interrupted run left on a broker database is stopped before the next run uses it."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scripts.processes import running, stop_stray_workers

from .conftest import ROOT

pytestmark = pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="reads /proc (Linux only)")

BROKER = "redis://127.0.0.1:6379/15"  # only a value in an environment here: nothing connects to it


def _sleeper(*argv: str, redis_url: str, own_session: bool = True) -> subprocess.Popen:
    """A process that sleeps, with these words on its command line and REDIS_URL in its environment."""
    return subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(120)", *argv],
        env=os.environ | {"REDIS_URL": redis_url},
        start_new_session=own_session,
    )


def test_a_stray_celery_process_on_the_broker_database_is_stopped_and_nothing_else():
    stray = _sleeper("celery", "-A", "tracker", "worker", redis_url=BROKER)
    other_database = _sleeper("celery", "worker", redis_url="redis://127.0.0.1:6379/14")
    not_celery = _sleeper("gunicorn", redis_url=BROKER)
    own_group = _sleeper("celery", "worker", redis_url=BROKER, own_session=False)  # as if the caller started it
    try:
        time.sleep(0.3)  # each has exec'd: its command line is the one above
        stopped = stop_stray_workers(BROKER, timeout=10)
        assert stray.wait(timeout=5) == -signal.SIGTERM
        assert [line.split()[0] for line in stopped] == [str(stray.pid)]
        assert stopped[0].endswith("celery -A tracker worker")
        for untouched in (other_database, not_celery, own_group):
            assert untouched.poll() is None
    finally:
        for process in (stray, other_database, not_celery, own_group):
            process.kill()
            process.wait(timeout=5)


SCRIPT = """
import subprocess, sys, time
sys.path.insert(0, "scripts")
from processes import exit_on_termination, stop_group
if sys.argv[1] == "handled":
    exit_on_termination()
server = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"], start_new_session=True)
try:
    print(server.pid, flush=True)  # inside the try: the signal comes after it
    time.sleep(120)
finally:
    stop_group(server, timeout=5)
"""


def _server_left_after_sigterm(mode: str) -> tuple[int, bool]:
    """Run a script that starts a server in a group of its own, SIGTERM the script: its exit code, and whether the
    server is still running."""
    script = subprocess.Popen([sys.executable, "-c", SCRIPT, mode], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert script.stdout is not None
    server = int(script.stdout.readline())
    script.send_signal(signal.SIGTERM)
    code = script.wait(timeout=15)
    left = running(server)
    if left:
        os.kill(server, signal.SIGKILL)
    return code, left


def test_a_sigterm_runs_the_finally_blocks_that_stop_what_a_script_started():
    assert _server_left_after_sigterm("handled") == (128 + signal.SIGTERM, False)


def test_without_it_a_sigterm_leaves_the_server_running():
    """The reason for exit_on_termination: Python's default SIGTERM skips `finally`."""
    assert _server_left_after_sigterm("default") == (-signal.SIGTERM, True)
