"""The Host header check (DNS rebinding): bound to a loopback address, the server answers only
requests addressed to a loopback name, so a web page whose DNS name was re-pointed at
127.0.0.1 cannot read it from the victim's browser. A refused request gets a 421 JSON
``invalid_host`` (Misdirected Request, as the MCP SDK answers at /mcp)."""

from __future__ import annotations

import ipaddress

from starlette.types import ASGIApp, Receive, Scope, Send

from .handlers import error_response

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")


def is_loopback(host: str) -> bool:
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def allowed_hosts(configured: list[str] | None, bind_host: str | None) -> list[str] | None:
    """The names to accept, or None for any: the configured list ("*" = any), else the loopback
    names when bound to a loopback address, else any."""
    if configured is not None:
        return None if "*" in configured else [h.lower().strip("[]") for h in configured]
    if bind_host is not None and is_loopback(bind_host):
        return sorted({*LOOPBACK_NAMES, bind_host.lower().strip("[]")})
    return None


def host_name(header: str) -> str:
    """The Host header without its port: "[::1]:8000" -> "::1", "localhost:80" -> "localhost"."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:header.find("]")] if "]" in header else header
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


class AllowedHosts:
    def __init__(self, app: ASGIApp, hosts: list[str]) -> None:
        self.app, self.hosts = app, frozenset(hosts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        header = next((v for k, v in scope.get("headers") or [] if k == b"host"), b"").decode("latin-1")
        if host_name(header) in self.hosts:
            await self.app(scope, receive, send)
            return
        response = error_response(421, "invalid_host", "this server answers only requests addressed to "
                                  + " or ".join(sorted(self.hosts)) + " (see TMRAG_ALLOWED_HOSTS)")
        await response(scope, receive, send)
