"""Playwright driving Debian's Chromium (never a downloaded browser), with a guard against any other host."""

from __future__ import annotations

import gzip
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from .conftest import CHROMIUM, ROOT, missing

ARTIFACTS = Path(os.environ.get("TRACKER_ARTIFACTS", ROOT / "artifacts"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@dataclass
class Visit:
    """What one page did: every request URL, bytes of the responses (gzip-compressed), console problems."""

    host: str
    requests: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    compressed_bytes: int = 0
    navigations: int = 0


@pytest.fixture(scope="session")
def browser() -> Iterator:
    if not Path(CHROMIUM).exists():
        missing("chromium", f"Chromium not installed at {CHROMIUM} (apt-get install -y chromium)")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop in this thread
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def open_page(browser, live_server):
    """open_page(path, width, height) -> (page, visit). Fails the test if the page asks any other host."""
    contexts = []
    visits: list[Visit] = []

    def _open(path: str, width: int = 1440, height: int = 900):
        context = browser.new_context(viewport={"width": width, "height": height})
        contexts.append(context)
        page = context.new_page()
        visit = Visit(host=urlsplit(live_server.url).netloc)
        visits.append(visit)

        def on_request(request):
            visit.requests.append(request.url)
            parts = urlsplit(request.url)
            if parts.scheme in ("http", "https", "ws", "wss") and parts.netloc != visit.host:
                visit.foreign.append(request.url)

        def on_response(response):
            try:
                body = response.body()
            except Exception:  # redirects and aborted requests have no body
                return
            visit.compressed_bytes += len(gzip.compress(body, 6))

        def on_console(message):
            if message.type == "error":
                visit.console_errors.append(message.text)

        def on_dialog(dialog):
            visit.dialogs.append(dialog.message)
            dialog.dismiss()

        def on_frame(frame):
            if frame == page.main_frame:
                visit.navigations += 1

        page.on("request", on_request)
        page.on("response", on_response)
        page.on("console", on_console)
        page.on("dialog", on_dialog)
        page.on("framenavigated", on_frame)
        page.expose_function("__cspViolation", lambda text: visit.csp_violations.append(text))
        page.add_init_script(
            "document.addEventListener('securitypolicyviolation', e => window.__cspViolation("
            "e.violatedDirective + ' ' + e.blockedURI));"
        )
        page.goto(live_server.url + path)
        return page, visit

    yield _open
    for context in contexts:
        context.close()
    for visit in visits:
        assert visit.foreign == [], f"the page requested other hosts: {visit.foreign}"


def save_screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path))
    return path


EDITOR_PASSWORD = "synthetic-test-password-7f3a"


def browser_editor(django_user_model, username: str = "editor-browser"):
    """A member of the editors group who logs in with a password (synthetic), for the browser tests."""
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user(username, password=EDITOR_PASSWORD)
    user.groups.add(Group.objects.get_or_create(name="editors")[0])
    return user


def log_in(page, live_server, next_url: str, username: str = "editor-browser") -> None:
    """Log in through the login page and land on `next_url`."""
    page.goto(f"{live_server.url}/accounts/login/?next={next_url}")
    page.fill("#id_username", username)
    page.fill("#id_password", EDITOR_PASSWORD)
    page.click("form.editor-form button[type=submit]")
    page.wait_for_url(f"**{next_url}")
