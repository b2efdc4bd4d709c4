# tmrag: CPU image that serves the chat page and HTTP API on port 8000.
# It runs scripts/setup.sh, the same set-up the Makefile runs (tests/test_packaging.py checks this).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    VENV=/app/.venv \
    TORCH_SPEC="torch==2.13.0"

RUN useradd --create-home --uid 10001 tmrag
WORKDIR /app
COPY --chown=tmrag:tmrag pyproject.toml requirements.lock README.md ./
COPY --chown=tmrag:tmrag scripts ./scripts
COPY --chown=tmrag:tmrag src ./src
COPY --chown=tmrag:tmrag corpus ./corpus
COPY --chown=tmrag:tmrag eval ./eval
USER 10001

# Same script as `make setup`: venv, torch first (the CPU build from PyTorch's index), then every other
# dependency at the version pinned in requirements.lock, then the package.
RUN TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu bash scripts/setup.sh
# The index is built at image build time, so a container is ready as soon as the model loads.
RUN /app/.venv/bin/tmrag corpus check && /app/.venv/bin/tmrag index

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["/app/.venv/bin/python", "-c", "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"]
CMD ["/app/.venv/bin/tmrag", "serve", "--host", "0.0.0.0", "--port", "8000"]
