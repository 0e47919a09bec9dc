"""Production check: carry out the Dockerfile and the compose services without Docker, then probe the stack.

It reads `Dockerfile` and `docker-compose.yml` and follows them step by step: the build context laid out as the
image lays it (`.dockerignore`, each COPY in order) in a temporary root, a fresh virtualenv standing in for the
image's Python, each RUN (a non-editable `pip install .`, collectstatic exactly as written), then the compose
`web`, `worker` and `beat` commands with the compose environment (the x-app anchor; `DATABASE_URL` and
`REDIS_URL` pointed at this machine's PostgreSQL and Redis), as the image's unprivileged user when run as root, and
the `proxy` service's nginx with its mounted deploy/nginx.conf (Debian's nginx; scripts/local_nginx.py).
Anything in either file that it does not know how to follow (an unknown instruction, key, program or service) is
a failure, so the check cannot silently drift from what the image does.

Then, through the proxy as a reader comes, every public page, export, feed, API list, the schema and its docs,
the health checks, the static files the pages reference and the admin login must answer their documented code; an
editor created with `manage.py create_editor` asks for a link check through the web process and the worker must
run it; beat must hand a scheduled task to that worker; the proxy caches what the app lets it, never a session's
answer. Prints a PASS/FAIL table, exits non-zero on any failure, stops what it started.

Environment: PROD_CHECK_PG (postgres://postgres@127.0.0.1:5432), PROD_CHECK_DATABASE (tracker_prod_check, dropped
and created), PROD_CHECK_REDIS (redis://127.0.0.1:6379/11, flushed), PROD_CHECK_PORT (8650: web) and
PROD_CHECK_PROXY_PORT (8651: the proxy). `--keep` keeps the temporary root (logs, the laid-out tree).
"""

from __future__ import annotations

import argparse
import json
import os
import pwd
import re
import secrets
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import psycopg
import redis
import requests
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))  # also when imported as scripts.prod_check (the tests)
from local_nginx import Nginx
from processes import exit_on_termination, stop_group, stop_stray_workers

ROOT = Path(__file__).resolve().parent.parent
PG = os.environ.get("PROD_CHECK_PG", "postgres://postgres@127.0.0.1:5432")
DATABASE = os.environ.get("PROD_CHECK_DATABASE", "tracker_prod_check")
REDIS = os.environ.get("PROD_CHECK_REDIS", "redis://127.0.0.1:6379/11")
PORT = int(os.environ.get("PROD_CHECK_PORT", "8650"))
PROXY_PORT = int(os.environ.get("PROD_CHECK_PROXY_PORT", str(PORT + 1)))
WEB = f"http://127.0.0.1:{PORT}"  # gunicorn itself
BASE = f"http://127.0.0.1:{PROXY_PORT}"  # the proxy in front of it: what readers reach
EDITOR = "prod-check-editor"
# The research lists of the README ("What is in it"); each has CSV and JSON exports and the API list of its name.
LISTS = ["arrangements", "statements", "status-changes", "sources", "actors"]


class NotFollowed(Exception):
    """The Dockerfile or compose file holds something this check does not know how to carry out."""


@dataclass
class Report:
    """The PASS/FAIL table."""

    rows: list[tuple[str, bool, str]] = field(default_factory=list)

    def add(self, name: str, ok: bool, detail: str = "") -> bool:
        """Record (and print) one check; its outcome."""
        self.rows.append((name, ok, detail))
        print(f"  {'PASS' if ok else 'FAIL'}  {name}  {detail}", flush=True)
        return ok

    @property
    def failed(self) -> int:
        return sum(1 for _, ok, _ in self.rows if not ok)

    def table(self) -> str:
        """The whole table, one line a check."""
        width = max(len(name) for name, _, _ in self.rows)
        lines = [f"{'result':6}  {'check':{width}}  detail", "-" * (width + 30)]
        lines += [f"{'PASS' if ok else 'FAIL':6}  {name:{width}}  {detail}" for name, ok, detail in self.rows]
        return "\n".join(lines)


STARTED = time.monotonic()


def log(message: str) -> None:
    print(f"[prod-check {time.monotonic() - STARTED:4.0f} s] {message}", flush=True)


# --- .dockerignore and the build context ------------------------------------------------------------------------


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    """A .dockerignore pattern (Go filepath.Match plus `**`) as a regex over context-relative POSIX paths."""
    out, i = "", 0
    pattern = pattern.strip("/")
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        elif pattern[i] == "[":
            end = pattern.index("]", i)
            out, i = out + pattern[i : end + 1], end + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out + r"\Z")


