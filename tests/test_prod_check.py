"""The production check follows the Dockerfile and compose file or fails: the parts that decide that, on small
inputs (the full run is `make prod-check`, in CI)."""

import os
import subprocess
from pathlib import Path

import pytest

from scripts import prod_check
from scripts.prod_check import Image, NotFollowed, RunAs

from .conftest import ROOT, missing


def _image(tmp_path: Path) -> Image:
    return Image(root=tmp_path / "root", python="python3", workdir="/app")


def test_every_instruction_of_the_real_dockerfile_is_followed():
    instructions = prod_check.dockerfile_instructions((ROOT / "Dockerfile").read_text())
    assert [k for k, _ in instructions if not hasattr(Image, f"_do_{k.lower()}")] == []
    assert ("RUN", "pip install --no-cache-dir .") in instructions


@pytest.mark.parametrize(
    "line", ["ADD . /app", "HEALTHCHECK CMD curl -f http://localhost/", "ARG VERSION=1", 'ENTRYPOINT ["sh"]']
)
def test_an_instruction_it_does_not_know_fails_the_build(tmp_path, monkeypatch, line):
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(f"FROM python:3.11-slim\n{line}\n")
    image = _image(tmp_path)
    monkeypatch.setattr(image, "_do_from", lambda arguments, **_: None)  # no virtualenv needed to get that far
    with pytest.raises(NotFollowed, match=line.split()[0]):
        image.build(dockerfile, tmp_path, RunAs())


@pytest.mark.parametrize(
    ("run", "message"),
    [
        ("apt-get install -y curl", "program 'apt-get'"),
        ("pip install . ; rm -rf /", "shell operator ';'"),
        ("pip install . | tee log", "shell operator '|'"),
    ],
)
def test_a_run_step_it_does_not_know_fails(tmp_path, run, message):
    with pytest.raises(NotFollowed, match=message):
        _image(tmp_path)._do_run(run, run_as=RunAs())


def test_run_paths_inside_the_image_move_into_the_temporary_root(tmp_path):
    image = _image(tmp_path)
    image._do_workdir("/app")
    image._do_run("mkdir -p /app/var/x /tmp/y", run_as=RunAs())
    assert (tmp_path / "root/app/var/x").is_dir() and (tmp_path / "root/tmp/y").is_dir()


