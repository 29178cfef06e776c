"""Per-client request limits: in memory on the embedded default, in Redis (shared by every API process) otherwise."""

from __future__ import annotations

import json
from typing import Any

from litestar.enums import ScopeType
from litestar.middleware.base import DefineMiddleware
from litestar.middleware.rate_limit import RateLimitConfig, RateLimitMiddleware
from litestar.stores.base import Store
from litestar.stores.memory import MemoryStore
from litestar.types import ASGIApp, Receive, Scope, Send

WS_DENIAL = "websocket.http.response"
CLOSE_TOO_MANY = 4429  # a refused WebSocket handshake on a server without the HTTP denial extension

STORE_NAME = "rate_limit"
# Orchestrators and Prometheus poll these; refusing them would turn a busy client into a dead pod.
UNLIMITED_PATHS = ["^/health$", "^/ready$", "^/metrics$"]


def rate_limit_store(redis_url: str | None, namespace: str = "tatiana:ratelimit") -> Store:
    """A Redis store for ``redis_url`` (closed with the app), or one process's memory."""
    if redis_url:
        from litestar.stores.redis import RedisStore

        return RedisStore.with_client(url=redis_url, namespace=namespace)
    return MemoryStore()


def rate_limit_config(per_minute: int) -> RateLimitConfig:
    """``per_minute`` requests per client address on every route but the probes; 429 beyond."""
    return RateLimitConfig(rate_limit=("minute", per_minute), exclude=UNLIMITED_PATHS, store=STORE_NAME)


def rate_limit_middleware(per_minute: int) -> DefineMiddleware:
    """The limit of ``rate_limit_config``, counting WebSocket handshakes with the client's requests."""
    return DefineMiddleware(RequestAndWebSocketRateLimit, config=rate_limit_config(per_minute))


class RequestAndWebSocketRateLimit(RateLimitMiddleware):
    """Litestar's limiter (HTTP only) extended to WebSocket handshakes: refused with 429 and Retry-After."""

    def __init__(self, app: ASGIApp, config: RateLimitConfig) -> None:
        super().__init__(app, config)
        self.scopes = {ScopeType.HTTP, ScopeType.WEBSOCKET}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Count the request or handshake; past the limit answer 429 instead of calling the app."""
        if scope["type"] != ScopeType.WEBSOCKET:
            await super().__call__(scope, receive, send)
            return
        app = scope["litestar_app"]
        request = app.request_class(scope)
        store = self.config.get_store_from_app(app)
        key = self.cache_key_from_request(request)
        async with self._lock:
            history = await self.retrieve_cached_history(key, store)
            refused = len(history.history) >= self.max_requests
            if not refused:
                await self.set_cached_history(key=key, cache_object=history, store=store)
        if not refused:
            await self.app(scope, receive, send)
            return
        headers = self.create_response_headers(cache_object=history)
        retry_after = max(1, int(headers[self.config.rate_limit_reset_header_key]))
        await _deny(scope, send, retry_after, headers)


async def _deny(scope: Scope, send: Send, retry_after: int, headers: dict[str, str]) -> None:
    if WS_DENIAL not in (scope.get("extensions") or {}):
        event: Any = {
            "type": "websocket.close",
            "code": CLOSE_TOO_MANY,
            "reason": f"too many requests; retry in {retry_after}s",
        }
        await send(event)
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
