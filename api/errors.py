"""Every error answer is JSON: ``{"status", "error"}``, plus ``errors`` with the field errors of a 4xx.

A 429 also says when to come back (``Retry-After``, from the rate limiter's ``RateLimit-Reset``).
"""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_429_TOO_MANY_REQUESTS, HTTP_500_INTERNAL_SERVER_ERROR
from litestar.types import ExceptionHandlersMap

log = logging.getLogger(__name__)


def http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[dict[str, Any]]:
    """A refusal with its message, and the field errors of a request that failed validation."""
    body: dict[str, Any] = {"status": exc.status_code, "error": exc.detail}
    if isinstance(exc, ValidationException) and isinstance(exc.extra, list):
        body["errors"] = [
            {"loc": [e.get("source"), e.get("key")], "msg": e.get("message")}
            for e in exc.extra
            if isinstance(e, dict)
        ]
    elif isinstance(exc.extra, dict) and "errors" in exc.extra:
        body["errors"] = exc.extra["errors"]
    headers = dict(exc.headers or {})
    if exc.status_code == HTTP_429_TOO_MANY_REQUESTS and "RateLimit-Reset" in headers:
        headers["Retry-After"] = str(max(1, int(headers["RateLimit-Reset"])))
    return Response(body, status_code=exc.status_code, headers=headers)


def unexpected_error(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    """A bug: logged with its traceback, answered without details."""
    log.exception("unhandled error in %s %s", request.method, request.url.path)
    status = HTTP_500_INTERNAL_SERVER_ERROR
    return Response({"status": status, "error": "internal server error"}, status_code=status)


EXCEPTION_HANDLERS: ExceptionHandlersMap = {HTTPException: http_error, Exception: unexpected_error}
