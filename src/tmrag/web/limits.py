"""ASGI middlewares at the edge: a request-body cap, HEAD answered like GET, security headers."""

from __future__ import annotations

import base64
import hashlib
import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# A 2,000-character question is at most 24,000 bytes even when every character is an astral one
# that the client's JSON encoder escapes as a 12-byte surrogate pair (json.dumps' default).
MAX_BODY_BYTES = 32 * 1024


class BodySizeLimit:
    """Caps request bodies. It counts the bytes actually received, so a chunked upload
    without Content-Length cannot slip past the limit."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._reject(send)
            return
        seen, exceeded = 0, False

        async def counting_receive() -> Message:
            nonlocal seen, exceeded
            if exceeded:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    # Stop feeding the app: it sees a disconnect, and whatever it answers is dropped.
                    exceeded = True
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            if not exceeded:
                await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            if not exceeded:
                raise
        if exceeded:
            await self._reject(send)

    async def _reject(self, send: Send) -> None:
        body = json.dumps({"error": {"code": "payload_too_large",
                                     "message": f"request body exceeds {self.max_bytes} bytes"}}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


class HeadAsGet:
    """HEAD runs the GET route and drops the body (uptime and link checkers use HEAD); the
    routes stay GET-only in the OpenAPI schema."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        # In place, not a copy: the outer middlewares read the route the router records in the scope.
        scope["method"] = "GET"
        await self.app(scope, receive, headers_only)


def _policy(**directives: str) -> bytes:
    return "; ".join(f"{name.replace('_', '-')} {value}" for name, value in directives.items()).encode()


# The app's own pages load only their own scripts, stylesheet and API. Sent as a header, not a
# <meta> tag: a meta CSP cannot set frame-ancestors and does not cover JSON, errors or static files.
PAGE_CSP = _policy(
    default_src="'self'",  # whatever no directive below names: this origin only
    script_src="'self'",  # app.js and module.js only; the templates have no inline script
    # markdown-it writes style="text-align:…" on aligned table columns; no script runs from CSS
    style_src="'self' 'unsafe-inline'",
    img_src="'self' data:",  # base.html's favicon link is href="data:,"
    connect_src="'self'",  # app.js fetches /ask/stream
    object_src="'none'",  # no plugins (<object>, <embed>)
    base_uri="'none'",  # an injected <base> cannot re-point the pages' relative URLs
    form_action="'self'",  # forms submit only to this origin
    frame_ancestors="'none'",  # no framing: against clickjacking (X-Frame-Options says the same to old browsers)
)


def docs_policies(swagger_inline_script: str) -> dict[str, bytes]:
    """The policies for FastAPIOffline's /docs and /redoc, on those two paths only: the page policy's
    directives, with script, style and worker sources set to what each bundled UI needs to render.
    ``swagger_inline_script`` is the text of the one inline <script> of /docs (the SwaggerUIBundle
    call), allowed by its hash. /docs/oauth2-redirect keeps the page policy: the API has no OAuth2."""
    digest = base64.b64encode(hashlib.sha256(swagger_inline_script.encode()).digest()).decode()
    common = {"default_src": "'self'", "img_src": "'self' data:",  # both UIs draw icons as data: SVGs
              "connect_src": "'self'",  # both fetch /openapi.json
              # the rest as in PAGE_CSP, for the same reasons
              "object_src": "'none'", "base_uri": "'none'", "form_action": "'self'", "frame_ancestors": "'none'"}
    return {
        # Swagger UI: one inline bootstrap script (allowed by hash, not 'unsafe-inline'); its CSS is a file.
        "/docs": _policy(**common, script_src=f"'self' 'sha256-{digest}'", style_src="'self'"),
        # ReDoc: styled-components inserts <style> elements at run time, so styles need 'unsafe-inline';
        # its search runs in a Web Worker made from a blob: URL. Its "API docs by Redocly" logo, hard-coded
        # to https://cdn.redoc.ly, stays blocked (one console violation): the docs make no third-party requests.
        "/redoc": _policy(**common, script_src="'self'", style_src="'self' 'unsafe-inline'", worker_src="blob:"),
    }


# Header-only policies: browsers must not sniff JSON as HTML, nor frame any page.
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", PAGE_CSP),
    (b"referrer-policy", b"same-origin"),
]


class SecurityHeaders:
    """Adds :data:`SECURITY_HEADERS` to every HTTP response (pages, API, errors, static files);
    ``csp_by_path`` replaces the Content-Security-Policy on the paths it names (exact match)."""

    def __init__(self, app: ASGIApp, csp_by_path: dict[str, bytes] | None = None) -> None:
        self.app, self.csp_by_path = app, csp_by_path or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        csp = self.csp_by_path.get(scope["path"], PAGE_CSP)
        headers = [(n, csp if n == b"content-security-policy" else v) for n, v in SECURITY_HEADERS]

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(n, v) for n, v in headers if n not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, with_headers)
