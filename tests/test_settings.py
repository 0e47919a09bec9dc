"""Settings read the environment through helpers that fail loudly."""

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
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "TRACKER_TESTING", "DATABASE_URL", "REDIS_URL"}
    }
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
        "django.core.cache.backends.redis.RedisCache",
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