def ignore_rules(context: Path) -> list[tuple[bool, re.Pattern[str]]]:
    """(exception?, regex) for each line of .dockerignore, in order (the last matching line decides)."""
    path = context / ".dockerignore"
    rules = []
    for raw in path.read_text().splitlines() if path.exists() else []:
        line = raw.strip()
        if line and not line.startswith("#"):
            negate = line.startswith("!")
            rules.append((negate, _pattern_regex(os.path.normpath(line.lstrip("!")))))
    return rules


def is_ignored(relative: str, rules: list[tuple[bool, re.Pattern[str]]]) -> bool:
    """Docker excludes a path when it, or a directory above it, matches (exceptions with `!`)."""
    parts = relative.split("/")
    candidates = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    ignored = False
    for negate, regex in rules:
        if any(regex.match(candidate) for candidate in candidates):
            ignored = not negate
    return ignored


def context_files(context: Path, rules: list[tuple[bool, re.Pattern[str]]]) -> list[str]:
    """Every file of the build context that `docker build` would send, context-relative."""
    files = []
    for directory, dirnames, filenames in os.walk(context):
        rel_dir = os.path.relpath(directory, context)
        prefix = "" if rel_dir == "." else rel_dir + "/"
        dirnames[:] = [d for d in dirnames if not is_ignored(prefix + d, rules)]
        files += [prefix + f for f in filenames if not is_ignored(prefix + f, rules)]
    return sorted(files)


# --- the Dockerfile ---------------------------------------------------------------------------------------------


def dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order; comments dropped, backslash continuations joined."""
    instructions, pending = [], ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line, pending = pending + line, ""
        keyword, _, arguments = line.partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
    return instructions


def _words(arguments: str) -> list[str]:
    """Exec form (a JSON array) or shell words."""
    if arguments.startswith("["):
        return [str(word) for word in json.loads(arguments)]
    return shlex.split(arguments)


@dataclass
class Image:
    """The image being built: a temporary root standing for `/`, the virtualenv standing for its Python."""

    root: Path
    python: str
    env: dict[str, str] = field(default_factory=dict)
    workdir: str = "/"
    user: str | None = None
    created_user: str | None = None
    cmd: list[str] = field(default_factory=list)
    exposed: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def venv(self) -> Path:
        return self.root / "venv"

    def host(self, container_path: str) -> Path:
        """Where a path inside the image is on this machine."""
        absolute = os.path.normpath(os.path.join(self.workdir, container_path))
        return self.root / absolute.lstrip("/")

    def map_paths(self, text: str) -> str:
        """Absolute paths under the work directory or /tmp, in a command, moved into the temporary root."""
        prefixes = sorted({self.workdir.rstrip("/"), "/tmp"} - {""}, key=len, reverse=True)  # noqa: S108
        pattern = "|".join(re.escape(p) for p in prefixes)
        return re.sub(rf"(?<![\w./-])({pattern})(?=/|\s|$|\"|')", lambda m: str(self.host(m.group(1))), text)

    def base_env(self) -> dict[str, str]:
        """The environment a process in the image starts with (python:*-slim sets LANG; ENV adds the rest)."""
        path = f"{self.venv / 'bin'}:/usr/local/bin:/usr/bin:/bin"
        pip = {k: v for k, v in os.environ.items() if k.startswith("PIP_")}  # this machine's package index
        return {"PATH": path, "LANG": "C.UTF-8", **pip, **self.env}

    def build(self, dockerfile: Path, context: Path, run_as: RunAs) -> None:
        """Carry out every instruction in order; NotFollowed on one this check does not know."""
        instructions = dockerfile_instructions(dockerfile.read_text())
        rules = ignore_rules(context)
        files = context_files(context, rules)
        froms = [args for keyword, args in instructions if keyword == "FROM"]
        if len(froms) != 1:
            raise NotFollowed(f"FROM: expected one stage, found {len(froms)}")
        for keyword, arguments in instructions:
            handler = getattr(self, f"_do_{keyword.lower()}", None)
            if handler is None:
                raise NotFollowed(f"Dockerfile instruction {keyword} is not one this check follows")
            log(f"{keyword} {arguments}")
            handler(arguments, context=context, files=files, run_as=run_as)

    def _do_from(self, arguments: str, **_: Any) -> None:
        match = re.fullmatch(r"python:(\d+\.\d+)[\w.-]*", arguments)
        if not match:
            raise NotFollowed(f"FROM {arguments}: only python:<version> images are followed")
        version = match.group(1)
        # A real interpreter that the image's user can run (not a version manager's shim under /root).
        candidates = [f"/usr/local/bin/python{version}", f"/usr/bin/python{version}", shutil.which(f"python{version}")]
        wanted = next((c for c in candidates if c and os.access(c, os.X_OK)), None)
        self.notes.append(
            f"FROM {arguments}: " + (f"{wanted}" if wanted else f"python{version} not here, {self.python}")
        )
        subprocess.run([wanted or self.python, "-m", "venv", str(self.venv)], check=True)

    def _do_env(self, arguments: str, **_: Any) -> None:
        words = shlex.split(arguments)
        if words and "=" not in words[0]:  # legacy form: ENV NAME value
            self.env[words[0]] = " ".join(words[1:])
            return
        self.env |= dict(word.split("=", 1) for word in words)

    def _do_workdir(self, arguments: str, **_: Any) -> None:
        self.workdir = os.path.normpath(os.path.join(self.workdir, arguments))
        self.host(".").mkdir(parents=True, exist_ok=True)

    def _do_copy(self, arguments: str, *, context: Path, files: list[str], **_: Any) -> None:
        words = _words(arguments)
        if any(word.startswith("--") for word in words):
            raise NotFollowed(f"COPY {arguments}: flags are not followed")
        *sources, destination = words
        into_directory = destination.endswith("/") or destination in (".", "./") or len(sources) > 1
        for source in sources:
            source = os.path.normpath(source)
            if source == ".":
                chosen = [(f, f) for f in files]
            elif (context / source).is_dir():
                chosen = [(f, f[len(source) + 1 :]) for f in files if f.startswith(source + "/")]
            elif source in files:
                name = os.path.basename(source) if into_directory else ""
                chosen = [(source, name)]
            else:
                raise NotFollowed(f"COPY {source}: not in the build context (or excluded by .dockerignore)")
            for relative, inside in chosen:
                target = self.host(os.path.join(destination, inside) if inside else destination)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(context / relative, target)

    def _do_run(self, arguments: str, *, run_as: RunAs, **_: Any) -> None:
        words = _words(self.map_paths(arguments))
        commands: list[list[str]] = [[]]
        for word in words:
            if word == "&&":
                commands.append([])
            elif word in {";", "|", "||", "&", ">", ">>", "<"}:
                raise NotFollowed(f"RUN {arguments}: shell operator {word!r} is not followed")
            else:
                commands[-1].append(word)
        for command in commands:
            self._run_one(command, arguments, run_as)

    def _run_one(self, command: list[str], line: str, run_as: RunAs) -> None:
        assignments = {}
        while command and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", command[0]):
            name, _, value = command.pop(0).partition("=")
            assignments[name] = value
        program, *arguments = command or [""]
        env = self.base_env() | {"HOME": os.environ.get("HOME", "/root")} | assignments  # builds run as root
        if program in {"pip", "python", "python3"}:
            if "--no-cache-dir" in arguments:  # the image stays small; here the warm cache saves minutes
                arguments.remove("--no-cache-dir")
            subprocess.run([program, *arguments], cwd=self.host("."), env=env, check=True)
        elif program == "mkdir":
            subprocess.run([program, *arguments], cwd=self.host("."), env=env, check=True)
        elif program == "useradd":
            self.created_user = arguments[-1]
            self.notes.append(f"useradd {self.created_user}: its processes run as {run_as.describe()}")
        elif program == "chown" and len(arguments) >= 2 and arguments[0] == self.created_user:
            for path in arguments[1:]:
                run_as.give(Path(path))
        else:
            raise NotFollowed(f"RUN {line}: program {program!r} is not one this check follows")

    def _do_user(self, arguments: str, **_: Any) -> None:
        if arguments not in {self.created_user, "root"}:
            raise NotFollowed(f"USER {arguments}: not the user the Dockerfile created")
        self.user = arguments

    def _do_expose(self, arguments: str, **_: Any) -> None:
        self.exposed += [int(word.split("/")[0]) for word in arguments.split()]

    def _do_cmd(self, arguments: str, **_: Any) -> None:
        self.cmd = _words(arguments)
        self.notes.append("CMD not run: each compose service gives its command")


class RunAs:
    """The image's unprivileged user: `nobody` when this check runs as root, else the current user."""

    def __init__(self) -> None:
        self.entry = None
        if os.geteuid() == 0:
            try:
                self.entry = pwd.getpwnam("nobody")
            except KeyError:
                self.entry = None

    def describe(self) -> str:
        """Who the image's processes run as here."""
        return self.entry.pw_name if self.entry else f"the current user ({pwd.getpwuid(os.getuid()).pw_name})"

    def give(self, path: Path) -> None:
        """`chown <the image's user> path`."""
        if self.entry:
            os.chown(path, self.entry.pw_uid, self.entry.pw_gid)

    def prefix(self, image: Image) -> list[str]:
        """The command prefix that drops to the image's user (after USER), or nothing."""
        if not self.entry or image.user in (None, "root"):
            return []
        return ["setpriv", f"--reuid={self.entry.pw_uid}", f"--regid={self.entry.pw_gid}", "--clear-groups", "--"]


