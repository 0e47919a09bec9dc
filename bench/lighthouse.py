"""make lighthouse: Lighthouse scores of pages as production serves them, mobile and desktop presets.

Serves the demo data as the compose stack does (gunicorn, DEBUG off, hashed static files, the caching proxy of
deploy/nginx.conf in front, which compresses), installs npm's `lighthouse` into a cache directory when it is not
there yet (the npm registry, once), and runs it with Debian's Chromium on each URL and preset. Prints the
performance, accessibility, best-practices and SEO scores per URL and preset, and what Lighthouse found wrong on
the map page. Exits non-zero when the map page (`/`) scores under 95 for performance or under 100 for the others
in either preset. A URL that answers 404 is reported and skipped (e.g. a language not served yet).

    python bench/lighthouse.py                      # /, /statements/ and /es/statements/
    python bench/lighthouse.py /countries/ /changes/

Environment: LIGHTHOUSE_PORT (8770: the proxy; gunicorn on the next port), LIGHTHOUSE_CACHE (where npm installs
lighthouse; ~/.cache/tracker-lighthouse), CHROME_PATH (/usr/bin/chromium), LIGHTHOUSE_KEEP_SERVING=1 keeps the
server up after the run (for a look in a browser) until interrupted.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from local_nginx import Nginx  # noqa: E402
from processes import exit_on_termination, stop_group  # noqa: E402

PYTHON = sys.executable
PORT = int(os.environ.get("LIGHTHOUSE_PORT", "8770"))
APP_PORT = PORT + 1
CACHE = Path(os.environ.get("LIGHTHOUSE_CACHE", Path.home() / ".cache" / "tracker-lighthouse"))
CHROME = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
VERSION = "lighthouse@12"
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
PRESETS = ["mobile", "desktop"]
DEFAULT_URLS = ["/", "/statements/", "/es/statements/"]
MAP_TARGETS = {"performance": 95, "accessibility": 100, "best-practices": 100, "seo": 100}


def lighthouse_cli() -> Path:
    """The lighthouse CLI in the cache directory, installed there with npm if missing."""
    cli = CACHE / "node_modules" / "lighthouse" / "cli" / "index.js"
    if not cli.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        print(f"installing {VERSION} into {CACHE} …", flush=True)
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", str(CACHE), VERSION], check=True)
    return cli


def app_env(sqlite: Path) -> dict[str, str]:
    return os.environ | {
        "DEBUG": "0",
        "SECRET_KEY": "lighthouse-only-" + "x" * 60,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "HTTPS": "0",
        "BEHIND_PROXY": "1",
        "SQLITE_PATH": str(sqlite),
        "DATABASE_URL": "",
        "REDIS_URL": "",
        "TRACKER_TESTING": "0",
    }


def prepare(env: dict[str, str]) -> None:
    """The demo data (as `make demo` loads it) and the hashed static files (as the image's collectstatic)."""
    steps = [
        ["migrate", "--noinput", "-v0"],
        ["import_records", "fixtures/seed-records.csv"],
        ["import_records", "fixtures/sourced-records.csv"],
        ["refresh_derived"],
        ["collectstatic", "--noinput", "-v0"],
    ]
    for step in steps:
        subprocess.run([PYTHON, "manage.py", *step], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def status_of(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return 0


def run_lighthouse(cli: Path, url: str, preset: str, out: Path) -> dict:
    """One Lighthouse run; its JSON report."""
    command = [
        "node",
        str(cli),
        url,
        "--quiet",
        "--output=json",
        f"--output-path={out}",
        f"--only-categories={','.join(CATEGORIES)}",
        "--chrome-flags=--headless --no-sandbox --disable-gpu",
    ]
    if preset == "desktop":
        command.append("--preset=desktop")
    subprocess.run(command, env=os.environ | {"CHROME_PATH": CHROME}, check=True, timeout=300)
    return json.loads(out.read_text())


def scores(report: dict) -> dict[str, int]:
    return {name: round((report["categories"][name]["score"] or 0) * 100) for name in CATEGORIES}


def findings(report: dict) -> list[str]:
    """The audits that cost points in a category, with what Lighthouse measured."""
    lines = []
    for name in CATEGORIES:
        for ref in report["categories"][name]["auditRefs"]:
            audit = report["audits"][ref["id"]]
            if ref["weight"] and audit.get("score") is not None and audit["score"] < 1:
                shown = f" ({audit['displayValue']})" if audit.get("displayValue") else ""
                lines.append(f"{name}: {audit['title']}{shown} score {audit['score']}")
    return lines


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> int:
    signal.signal(signal.SIGTERM, _interrupt)  # stopped from outside: still stop the server and the proxy
    urls = sys.argv[1:] or DEFAULT_URLS
    cli = lighthouse_cli()
    work = Path(tempfile.mkdtemp(prefix="tracker-lighthouse-"))
    work.chmod(0o755)
    env = app_env(work / "demo.sqlite3")
    print(f"preparing the demo data in {work} …", flush=True)
    prepare(env)
    log = (work / "gunicorn.log").open("w")
    gunicorn = subprocess.Popen(
        [PYTHON, "-m", "gunicorn", "tracker.wsgi", "--workers", "2", "--bind", f"127.0.0.1:{APP_PORT}"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    proxy = Nginx([f"127.0.0.1:{APP_PORT}"], PORT, work / "nginx")
    results: dict[str, dict[str, dict[str, int]]] = {}
    failures: list[str] = []
    try:
        if not proxy.wait(timeout=60):
            print(f"the server did not answer; see {work}")
            return 2
        for path in urls:
            url = proxy.base + path
            code = status_of(url)
            if code != 200:
                print(f"{path}: HTTP {code}, not scored", flush=True)
                if code != 404:
                    failures.append(f"{path} answered {code}")
                continue
            for preset in PRESETS:
                report = run_lighthouse(cli, url, preset, work / f"report-{preset}-{len(results)}.json")
                results.setdefault(path, {})[preset] = scores(report)
                print(f"{path} [{preset}]: {scores(report)}", flush=True)
                if path == "/":
                    for line in findings(report):
                        print(f"    {line}")
                    for name, target in MAP_TARGETS.items():
                        if scores(report)[name] < target:
                            failures.append(f"/ [{preset}] {name} {scores(report)[name]} < {target}")
        if os.environ.get("LIGHTHOUSE_KEEP_SERVING"):
            print(f"serving {proxy.base}/ until interrupted", flush=True)
            while True:
                time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        proxy.stop()
        stop_group(gunicorn, timeout=30)
        log.close()
    print(f"\n{'url':24} {'preset':8} " + " ".join(f"{name:>14}" for name in CATEGORIES))
    for path, by_preset in results.items():
        for preset, figures in by_preset.items():
            print(f"{path:24} {preset:8} " + " ".join(f"{figures[name]:>14}" for name in CATEGORIES))
    print(f"\nreports in {work}")
    if failures:
        print("FAIL: " + "; ".join(failures))
        return 1
    if "/" in results:
        print("PASS: the map page scores ≥ 95 for performance and 100 for accessibility, best practices and SEO")
    else:
        print("the map page (/) was not measured: nothing to judge")
    return 0


if __name__ == "__main__":
    exit_on_termination()  # a SIGTERM still runs the finally blocks that stop its servers and workers
    sys.exit(main())