def test_dockerignore_rules_as_docker_reads_them(tmp_path):
    (tmp_path / ".dockerignore").write_text("var\n**/__pycache__\n*.log\n!keep.log\n")
    for name in ["var/a", "app/var/b", "app/__pycache__/c.pyc", "__pycache__/d", "x.log", "keep.log", "app/y.log"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("synthetic")
    files = prod_check.context_files(tmp_path, prod_check.ignore_rules(tmp_path))
    assert files == [".dockerignore", "app/var/b", "app/y.log", "keep.log"]


def test_copy_lays_files_out_as_the_image_does(tmp_path):
    context = tmp_path / "context"
    for name in ["pyproject.toml", "README.md", "tracker/settings.py", "tracker/sub/x.py"]:
        (context / name).parent.mkdir(parents=True, exist_ok=True)
        (context / name).write_text("synthetic")
    files = prod_check.context_files(context, [])
    image = _image(tmp_path)
    image._do_copy("pyproject.toml README.md ./", context=context, files=files)
    image._do_copy("tracker ./tracker", context=context, files=files)
    laid = sorted(str(p.relative_to(tmp_path / "root")) for p in (tmp_path / "root").rglob("*") if p.is_file())
    assert laid == ["app/README.md", "app/pyproject.toml", "app/tracker/settings.py", "app/tracker/sub/x.py"]
    with pytest.raises(NotFollowed, match="flags"):
        image._do_copy("--from=builder /x ./", context=context, files=files)
    with pytest.raises(NotFollowed, match="not in the build context"):
        image._do_copy("missing ./", context=context, files=files)


def _compose(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "docker-compose.yml"
    path.write_text(text)
    return path


APP = "x-app: &app\n  build: .\n  environment:\n    DATABASE_URL: postgres://u:p@db:5432/x\n"
SERVICES = "  db:\n    image: postgres:16\n  redis:\n    image: redis:7\n"


def test_the_real_compose_file_is_followed():
    services = prod_check.compose_services(ROOT / "docker-compose.yml")
    env = prod_check.compose_environment(services, "web", {"SECRET_KEY": "s" * 60})
    assert env["DATABASE_URL"] == f"{prod_check.PG}/{prod_check.DATABASE}"
    assert env["REDIS_URL"] == prod_check.REDIS
    assert env["SECRET_KEY"] == "s" * 60 and env["HTTPS"] == "0"
    with pytest.raises(NotFollowed, match="SECRET_KEY"):
        prod_check.compose_environment(services, "web", {})


def test_a_missing_service_fails(tmp_path):
    path = _compose(tmp_path, APP + "services:\n" + SERVICES + "  web:\n    <<: *app\n    command: x\n")
    with pytest.raises(NotFollowed, match="'worker' is missing"):
        prod_check.compose_services(path)


def test_a_service_key_it_does_not_follow_fails(tmp_path):
    extra = "  web:\n    <<: *app\n    command: x\n    volumes: ['.:/app']\n"
    rest = "  worker:\n    <<: *app\n    command: x\n  beat:\n    <<: *app\n    command: x\n"
    path = _compose(tmp_path, APP + "services:\n" + SERVICES + extra + rest)
    with pytest.raises(NotFollowed, match="volumes"):
        prod_check.compose_services(path)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("${A}", "1"), ("${B:-x}", "x"), ("${E:-x}", "x"), ("${E-x}", ""), ("$$A", "$A"), ("a${A}b", "a1b")],
)
def test_compose_interpolation(value, expected):
    assert prod_check.interpolate(value, {"A": "1", "E": ""}) == expected


def test_the_compose_env_file_never_enters_the_image():
    rules = prod_check.ignore_rules(ROOT)
    assert prod_check.is_ignored(".env", rules)  # it holds SECRET_KEY
    assert not prod_check.is_ignored("tracker/settings.py", rules)


def test_the_proxy_config_is_what_runs_here(tmp_path):
    """deploy/nginx.conf, pointed at two local app servers, is accepted by Debian's nginx as it is."""
    import local_nginx

    if not os.access(local_nginx.NGINX, os.X_OK):
        missing("nginx", f"nginx not installed at {local_nginx.NGINX} (apt-get install -y nginx-light)")
    config = local_nginx.write_config(["127.0.0.1:8001", "127.0.0.1:8002"], 8003, tmp_path)
    text = config.read_text()
    assert "server 127.0.0.1:8001 max_fails" in text and "server 127.0.0.1:8002 max_fails" in text
    assert "web:8000" not in text and "listen 127.0.0.1:8003;" in text
    checked = subprocess.run([local_nginx.NGINX, "-t", "-e", str(tmp_path / "e.log"), "-c", str(config)])
    assert checked.returncode == 0


def test_a_proxy_that_mounts_another_config_is_not_followed(tmp_path):
    rest = "  web:\n    <<: *app\n    command: x\n  worker:\n    <<: *app\n    command: x\n"
    rest += "  beat:\n    <<: *app\n    command: x\n"
    proxy = "  proxy:\n    image: nginx:1.27\n    volumes: ['./other.conf:/etc/nginx/conf.d/default.conf:ro']\n"
    path = _compose(tmp_path, APP + "services:\n" + SERVICES + rest + proxy)
    with pytest.raises(NotFollowed, match="nginx"):
        prod_check.compose_services(path)
    with pytest.raises(NotFollowed, match="'proxy'"):
        prod_check.compose_services(_compose(tmp_path, APP + "services:\n" + SERVICES + rest))
