"""The deployment files describe something that can run: docker-compose.yml's services, volumes,
commands and health checks point at real paths, real `tmrag` commands and settings and real routes;
deploy/nginx.conf passes `nginx -t`; requirements.lock is the one setup installs and matches
pyproject.toml. (Docker itself cannot run on the test machine; docs/deploy.md says what was run.)"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tmrag.cli import build_parser
from tmrag.config import Settings
from tmrag.web.routes import api

from .conftest import ROOT

COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def _routes() -> set[str]:
    return {getattr(r, "path", "") for r in api.router.routes}


def test_compose_runs_an_indexer_once_and_replicas_behind_a_proxy() -> None:
    assert set(SERVICES) == {"indexer", "app", "proxy"}
    assert SERVICES["indexer"]["restart"] == "no"
    assert SERVICES["app"]["depends_on"]["indexer"]["condition"] == "service_completed_successfully"
    assert SERVICES["proxy"]["depends_on"]["app"]["condition"] == "service_healthy"
    assert SERVICES["app"]["deploy"]["replicas"] >= 2
    assert "ports" not in SERVICES["app"]  # replicas are reached only through the proxy (it trusts X-Forwarded-For)
    assert [p.split(":")[-1] for p in SERVICES["proxy"]["ports"]] == ["80"]


def test_compose_commands_are_real_tmrag_commands_on_the_shared_index() -> None:
    workdir = re.search(r"^WORKDIR (\S+)$", DOCKERFILE, re.M).group(1)
    for name in ("indexer", "app"):
        command = SERVICES[name]["command"]
        assert command[0] == f"{workdir}/.venv/bin/tmrag"
        args = build_parser().parse_args(command[1:])  # exits (fails the test) on an unknown option
        assert args.out == f"{workdir}/indexes"
        mounts = {m.split(":")[1]: m for m in SERVICES[name]["volumes"] if m.split(":")[0] == "indexes"}
        assert set(mounts) == {args.out}  # the named volume is mounted where the command reads and writes
    assert SERVICES["app"]["command"][1] == "serve" and SERVICES["indexer"]["command"][1] == "index"
    assert all(m.endswith(":ro") for m in SERVICES["app"]["volumes"])  # replicas never write the build
    assert set(COMPOSE["volumes"]) == {"indexes"}


def test_compose_settings_bind_mounts_and_health_checks_are_real() -> None:
    for key in SERVICES["app"]["environment"]:
        if key.startswith("TMRAG_"):
            assert key.removeprefix("TMRAG_").lower() in Settings.model_fields, key
    Settings(**{k.removeprefix("TMRAG_").lower(): v for k, v in SERVICES["app"]["environment"].items()
                if k.startswith("TMRAG_")})  # and the values validate
    for service in SERVICES.values():
        for mount in service.get("volumes", []):
            source = mount.split(":")[0]
            if source.startswith("./"):
                assert (ROOT / source).exists(), mount
    routes = _routes()
    check = " ".join(SERVICES["app"]["healthcheck"]["test"])
    assert "/readyz" in check and "/readyz" in routes and ":8000/" in check
    assert "--port 8000" in " ".join(SERVICES["app"]["command"])
    nginx = (ROOT / "deploy/nginx.conf").read_text()
    assert "http://app:8000" in nginx and "listen 80;" in nginx
    assert "/proxy-healthz" in " ".join(SERVICES["proxy"]["healthcheck"]["test"]) and "location = /proxy-healthz" in nginx


def _nginx() -> str | None:
    return os.environ.get("NGINX") or shutil.which("nginx")


@pytest.mark.skipif(_nginx() is None, reason="no nginx binary (set NGINX=path; docs/deploy.md shows how to get one)")
def test_the_nginx_config_passes_nginx_t(tmp_path: Path) -> None:
    # The packaged binary's compiled-in temp paths are system folders: point them at tmp_path.
    temps = " ".join(f"{d}_temp_path {tmp_path / d};" for d in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    conf = tmp_path / "nginx.conf"
    conf.write_text((ROOT / "deploy/nginx.conf").read_text().replace("\nhttp {\n", f"\nhttp {{\n    {temps}\n", 1))
    (tmp_path / "logs").mkdir()
    out = subprocess.run([_nginx(), "-t", "-c", str(conf), "-p", str(tmp_path), "-g", f"pid {tmp_path}/nginx.pid;"],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0 and "test is successful" in out.stderr, out.stderr


def test_the_lock_matches_pyproject_and_leaves_torch_to_setup() -> None:
    lock = (ROOT / "requirements.lock").read_text()
    recorded = re.search(r"^# pyproject-sha256: ([0-9a-f]{64})$", lock, re.M).group(1)
    assert recorded == hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest(), "run `make lock`"
    pins = re.findall(r"^([A-Za-z0-9._-]+)==(\S+)$", lock, re.M)
    names = {n.lower() for n, _ in pins}
    assert len(pins) == len(re.findall(r"^[A-Za-z0-9]", lock, re.M))  # every requirement is an exact pin
    assert "torch" not in names and not any(n.startswith("nvidia") for n in names)  # no CUDA wheels
    assert {"fastapi", "faiss-cpu", "sentence-transformers", "pytest", "uv"} <= names
    setup = (ROOT / "scripts/setup.sh").read_text()
    torch = re.search(r'TORCH_SPEC="\$\{TORCH_SPEC:-(torch==[\d.]+)\}"', setup).group(1)
    assert f"# torch: {torch}" in lock
    assert "requirements.lock" in DOCKERFILE and re.search(r"^lock:\n\t@bash scripts/lock.sh$",
                                                           (ROOT / "Makefile").read_text(), re.M)


def test_setup_refuses_a_lock_older_than_pyproject(tmp_path: Path) -> None:
    for name in ("pyproject.toml", "requirements.lock", "scripts/setup.sh"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, tmp_path / name)
    with (tmp_path / "pyproject.toml").open("a") as f:
        f.write("\n# a dependency added without `make lock`\n")
    out = subprocess.run(["bash", "scripts/setup.sh"], cwd=tmp_path, capture_output=True, text=True, timeout=60,
                         env=os.environ | {"VENV": str(tmp_path / "venv")})
    assert out.returncode == 1 and "pyproject.toml changed" in out.stderr and "make lock" in out.stderr
    assert not (tmp_path / "venv").exists()  # refused before anything was installed