# --- docker-compose.yml ------------------------------------------------------------------------------------------

APP_KEYS = {"build", "image", "environment", "depends_on", "restart", "command", "ports", "expose", "volumes"}
SERVICE_KEYS = {"image", "environment", "volumes", "healthcheck", "command"}
PROXY_KEYS = {"image", "volumes", "depends_on", "ports", "restart"}
PROXY_MOUNT = "./deploy/nginx.conf:/etc/nginx/conf.d/default.conf:ro"
INTERPOLATION = re.compile(r"\$\$|\$\{(?P<name>\w+)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}|\$(?P<bare>\w+)")


def interpolate(value: str, variables: dict[str, str]) -> str:
    """Compose's `${NAME}`, `${NAME:-default}`, `${NAME-default}`, `${NAME:?error}`, `$$`."""

    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group("name") or match.group("bare")
        op, arg = match.group("op"), match.group("arg") or ""
        present = name in variables and (variables[name] != "" or not (op or "").startswith(":"))
        if present:
            return variables[name]
        if op in (":?", "?"):
            raise NotFollowed(f"compose needs {name}: {arg}")
        return arg if op in (":-", "-") else ""

    return INTERPOLATION.sub(replace, value)


def compose_services(path: Path) -> dict[str, dict[str, Any]]:
    """The services, merge keys resolved; every one and every key of each must be one this check follows."""
    services = yaml.safe_load(path.read_text())["services"]
    for name in ("db", "redis", "web", "worker", "beat"):
        if name not in services:
            raise NotFollowed(f"docker-compose.yml: service {name!r} is missing")
    for name, service in services.items():
        image = str(service.get("image", ""))
        if image.startswith("nginx:"):
            # The proxy: Debian's nginx here, with the one file the image mounts (its whole configuration).
            if set(service) - PROXY_KEYS or service.get("volumes") != [PROXY_MOUNT]:
                raise NotFollowed(f"service {name}: an nginx service is followed only as {PROXY_KEYS}, {PROXY_MOUNT}")
            continue
        known = APP_KEYS if "build" in service else SERVICE_KEYS
        unknown = set(service) - known
        if unknown:
            raise NotFollowed(f"service {name}: keys {sorted(unknown)} are not followed")
        for volume in service.get("volumes", []) if "build" in service else []:
            # A named volume inside the app's directory, shared by the app services: here they all run in one tree.
            source, _, target = str(volume).partition(":")
            if source not in (yaml.safe_load(path.read_text()).get("volumes") or {}) or not target.startswith("/app/"):
                raise NotFollowed(f"service {name}: volumes entry {volume!r} is not a named volume inside /app")
        if "build" not in service and not re.match(r"(postgres|redis):", image):
            raise NotFollowed(f"service {name}: image {image!r} is neither built here nor PostgreSQL/Redis/nginx")
    if not str(services.get("proxy", {}).get("image", "")).startswith("nginx:"):
        raise NotFollowed("docker-compose.yml: service 'proxy' (nginx, the caching proxy readers reach) is missing")
    return services


def compose_environment(services: dict[str, dict[str, Any]], name: str, variables: dict[str, str]) -> dict[str, str]:
    """A service's environment with the operator's .env variables substituted and the URLs naming the compose
    PostgreSQL and Redis services pointed at this machine's."""
    raw = services[name].get("environment") or {}
    if isinstance(raw, list):
        raw = dict(item.split("=", 1) for item in raw)
    env = {key: interpolate(str(value), variables) for key, value in raw.items()}
    for key, value in env.items():
        host = urlsplit(value).hostname if "://" in value else None
        if host in services:
            image = str(services[host].get("image", ""))
            env[key] = f"{PG}/{DATABASE}" if image.startswith("postgres:") else REDIS
    return env


