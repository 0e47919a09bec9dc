"""Settings read the environment through helpers that fail loudly, and cannot be talked into insecure defaults."""

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from tracker import settings


@pytest.mark.parametrize(("raw", "expected"), [("1", True), ("true", True), ("Off", False), ("", False)])
def test_env_bool(monkeypatch, raw, expected):
    monkeypatch.setenv("X_FLAG", raw)
    assert settings.env_bool("X_FLAG") is expected


def test_env_bool_rejects_nonsense(monkeypatch):
    monkeypatch.setenv("X_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="X_FLAG"):
        settings.env_bool("X_FLAG")


def test_env_int_rejects_nonsense(monkeypatch):
    monkeypatch.setenv("X_INT", "12abc")
    with pytest.raises(ImproperlyConfigured, match="X_INT"):
        settings.env_int("X_INT", 3)


def _load_settings(
    env: dict[str, str],
    shown: str = "s.DATABASES['default']['ENGINE'], s.CACHES['default']['BACKEND']",
) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES}
    return subprocess.run(
        [
            sys.executable,
            "-c",
            f"import tracker.settings as s; print({shown})",
        ],
        env=clean | {"TRACKER_TESTING": "0"} | env,
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
    )


def test_production_requires_a_secret_key():
    result = _load_settings({})
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def test_production_requires_allowed_hosts():
    result = _load_settings({"SECRET_KEY": "s" * 60})
    assert result.returncode != 0 and "ALLOWED_HOSTS" in result.stderr


def test_database_and_redis_urls_select_postgres_and_redis():
    result = _load_settings(
        {
            "DEBUG": "1",
            "DATABASE_URL": "postgres://u@127.0.0.1:5432/x",
            "REDIS_URL": "redis://127.0.0.1:6379/0",
        }
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.postgresql",
        "tracker.cache.RedisCache",
    ]


def test_embedded_default_is_sqlite_and_local_memory():
    result = _load_settings({"DEBUG": "1"})
    assert result.stdout.split() == [
        "django.db.backends.sqlite3",
        "django.core.cache.backends.locmem.LocMemCache",
    ]


def test_a_bad_database_url_fails_loudly():
    result = _load_settings({"DEBUG": "1", "DATABASE_URL": "nonsense://x"})
    assert result.returncode != 0 and "DATABASE_URL" in result.stderr


def _production(env: dict[str, str], code: str) -> subprocess.CompletedProcess:
    """Run `code` after django.setup() in a fresh process with production settings plus `env`."""
    clean = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES}
    production = {"SECRET_KEY": "settings-test-only-" + "k" * 40, "ALLOWED_HOSTS": "tracker.example.org"}
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env=clean | {"DJANGO_SETTINGS_MODULE": "tracker.settings", "TRACKER_TESTING": "0"} | production | env,
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
    )


SETTINGS_VARIABLES = {
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "TRACKER_TESTING",
    "DATABASE_URL",
    "REDIS_URL",
    "HTTPS",
    "BEHIND_PROXY",
    "API_BASIC_AUTH",
}


def test_the_testing_switch_outside_pytest_is_refused_with_debug_off():
    # Even with every production variable set: the switch would otherwise bring the test defaults into production.
    result = _production({"TRACKER_TESTING": "1"}, "print('loaded')")
    assert result.returncode != 0
    assert "TRACKER_TESTING=1 is only for the test suite" in result.stderr


def test_the_testing_switch_never_supplies_the_built_in_key():
    result = _load_settings({"TRACKER_TESTING": "1", "ALLOWED_HOSTS": "tracker.example.org"})
    assert result.returncode != 0
    assert "insecure" not in result.stdout


