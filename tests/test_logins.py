"""Logins: the lockout is by username and client address together, the proxy's address header is believed only
behind a proxy, there is no self-service password reset, HTTP Basic is off, and editor pages are never cached."""

import base64
import json
import os
import subprocess
import sys

import pytest
from django.contrib.auth.models import Group
from django.core import mail

from agreements.models import StatusChange

from .conftest import ROOT
from .test_api_writes import CHANGE

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


def _editor(django_user_model, username):
    user = django_user_model.objects.create_user(username, password=PASSWORD)
    user.groups.add(Group.objects.get(name="editors"))
    return user


@pytest.fixture
def editors(django_user_model):
    return _editor(django_user_model, "editor-a"), _editor(django_user_model, "editor-b")


def _log_in(client, username, password, address, **headers):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address, **headers)


def test_six_bad_passwords_lock_that_editor_from_that_address_only(client, editors):
    for attempt in range(5):
        assert _log_in(client, "editor-a", f"wrong-{attempt}", "198.51.100.7").status_code == 200, attempt
    assert _log_in(client, "editor-a", "wrong-6", "198.51.100.7").status_code == 429
    assert _log_in(client, "editor-a", PASSWORD, "198.51.100.7").status_code == 429  # even the right password
    assert "_auth_user_id" not in client.session

    assert _log_in(client, "editor-b", PASSWORD, "198.51.100.7").status_code == 302  # another editor, same address
    client.logout()
    assert _log_in(client, "editor-a", PASSWORD, "198.51.100.8").status_code == 302  # the same editor, elsewhere


def test_a_forwarded_for_header_does_not_dodge_the_lockout_without_a_proxy(client, editors):
    for attempt in range(6):
        response = _log_in(
            client, "editor-a", f"wrong-{attempt}", "198.51.100.7", HTTP_X_FORWARDED_FOR=f"203.0.113.{attempt}"
        )
    assert response.status_code == 429
    assert _log_in(client, "editor-a", PASSWORD, "198.51.100.7", HTTP_X_FORWARDED_FOR="203.0.113.99").status_code == 429


CLIENT_ADDRESS = """
import json
from axes.helpers import get_client_ip_address
from django.test import RequestFactory
factory = RequestFactory()
cases = [None, "203.0.113.9", "198.51.100.66, 203.0.113.9", "junk, 203.0.113.9"]
headers = [{} if case is None else {"HTTP_X_FORWARDED_FOR": case} for case in cases]
print(json.dumps([get_client_ip_address(factory.post("/", REMOTE_ADDR="10.0.0.2", **h)) for h in headers]))
"""


def _client_addresses(**env: str) -> list[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "TRACKER_TESTING", "BEHIND_PROXY"}}
    production = {"SECRET_KEY": "logins-test-only-" + "k" * 40, "ALLOWED_HOSTS": "tracker.example.org"}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\n" + CLIENT_ADDRESS],
        env=clean | production | {"DJANGO_SETTINGS_MODULE": "tracker.settings", "TRACKER_TESTING": "0"} | env,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_lockout_address_is_the_connection_without_a_proxy():
    assert _client_addresses() == ["10.0.0.2"] * 4


def test_behind_a_proxy_the_lockout_address_is_the_one_the_proxy_appended():
    # What the proxy appended is the right-most entry; what a client wrote before it is not believed.
    assert _client_addresses(BEHIND_PROXY="1") == ["10.0.0.2", "203.0.113.9", "203.0.113.9", "203.0.113.9"]


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/password_reset/",
        "/accounts/password_reset/done/",
        "/accounts/reset/MQ/set-password/",
        "/accounts/reset/done/",
    ],
)
def test_there_is_no_password_reset(client, editors, path):
    editors[0].email = "editor-a@example.org"
    editors[0].save()
    assert client.get(path).status_code == 404
    assert client.post(path, {"email": "editor-a@example.org"}).status_code == 404
    assert mail.outbox == []


def test_the_admin_login_offers_no_password_reset(client):
    page = client.get("/admin/login/")
    assert page.status_code == 200 and "password_reset" not in page.content.decode()


def _basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def test_basic_authentication_is_ignored_by_default(client, seed, editors):
    before = StatusChange.objects.count()
    response = client.post(
        "/api/v1/status-changes/",
        CHANGE,
        content_type="application/json",
        HTTP_AUTHORIZATION=_basic("editor-a", PASSWORD),
    )
    assert response.status_code == 403
    assert "WWW-Authenticate" not in response
    assert StatusChange.objects.count() == before


def test_the_same_write_with_a_session_is_accepted(client, seed, editors):
    # The control for the test above: the request is a valid editor write; only the way of logging in differs.
    client.force_login(editors[0])
    response = client.post("/api/v1/status-changes/", CHANGE, content_type="application/json")
    assert response.status_code == 201, response.content


@pytest.mark.parametrize(
    "path", ["/editor/", "/editor/statement/", "/editor/status-change/", "/admin/", "/admin/agreements/source/"]
)
def test_editor_pages_are_private_and_never_stored(client, editors, path):
    editors[0].is_staff = editors[0].is_superuser = True
    editors[0].save()
    client.force_login(editors[0])
    response = client.get(path)
    assert response.status_code == 200
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives and "public" not in directives


@pytest.mark.parametrize("path", ["/accounts/login/", "/admin/login/", "/editor/"])
def test_login_pages_and_redirects_are_never_stored(client, path):
    response = client.get(path)
    assert response.status_code in (200, 302)
    assert {"private", "no-store"} <= {d.strip() for d in response["Cache-Control"].split(",")}


def test_the_lockout_answer_is_never_stored(client, editors):
    for attempt in range(6):
        response = _log_in(client, "editor-a", f"wrong-{attempt}", "198.51.100.7")
    assert response.status_code == 429
    assert {"private", "no-store"} <= {d.strip() for d in response["Cache-Control"].split(",")}
