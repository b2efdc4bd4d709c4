"""Every error the app returns is JSON ``{"error": {"code", "message"}}``, never a traceback."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import TmragError

HTTP_CODES = {400: "invalid_body", 404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=headers)


async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
    if exc.status_code == 400 and isinstance(exc.__cause__, UnicodeDecodeError):
        # FastAPI's one 400: a JSON body that is not UTF-8. It is invalid JSON (RFC 8259 requires
        # UTF-8), so it is the same documented 422 as any other unparsable body.
        return error_response(422, "invalid_request", f"body is not valid JSON (not UTF-8: {exc.__cause__.reason} "
                                                      f"at byte {exc.__cause__.start})")
    code = HTTP_CODES.get(exc.status_code, "http_error")
    message = "no such endpoint" if exc.status_code == 404 and exc.detail == "Not Found" else str(exc.detail)
    return error_response(exc.status_code, code, message, exc.headers)  # keeps 405's Allow header


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors():
        if err.get("type") == "json_invalid":
            pos = err.get("loc", ["body", "?"])[-1]
            parts.append(f"body is not valid JSON ({err.get('ctx', {}).get('error', 'syntax error')} at character {pos})")
            continue
        loc = ".".join(str(x) for x in err.get("loc", []) if x != "body")
        parts.append(f"{loc}: {err.get('msg')}" if loc else str(err.get("msg")))
    return "; ".join(parts) or "invalid request"


async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    content_type = request.headers.get("content-type", "")
    if request.method == "POST" and "json" not in content_type:
        return error_response(415, "unsupported_media_type",
                              f"send the body as application/json (got {content_type or 'no content type'!r})")
    return error_response(422, "invalid_request", _validation_message(exc))


async def domain_error(_: Request, exc: TmragError) -> JSONResponse:
    return error_response(exc.http_status, exc.code, str(exc))


async def unexpected(_: Request, exc: Exception) -> JSONResponse:
    return error_response(500, "internal_error", "internal error; see the server log")


def install(app: FastAPI) -> None:
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(TmragError, domain_error)
    app.add_exception_handler(Exception, unexpected)
