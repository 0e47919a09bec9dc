"""Run the stack's caching proxy (deploy/nginx.conf) with Debian's nginx on this machine, for the production check
and the proxy drill: the same file, with only the app servers' addresses, the port and the cache and log paths
pointed here. Each replacement must match exactly once, so the file cannot drift from what this runs."""

from __future__ import annotations

import os
import pwd
import re
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

from processes import stop_group

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "deploy" / "nginx.conf"
NGINX = "/usr/sbin/nginx"
UPSTREAM = re.compile(r"^(\s*)server web:8000( [^;]*);$", re.MULTILINE)


def _replace_once(text: str, old: str | re.Pattern[str], new: str) -> str:
    pattern = old if isinstance(old, re.Pattern) else re.compile(re.escape(old))
    result, count = pattern.subn(lambda m: m.expand(new) if isinstance(old, re.Pattern) else new, text)
    if count != 1:
        raise ValueError(f"{CONFIG.name}: expected one {pattern.pattern!r}, found {count}")
    return result


def server_block(upstreams: list[str], port: int, workdir: Path) -> str:
    """deploy/nginx.conf with the app servers (host:port each), the listening port and the paths moved."""
    text = CONFIG.read_text()
    servers = "\n".join(rf"\g<1>server {address}\g<2>;" for address in upstreams)
    text = _replace_once(text, UPSTREAM, servers)
    text = _replace_once(text, "    listen 80;", f"    listen 127.0.0.1:{port};")
    text = _replace_once(text, "/var/cache/nginx/tracker", str(workdir / "cache"))
    return _replace_once(text, "/var/log/nginx/access.log", str(workdir / "access.log"))


def write_config(upstreams: list[str], port: int, workdir: Path) -> Path:
    """A whole nginx.conf (the main context the Debian and Docker images supply, then the server block)."""
    workdir.mkdir(parents=True, exist_ok=True)
    workdir.chmod(0o755)  # nginx's workers (nobody, when started as root) reach the cache through it
    temp = workdir / "temp"
    for directory in (workdir / "cache", temp):
        directory.mkdir(exist_ok=True)
        if os.geteuid() == 0:  # nginx's workers run as nobody when started as root
            nobody = pwd.getpwnam("nobody")
            os.chown(directory, nobody.pw_uid, nobody.pw_gid)
    temps = "\n".join(
        f"    {kind}_temp_path {temp / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    main = f"""daemon off;
worker_processes 2;
pid {workdir / "nginx.pid"};
error_log {workdir / "error.log"} warn;
events {{ worker_connections 2048; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    keepalive_timeout 65;
{temps}
{server_block(upstreams, port, workdir)}
}}
"""
    path = workdir / "nginx.conf"
    path.write_text(main)
    return path


class Nginx:
    """Debian's nginx on `port` in front of `upstreams`, its files (config, cache, logs) in `workdir`."""

    def __init__(self, upstreams: list[str], port: int, workdir: Path):
        self.port, self.workdir = port, workdir
        self.config = write_config(upstreams, port, workdir)
        self.access_log = workdir / "access.log"
        self.error_log = workdir / "error.log"
        checked = subprocess.run(
            [NGINX, "-t", "-q", "-e", str(self.error_log), "-c", str(self.config)], capture_output=True, text=True
        )
        if checked.returncode:
            raise RuntimeError(f"nginx -t: {checked.stderr.strip()}")
        self.process = subprocess.Popen(
            [NGINX, "-e", str(self.error_log), "-c", str(self.config)],
            stdout=subprocess.DEVNULL,
            stderr=(workdir / "nginx.out").open("w"),
            start_new_session=True,
        )

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait(self, path: str = "/healthz/live", timeout: float = 30) -> bool:
        """Until nginx answers `path` with 200 (through an app server); whether it did."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                with urllib.request.urlopen(self.base + path, timeout=2) as response:
                    if response.status == 200:
                        return True
            except OSError:
                pass
            time.sleep(0.3)
        return False

    def stop(self) -> None:
        """Graceful shutdown (SIGQUIT), SIGKILL after 10 s."""
        stop_group(self.process, signal.SIGQUIT, timeout=10)
