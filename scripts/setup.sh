#!/usr/bin/env bash
# Create .venv and install tmrag with exactly the versions in requirements.lock (`make lock` writes it).
# Idempotent: a second run with nothing changed takes ~1 s.
# The Dockerfile runs this same script, so the image and `make setup` never drift apart.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
VENV="${VENV:-.venv}"
# Torch is pinned and installed before anything that depends on it, so pip never pulls a
# multi-GB CUDA build. Override for another platform, e.g. TORCH_SPEC="torch==2.13.0+cu126".
TORCH_SPEC="${TORCH_SPEC:-torch==2.13.0}"
STAMP="$VENV/.tmrag-install-stamp"
LOCK="${LOCK:-requirements.lock}"

# A lock resolved from another pyproject.toml would install versions nobody tested (or miss a new
# dependency): refuse it, before anything is installed.
locked="$(sed -n 's/^# pyproject-sha256: //p' "$LOCK" 2>/dev/null || true)"
if [ "$locked" != "$(sha256sum pyproject.toml | cut -d' ' -f1)" ]; then
    if [ -n "$locked" ]; then
        echo "setup: $LOCK is out of date: pyproject.toml changed since it was generated." >&2
    else
        echo "setup: $LOCK is missing or has no '# pyproject-sha256:' line." >&2
    fi
    echo "setup: run \`make lock\` (scripts/lock.sh) and commit $LOCK with pyproject.toml." >&2
    exit 1
fi

if [ ! -x "$VENV/bin/python" ]; then
    echo "setup: creating $VENV with $($PYTHON --version)"
    "$PYTHON" -m venv "$VENV"
fi
PIP=("$VENV/bin/python" -m pip --disable-pip-version-check -q)

want="$(cat pyproject.toml "$LOCK"; echo "$TORCH_SPEC")"
want_hash="$(printf '%s' "$want" | sha256sum | cut -d' ' -f1)"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want_hash" ]; then
    echo "setup: $VENV is up to date"
    exit 0
fi

echo "setup: installing $TORCH_SPEC"
if [ -n "${TORCH_INDEX_URL:-}" ]; then  # e.g. https://download.pytorch.org/whl/cpu in the Docker image
    "${PIP[@]}" install --no-deps --index-url "$TORCH_INDEX_URL" "$TORCH_SPEC"
else
    "${PIP[@]}" install --no-deps "$TORCH_SPEC"
fi
echo "setup: installing the pinned dependencies ($LOCK)"
# Torch's own dependencies come from here; naming torch again keeps it from being upgraded.
"${PIP[@]}" install "$TORCH_SPEC" -r "$LOCK"
echo "setup: installing tmrag[dev]"
"${PIP[@]}" install --no-deps -e .  # every dependency came from the lock
"${PIP[@]}" check
echo "$want_hash" > "$STAMP"
echo "setup: done"
