#!/usr/bin/env bash
# Create .venv and install tmrag. Idempotent: a second run with nothing changed takes ~1 s.
# The Dockerfile runs this same script, so the image and `make setup` never drift apart.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
VENV="${VENV:-.venv}"
# Torch is pinned and installed before anything that depends on it, so pip never pulls a
# multi-GB CUDA build. Override for another platform, e.g. TORCH_SPEC="torch==2.13.0+cu126".
TORCH_SPEC="${TORCH_SPEC:-torch==2.13.0}"
STAMP="$VENV/.tmrag-install-stamp"

if [ ! -x "$VENV/bin/python" ]; then
    echo "setup: creating $VENV with $($PYTHON --version)"
    "$PYTHON" -m venv "$VENV"
fi
PIP=("$VENV/bin/python" -m pip --disable-pip-version-check -q)

want="$(cat pyproject.toml; echo "$TORCH_SPEC")"
want_hash="$(printf '%s' "$want" | sha256sum | cut -d' ' -f1)"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want_hash" ]; then
    echo "setup: $VENV is up to date"
    exit 0
fi

echo "setup: installing $TORCH_SPEC"
if [ -n "${TORCH_INDEX_URL:-}" ]; then  # e.g. https://download.pytorch.org/whl/cpu in the Docker image
    "${PIP[@]}" install --index-url "$TORCH_INDEX_URL" "$TORCH_SPEC"
else
    "${PIP[@]}" install "$TORCH_SPEC"
fi
echo "setup: installing tmrag[dev]"
"${PIP[@]}" install -e ".[dev]"
echo "$want_hash" > "$STAMP"
echo "setup: done"