def compose_command(services: dict[str, dict[str, Any]], name: str) -> list[str]:
    """A service's command as words (a string is split as compose splits it: no shell)."""
    command = services[name]["command"]
    return [str(word) for word in command] if isinstance(command, list) else shlex.split(command)


# --- processes ---------------------------------------------------------------------------------------------------


@dataclass
class Process:
    """A started service: its own process group, its output in a log file."""

    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    def text(self) -> str:
        """Everything it has printed so far."""
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def stop(self) -> None:
        """SIGTERM to its process group (gunicorn's and celery's children too), SIGKILL after 20 s."""
        stop_group(self.popen)


def start(name: str, command: list[str], env: dict[str, str], image: Image, run_as: RunAs) -> Process:
    """Start a service in the image's work directory, as the image's user."""
    path = image.root / "logs" / f"{name}.log"
    path.parent.mkdir(exist_ok=True)
    with path.open("wb") as out:
        popen = subprocess.Popen(
            run_as.prefix(image) + command,
            cwd=image.host("."),
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Process(name, popen, path)


def wait_until(predicate: Any, timeout: float, every: float = 0.5) -> bool:
    """Poll until the predicate holds or the timeout passes; whether it held."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every)
    return bool(predicate())


def fresh_services() -> None:
    """Stop any Celery process an interrupted earlier check left on its broker, drop and create the check's
    database, empty its Redis database."""
    stop_stray_workers(REDIS)
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DATABASE}"')
    redis.Redis.from_url(REDIS).flushdb()


def drop_services() -> None:
    """Drop the check's database and empty its Redis database."""
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    redis.Redis.from_url(REDIS).flushdb()


# --- probes ------------------------------------------------------------------------------------------------------


def get(session: requests.Session, path: str, **headers: str) -> requests.Response | None:
    """GET (through the proxy, unless `path` is a whole URL) without following redirects; None when the connection
    failed."""
    try:
        return session.get(urljoin(BASE, path), allow_redirects=False, timeout=30, headers=headers)
    except requests.RequestException:
        return None


def probe(report: Report, session: requests.Session, path: str, expected: int = 200) -> requests.Response | None:
    """GET and report whether the answer is the expected code."""
    response = get(session, path)
    code = response.status_code if response is not None else 0
    detail = f"{code}" + (f" (expected {expected})" if code != expected else "")
    if response is not None and code >= 500:
        detail += f" {response.text[:120]!r}"
    report.add(f"GET {path}", code == expected, detail)
    return response


def static_assets(session: requests.Session, html: str) -> Iterator[str]:
    """/static/ files a page references, and the ES modules those scripts import (the map's module graph)."""
    seen: set[str] = set()
    queue = list(dict.fromkeys(re.findall(r"""["'](/static/[^"'?#\s]+)""", html)))
    while queue:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        yield path
        if path.endswith(".js"):
            response = get(session, path)
            body = response.text if response is not None and response.status_code == 200 else ""
            for module in re.findall(r"""(?:from|import)\s*\(?\s*["'](\.{1,2}/[^"']+)["']""", body):
                queue.append(urlsplit(urljoin(BASE + path, module)).path)


def public_pages(report: Report) -> None:
    """Every public page, list, export, feed and API list, the docs, health checks and logins, as anonymous."""
    session = requests.Session()
    home = probe(report, session, "/")
    for path in static_assets(session, home.text if home is not None else ""):
        probe(report, session, path)
    arrangements = probe(report, session, "/api/v1/arrangements/")
    actors = probe(report, session, "/api/v1/actors/")
    iso2 = "AO"
    if arrangements is not None and arrangements.status_code == 200 and arrangements.json()["results"]:
        iso2 = arrangements.json()["results"][0]["receiving_country"]
    slug = "unknown-actor"
    if actors is not None and actors.status_code == 200 and actors.json()["results"]:
        slug = actors.json()["results"][0]["slug"]
    paths = [
        "/timeline/",
        "/countries/",
        f"/countries/{iso2}/",
        f"/countries/{iso2}/panel/",
        f"/actors/{slug}/",
        "/changes/",
    ]
    paths += ["/styles/status.css"]
    for name in LISTS:
        paths += [f"/{name}/", f"/{name}/export.csv", f"/{name}/export.json"]
    paths += ["/arrangements/export.geojson", "/export/records.csv"]
    paths += ["/feeds/changes/", "/feeds/statements/", "/feeds/arrangements/"]
    paths += [f"/api/v1/{name}/" for name in LISTS if name not in ("arrangements", "actors")]
    paths += ["/api/v1/countries/", "/api/v1/map/", "/api/schema/", "/healthz/live"]
    # The newsroom's: what changed, pictures (resvg with the fonts the package ships), embeds.
    paths += ["/changes/compare/", "/changes/compare/export.csv", "/changes/compare/export.json"]
    paths += ["/map.svg", "/map.png", f"/countries/{iso2}/card.png", "/embed/map/", f"/embed/countries/{iso2}/"]
    for path in paths:
        probe(report, session, path)
    docs = probe(report, session, "/api/docs/")
    for path in static_assets(session, docs.text if docs is not None else ""):
        probe(report, session, path)
    health = probe(report, session, "/healthz")
    status = health.json().get("status") if health is not None and health.status_code == 200 else None
    report.add("/healthz says healthy (database, cache, broker)", status == "healthy", str(status))
    probe(report, session, "/admin/login/")
    probe(report, session, "/accounts/login/")
    probe(report, session, "/editor/", 302)  # anonymous: to the login page
    probe(report, session, "/no-such-page/", 404)


def shared_cacheable(response: requests.Response) -> bool:
    """Whether the app's Cache-Control lets a shared cache store this response."""
    directives = {
        d.strip().split("=")[0].lower(): d.strip() for d in response.headers.get("Cache-Control", "").split(",")
    }
    if {"private", "no-store", "no-cache"} & set(directives) or "Set-Cookie" in response.headers:
        return False
    lifetime = directives.get("s-maxage") or directives.get("max-age") or "=0"
    return int(lifetime.split("=")[1] or 0) > 0


def proxy_caches(report: Report) -> None:
    """The proxy stores what the app's Cache-Control allows (a hashed static file, pages when the app says so) and
    never answers a request carrying a session cookie from its cache."""
    session = requests.Session()
    home = get(session, "/")
    assets = list(static_assets(session, home.text if home is not None else ""))
    for path in ["/", "/api/v1/map/", "/statements/", assets[0] if assets else "/static/missing"]:
        first, second = get(requests.Session(), path), get(requests.Session(), path)
        if first is None or second is None:
            report.add(f"proxy: GET {path} twice", False, "no answer")
            continue
        cacheable = shared_cacheable(first)
        status = second.headers.get("X-Cache-Status", "")
        expected = "HIT" if cacheable else "not HIT"
        report.add(
            f"proxy: {path} cached as its Cache-Control says ({expected} the second time)",
            (status == "HIT") == cacheable,
            f"{status}; Cache-Control: {first.headers.get('Cache-Control', '(none)')}",
        )
    with_session = get(requests.Session(), "/", Cookie="sessionid=prod-check-not-a-session")
    status = with_session.headers.get("X-Cache-Status", "") if with_session is not None else "no answer"
    report.add("proxy: a request with a session cookie bypasses the cache", status == "BYPASS", status)


def log_in(session: requests.Session, username: str, password: str) -> bool:
    """Log in through the login form (CSRF token and all), as a person would."""
    page = session.get(urljoin(BASE, "/accounts/login/"), timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    response = session.post(
        urljoin(BASE, "/accounts/login/"),
        data={"username": username, "password": password, "csrfmiddlewaretoken": token.group(1) if token else ""},
        headers={"Referer": urljoin(BASE, "/accounts/login/")},
        allow_redirects=False,
        timeout=30,
    )
    return response.status_code == 302 and "sessionid" in session.cookies


def worker_runs_a_queued_task(report: Report, password: str, worker: Process) -> None:
    """The editor's "check this source now" goes through the web process to the broker and runs on the worker."""
    session = requests.Session()
    if not report.add(
        f"editor {EDITOR} logs in (created with manage.py create_editor)", log_in(session, EDITOR, password)
    ):
        return
    with psycopg.connect(f"{PG}/{DATABASE}") as conn:
        row = conn.execute(
            "SELECT id FROM agreements_source WHERE last_checked_at IS NULL ORDER BY id LIMIT 1"
        ).fetchone()
    if not report.add("a source never checked", row is not None) or row is None:
        return
    source = row[0]
    response = session.post(
        urljoin(BASE, f"/editor/source/{source}/check/"),
        data={"csrfmiddlewaretoken": session.cookies.get("csrftoken", "")},
        headers={"Referer": urljoin(BASE, "/editor/")},
        allow_redirects=False,
        timeout=30,
    )
    report.add(
        f"POST /editor/source/{source}/check/ (queue a link check)",
        response.status_code == 302,
        str(response.status_code),
    )

    def checked() -> tuple[Any, ...] | None:
        with psycopg.connect(f"{PG}/{DATABASE}") as conn:
            return conn.execute(
                "SELECT last_checked_at, last_http_status, last_check_error FROM agreements_source WHERE id = %s",
                [source],
            ).fetchone()

    done = wait_until(lambda: (checked() or (None,))[0] is not None, timeout=180)  # after what the worker holds
    result = checked() or (None, None, None)
    detail = f"last_checked_at={result[0]} status={result[1]} error={result[2]!r}"
    report.add("the worker ran it (source's last_checked_at set)", done, detail)
    report.add("worker log: check_sources succeeded", logged(worker, "agreements.tasks.check_sources", "succeeded"))


def beat_hands_tasks_to_the_worker(report: Report, beat: Process, worker: Process) -> None:
    """Beat's first due task (flush-pending-tasks every minute; poll-feeds and flag-stale at each quarter hour) is
    sent, received by the worker and run. The worker may first finish what it already holds (the capture of the
    demo data's sources, queued by the import: a deadline of ARCHIVE_TIMEOUT per source), hence the minutes."""
    sent = wait_until(lambda: "Sending due task" in beat.text(), timeout=90, every=1)
    match = re.search(r"Sending due task \S+ \(([\w.]+)\)", beat.text())
    report.add("beat sends a scheduled task", sent, match.group(1) if match else "")
    if not match:
        return
    task = match.group(1)
    received = wait_until(lambda: logged(worker, task, "received"), timeout=180)
    report.add("the worker receives beat's task", received, task if received else _task_lines(worker))
    if received:
        ran = wait_until(lambda: logged(worker, task, "succeeded"), timeout=180)
        report.add("the worker ran beat's task", ran, task if ran else _task_lines(worker))


def logged(worker: Process, task: str, event: str) -> bool:
    """Whether the worker's log has a task line: `task` (its dotted name) `event` (received, succeeded)."""
    return re.search(rf"Task {re.escape(task)}\[[^\]]+\] {event}", worker.text()) is not None


def _task_lines(worker: Process, last: int = 6) -> str:
    """The worker's last task lines (received, succeeded, failed), shortened: why a task has not run yet."""
    lines = re.findall(r"^\[[^\]]+\] (Task \S+ (?:received|succeeded in [\d.]+s|raised.*))", worker.text(), re.M)
    return " | ".join(line[:120] for line in lines[-last:]) or "no task line in the worker's log"


# --- main --------------------------------------------------------------------------------------------------------


def tail(process: Process, lines: int = 30) -> str:
    """The last lines of a service's output, indented."""
    return "\n".join(f"    {line}" for line in process.text().splitlines()[-lines:])


def run(image: Image, report: Report, run_as: RunAs) -> None:
    """Build, start the compose services, probe, stop: every outcome goes into the report."""
    started = time.monotonic()
    try:
        image.build(ROOT / "Dockerfile", ROOT, run_as)
    except (NotFollowed, subprocess.CalledProcessError) as exc:
        report.add("build: the Dockerfile's steps", False, str(exc))
        return
    report.add("build: the Dockerfile's steps", True, f"{time.monotonic() - started:.0f} s; " + "; ".join(image.notes))
    (image.root / "tmp").mkdir(exist_ok=True)
    (image.root / "tmp").chmod(0o1777)

    try:
        services = compose_services(ROOT / "docker-compose.yml")
        operator = {"SECRET_KEY": secrets.token_urlsafe(50)}  # the .env the README asks for
        envs = {name: compose_environment(services, name, operator) for name in ("web", "worker", "beat")}
    except NotFollowed as exc:
        report.add("compose: services and environment", False, str(exc))
        return
    exposed = [str(p).split(":")[-1] for p in services["web"].get("ports", []) + services["web"].get("expose", [])]
    report.add("compose: web serves on the port the image exposes", exposed == [str(p) for p in image.exposed])
    published = [str(p) for p in services["proxy"].get("ports", [])]
    report.add(
        "compose: proxy publishes port 80 (nginx.conf listens there)",
        [p.split(":")[-1] for p in published] == ["80"],
        str(published),
    )
    home = {"HOME": str(image.host(".")) if image.user else os.environ.get("HOME", "/root")}
    try:
        fresh_services()
    except (psycopg.Error, redis.RedisError) as exc:
        report.add("PostgreSQL and Redis answer (compose: db and redis healthy)", False, str(exc)[:150])
        return

    processes: list[Process] = []
    try:
        for name in ("web", "worker", "beat"):  # compose starts them together once db and redis are healthy
            command = [image.map_paths(word) for word in compose_command(services, name)]
            command = [re.sub(r"0\.0\.0\.0:(\d+)", f"127.0.0.1:{PORT}", word) for word in command]
            env = image.base_env() | home | envs[name]
            processes.append(start(name, command, env, image, run_as))
        web, worker, beat = processes
        live = WEB + "/healthz/live"
        wait_until(lambda: web.popen.poll() is not None or get(requests.Session(), live), 180)
        answered = web.popen.poll() is None and get(requests.Session(), live)
        if not report.add(
            "web: migrate, import, gunicorn answers", bool(answered), f"{time.monotonic() - started:.0f} s"
        ):
            print(tail(web))
            return
        try:
            proxy = Nginx([f"127.0.0.1:{PORT}"], PROXY_PORT, image.root / "proxy")
        except (RuntimeError, ValueError) as exc:
            report.add("proxy: nginx accepts deploy/nginx.conf", False, str(exc)[:200])
            return
        try:
            if not report.add("proxy: nginx answers through web", proxy.wait(), f"{BASE} -> {WEB}"):
                print(proxy.error_log.read_text()[-2000:])
                return
            report.add("worker ready", wait_until(lambda: "ready." in worker.text(), 60), "")
            public_pages(report)
            proxy_caches(report)
            _run_editor_and_beat(report, image, run_as, home, envs, web, worker, beat)
        finally:
            proxy.stop()
        for process in processes:
            report.add(f"{process.name} still running at the end", process.popen.poll() is None)
    finally:
        for process in processes:
            process.stop()
        if report.failed:
            for process in processes:
                print(f"--- last lines of {process.name} ({process.log})\n{tail(process)}")
        drop_services()


def _run_editor_and_beat(
    report: Report,
    image: Image,
    run_as: RunAs,
    home: dict[str, str],
    envs: dict[str, dict[str, str]],
    web: Process,
    worker: Process,
    beat: Process,
) -> None:
    """The web log clean, an editor's queued task run by the worker, beat's task run by the worker."""
    errors = re.findall(r"^(\w[\w.]*(?:Error|Exception): .+)$", web.text(), re.MULTILINE)
    report.add("web log: no server error", not errors, errors[0][:150] if errors else "")
    editor = subprocess.run(
        [*run_as.prefix(image), "python", "manage.py", "create_editor", EDITOR],
        cwd=image.host("."),
        env=image.base_env() | home | envs["web"],
        capture_output=True,
        text=True,
    )
    password = re.search(r"Password \(shown once\): (\S+)", editor.stdout)
    if report.add(
        "manage.py create_editor (as `docker compose exec web` would)", password is not None, editor.stderr[-200:]
    ):
        worker_runs_a_queued_task(report, password.group(1) if password else "", worker)
    beat_hands_tasks_to_the_worker(report, beat, worker)


def main() -> int:
    """Run the check in a temporary root; the table, and 1 on any failure."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", action="store_true", help="keep the temporary root (tree, virtualenv, logs)")
    args = parser.parse_args()
    exit_on_termination()  # a SIGTERM still stops web, worker, beat and nginx (the finally blocks)
    started = time.monotonic()
    root = Path(tempfile.mkdtemp(prefix="tracker-prod-check-"))
    root.chmod(0o755)  # the image's user must reach the tree, as in the image
    report = Report()
    log(f"image root {root}; database {PG}/{DATABASE}; redis {REDIS}; web on {WEB}, the proxy on {BASE}")
    try:
        run(Image(root=root, python=sys.executable), report, RunAs())
    finally:
        if args.keep:
            log(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    print("\n" + report.table())
    print(f"\nprod-check: {'FAIL' if report.failed else 'PASS'} in {time.monotonic() - started:.0f} s")
    print(f"prod-check: {len(report.rows) - report.failed} passed, {report.failed} failed")
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
