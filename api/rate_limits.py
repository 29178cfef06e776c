"""Per-client request limits: in memory on the embedded default, in Redis (shared by every API process) otherwise."""

from __future__ import annotations

import asyncio
import json
import re
import time
import weakref
from dataclasses import dataclass
from typing import Any

from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.exceptions import TooManyRequestsException
from litestar.middleware.base import ASGIMiddleware
from litestar.middleware.rate_limit import DURATION_VALUES, RateLimitConfig
from litestar.stores.base import Store
from litestar.stores.memory import MemoryStore
from litestar.types import ASGIApp, Message, Receive, Scope, Send

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


def rate_limit_middleware(per_minute: int) -> RequestAndWebSocketRateLimit:
    """The limit of ``rate_limit_config``, counting WebSocket handshakes with the client's requests."""
    return RequestAndWebSocketRateLimit(rate_limit_config(per_minute))


@dataclass(frozen=True, slots=True)
class Window:
    """One client's requests in its current window, which ends at ``reset`` (Unix time, seconds)."""

    count: int
    reset: int

    def to_json(self) -> str:
        """The stored form."""
        return json.dumps({"count": self.count, "reset": self.reset})

    @classmethod
    def read(cls, raw: bytes | None, now: int, duration: int) -> Window:
        """The stored window, or a new one if none is stored, it is unreadable or it has ended."""
        try:
            data = json.loads(raw) if raw is not None else None
            window = cls(int(data["count"]), int(data["reset"])) if isinstance(data, dict) else None
        except (ValueError, KeyError, TypeError):
            window = None
        if window is None or window.reset <= now:
            return cls(0, now + duration)
        return window


class RequestAndWebSocketRateLimit(ASGIMiddleware):
    """A fixed window per client address over HTTP requests and WebSocket handshakes; 429 with Retry-After beyond.

    Litestar's own limiter keeps every request's timestamp of the window and decodes them all on each request,
    so its cost grows with the limit; this one stores a count. It reads and writes the store under a lock per
    client, so two API processes on one Redis may each let a request through that only one should have.
    """

    scopes = (ScopeType.HTTP, ScopeType.WEBSOCKET)

    def __init__(self, config: RateLimitConfig) -> None:
        exclude = config.exclude or ()
        unlimited = re.compile("|".join([exclude] if isinstance(exclude, str) else exclude) or "(?!)")
        self.should_bypass_for_scope = lambda scope: unlimited.search(scope["path"]) is not None
        self.exclude_opt_key = config.exclude_opt_key
        self.config = config
        unit, self.max_requests = config.rate_limit
        self.duration = DURATION_VALUES[unit]
        # One lock per client: only a client's own requests race on its window.
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        """Count the request or handshake; past the limit answer 429 instead of calling the app."""
        app = scope["litestar_app"]
        store = self.config.get_store_from_app(app)
        key = f"ratelimit::{self.config.identifier_for_request(app.request_class(scope))}"
        now = int(time.time())
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        async with lock:
            window = Window.read(await store.get(key), now, self.duration)
            allowed = window.count < self.max_requests
            if allowed:
                window = Window(window.count + 1, window.reset)
                await store.set(key, window.to_json(), expires_in=max(1, window.reset - now))
        headers = self._headers(window, now)
        if allowed:
            await next_app(scope, receive, self._with_headers(send, headers))
        elif scope["type"] == ScopeType.WEBSOCKET:
            await _deny(scope, send, int(headers[self.config.rate_limit_reset_header_key]), headers)
        else:
            raise TooManyRequestsException(headers=headers)

    def _headers(self, window: Window, now: int) -> dict[str, str]:
        config = self.config
        return {
            config.rate_limit_policy_header_key: f"{self.max_requests}; w={self.duration}",
            config.rate_limit_limit_header_key: str(self.max_requests),
            config.rate_limit_remaining_header_key: str(max(0, self.max_requests - window.count)),
            config.rate_limit_reset_header_key: str(max(1, window.reset - now)),
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