def test_a_production_process_uses_the_key_it_is_given():
    result = _production({}, "from django.conf import settings as s; print(s.SECRET_KEY)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "settings-test-only-" + "k" * 40


def test_debug_with_the_testing_switch_still_loads():
    result = _load_settings({"DEBUG": "1", "TRACKER_TESTING": "1"})
    assert result.returncode == 0, result.stderr


PROXY_SETTINGS = (
    "from django.conf import settings as s; import json;"
    "print(json.dumps([s.SECURE_PROXY_SSL_HEADER, s.REST_FRAMEWORK['DEFAULT_AUTHENTICATION_CLASSES']]))"
)


def test_the_proxy_header_is_believed_only_behind_a_proxy():
    import json

    alone = _production({}, PROXY_SETTINGS)
    behind = _production({"BEHIND_PROXY": "1"}, PROXY_SETTINGS)
    assert alone.returncode == 0 and behind.returncode == 0, alone.stderr + behind.stderr
    assert json.loads(alone.stdout)[0] is None
    assert json.loads(behind.stdout)[0] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_basic_authentication_only_when_turned_on():
    import json

    default = json.loads(_production({}, PROXY_SETTINGS).stdout)[1]
    turned_on = json.loads(_production({"API_BASIC_AUTH": "1"}, PROXY_SETTINGS).stdout)[1]
    assert default == ["rest_framework.authentication.SessionAuthentication"]
    assert "rest_framework.authentication.BasicAuthentication" in turned_on


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/healthz", "/healthz/live"])
def test_health_checks_are_never_redirected_to_https(client, settings, path):
    settings.SECURE_SSL_REDIRECT = True  # as with HTTPS=1; SECURE_REDIRECT_EXEMPT as the settings module has it
    assert client.get(path).status_code == 200
    assert client.get("/countries/").status_code == 301  # the redirect itself is on


@pytest.mark.django_db
def test_a_forwarded_proto_header_is_not_believed_without_a_proxy(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/countries/", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 301 and response["Location"].startswith("https://")


def _compose_environment(**variables: str) -> dict[str, str]:
    from scripts.prod_check import compose_environment, compose_services

    services = compose_services(settings.BASE_DIR / "docker-compose.yml")
    return compose_environment(services, "web", variables)


@pytest.mark.parametrize("proxy", ["0", "1"])
def test_check_deploy_passes_with_the_compose_environment_and_https(proxy):
    env = _compose_environment(SECRET_KEY="compose-check-deploy-" + "k3y" * 20, HTTPS="1", BEHIND_PROXY=proxy)
    assert env["HTTPS"] == "1" and env["BEHIND_PROXY"] == proxy  # the compose file passes both through
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env={"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/"), **env},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_monthly_release_is_off_unless_asked_for():
    shown = "s.CELERY_BEAT_SCHEDULE.get('publish-release', {}).get('schedule', 'off')"
    assert _load_settings({"DEBUG": "1"}, shown).stdout.strip() == "off"
    monthly = _load_settings({"DEBUG": "1", "RELEASE_MONTHLY": "1"}, shown + ".day_of_month")
    assert monthly.returncode == 0 and monthly.stdout.strip() == "{1}", monthly.stderr


def test_the_archive_storage_is_local_files_or_a_bucket():
    shown = "s.STORAGES['archive']['BACKEND'], s.ARCHIVE_ON_RECORD"
    local = _load_settings({"DEBUG": "1", "ARCHIVE_ROOT": "/tmp/synthetic-archive"}, shown)
    assert local.stdout.split() == ["django.core.files.storage.FileSystemStorage", "False"]
    bucket = _load_settings({"DEBUG": "1", "ARCHIVE_S3_BUCKET": "synthetic-bucket"}, shown)
    try:
        import boto3  # noqa: F401
    except ImportError:  # the s3 extra is not installed: the setting says how to get it
        assert bucket.returncode != 0 and "ARCHIVE_S3_BUCKET" in bucket.stderr and ".[s3]" in bucket.stderr
    else:
        assert bucket.stdout.split() == ["storages.backends.s3.S3Storage", "False"]
