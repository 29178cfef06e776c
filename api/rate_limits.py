"""Per-client request limits: in memory on the embedded default, in Redis (shared by every API process) otherwise."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.exceptions import TooManyRequestsException
from litestar.middleware.base import ASGIMiddleware
from litestar.middleware.rate_limit import DURATION_VALUES, RateLimitConfig
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from tatiana.api.rate_windows import Hit, RateWindows, seconds_left
from tatiana.shards.outage import COORDINATION_ERRORS, OutageLog

log = logging.getLogger(__name__)

WS_DENIAL = "websocket.http.response"
CLOSE_TOO_MANY = 4429  # a refused WebSocket handshake on a server without the HTTP denial extension

# Orchestrators and Prometheus poll these; refusing them would turn a busy client into a dead pod.
UNLIMITED_PATHS = ["^/health$", "^/ready$", "^/metrics$"]


def rate_limit_config(per_minute: int) -> RateLimitConfig:
    """``per_minute`` requests per client address on every route but the probes; 429 beyond."""
    return RateLimitConfig(rate_limit=("minute", per_minute), exclude=UNLIMITED_PATHS)


def rate_limit_middleware(per_minute: int, windows: RateWindows) -> RequestAndWebSocketRateLimit:
    """The limit of ``rate_limit_config`` counted in ``windows``, WebSocket handshakes included."""
    return RequestAndWebSocketRateLimit(rate_limit_config(per_minute), windows)


class RequestAndWebSocketRateLimit(ASGIMiddleware):
    """A fixed window per client address over HTTP requests and WebSocket handshakes; 429 with Retry-After beyond.

    Litestar's own limiter keeps every request's timestamp of the window in a store and decodes them all on each
    request, so its cost grows with the limit, and two processes sharing Redis race between its read and its
    write. This one counts: in memory, or with one atomic script call in Redis. While Redis is unreachable
    requests pass uncounted, rather than every route failing.
    """

    scopes = (ScopeType.HTTP, ScopeType.WEBSOCKET)

    def __init__(self, config: RateLimitConfig, windows: RateWindows) -> None:
        exclude = config.exclude or ()
        unlimited = re.compile("|".join([exclude] if isinstance(exclude, str) else exclude) or "(?!)")
        self.should_bypass_for_scope = lambda scope: unlimited.search(scope["path"]) is not None
        self.exclude_opt_key = config.exclude_opt_key
        self.config = config
        unit, self.max_requests = config.rate_limit
        self.duration = DURATION_VALUES[unit]
        self.windows = windows
        self._outage = OutageLog(log, "API requests pass without being counted against the rate limit")

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        """Count the request or handshake; past the limit answer 429 instead of calling the app."""
        app = scope["litestar_app"]
        client = self.config.identifier_for_request(app.request_class(scope))
        try:
            hit = await self.windows.hit(client, self.duration)
        except COORDINATION_ERRORS as exc:
            self._outage.failed(exc)
            await next_app(scope, receive, send)
            return
        self._outage.succeeded()
        headers = self._headers(hit)
        if hit.count <= self.max_requests:
            await next_app(scope, receive, self._with_headers(send, headers))
        elif scope["type"] == ScopeType.WEBSOCKET:
            await _deny(scope, send, seconds_left(hit), headers)
        else:
            raise TooManyRequestsException(headers=headers)

    def _headers(self, hit: Hit) -> dict[str, str]:
        config = self.config
        return {
            config.rate_limit_policy_header_key: f"{self.max_requests}; w={self.duration}",
            config.rate_limit_limit_header_key: str(self.max_requests),
            config.rate_limit_remaining_header_key: str(max(0, self.max_requests - hit.count)),
            config.rate_limit_reset_header_key: str(seconds_left(hit)),
        }

    @staticmethod
    def _with_headers(send: Send, headers: dict[str, str]) -> Send:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                response_headers = MutableScopeHeaders(message)
                for name, value in headers.items():
                    response_headers[name] = value
            await send(message)

        return send_with_headers


async def _deny(scope: Scope, send: Send, retry_after: int, headers: dict[str, str]) -> None:
    if WS_DENIAL not in (scope.get("extensions") or {}):
        close: Any = {
            "type": "websocket.close",
            "code": CLOSE_TOO_MANY,
            "reason": f"too many requests; retry in {retry_after}s",
        }
        await send(close)
        return
    body = json.dumps({"status": 429, "error": "Too Many Requests"}).encode()
    all_headers = {**headers, "Retry-After": str(retry_after), "Content-Type": "application/json"}
    start: Any = {
        "type": "websocket.http.response.start",
        "status": 429,
        "headers": [(k.lower().encode(), v.encode()) for k, v in all_headers.items()],
    }
    await send(start)
    response_body: Any = {"type": "websocket.http.response.body", "body": body, "more_body": False}
    await send(response_body)
