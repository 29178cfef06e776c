"""Per-route rate limits as Discord applies them: fixed windows per bucket and top-level resource.

A bucket is one route (method and path template); its counter is kept per token and per major
parameter (the channel, guild, or webhook id and token in the path). Every answer carries the
``X-RateLimit-*`` headers; a request over the limit gets 429 with ``retry_after``.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field

MAJOR_PARAMETERS = ("channel_id", "guild_id", "webhook_id")


@dataclass(frozen=True)
class Limit:
    """``limit`` requests per ``period`` seconds."""

    limit: int
    period: float


@dataclass
class Window:
    """One bucket's current window for one token and top-level resource."""

    resets_at: float
    used: int = 0


@dataclass(frozen=True)
class Verdict:
    """What the limiter decided for one request, and the headers that say it."""

    limit: int
    remaining: int
    reset_at: float
    reset_after: float
    bucket: str
    limited: bool

    def headers(self) -> dict[str, str]:
        """The X-RateLimit-* headers (and Retry-After and the scope on a 429)."""
        headers = {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": f"{self.reset_at:.3f}",
            "X-RateLimit-Reset-After": f"{self.reset_after:.3f}",
            "X-RateLimit-Bucket": self.bucket,
        }
        if self.limited:
            headers["Retry-After"] = str(max(1, int(self.reset_after + 0.999)))
            headers["X-RateLimit-Scope"] = "user"
        return headers

    def body(self) -> dict[str, object]:
        """The 429 body: message, retry_after in seconds, global."""
        return {
            "message": "You are being rate limited.",
            "retry_after": round(self.reset_after, 3),
            "global": False,
            "code": 0,
        }


@dataclass
class RateLimiter:
    """The sandbox's per-route limits: ``default`` for every route, ``routes`` to override one.

    Route keys are ``"METHOD /path/template"`` as the sandbox declares them, e.g.
    ``"POST /channels/{channel_id}/messages"``.
    """

    default: Limit = field(default_factory=lambda: Limit(50, 1.0))
    routes: dict[str, Limit] = field(default_factory=dict)
    enabled: bool = True
    hits: int = 0  # requests answered 429, for tests
    _windows: dict[tuple[str, str, str], Window] = field(default_factory=dict)

    def set(self, route: str, limit: int, period: float) -> None:
        """Limit one route (``"POST /channels/{channel_id}/messages"``) to ``limit`` per ``period`` seconds."""
        self.routes[route] = Limit(limit, period)

    def reset(self) -> None:
        """Forget every window."""
        self._windows.clear()

    def check(self, route: str, major: str, auth: str) -> Verdict:
        """Count one request on ``route`` for the resource ``major`` and the credential ``auth``."""
        rule = self.routes.get(route, self.default)
        bucket = hashlib.sha1(route.encode()).hexdigest()[:16]
        key = (bucket, major, auth)
        now = time.time()
        if len(self._windows) > 50_000:
            self._windows = {k: w for k, w in self._windows.items() if w.resets_at > now}
        window = self._windows.get(key)
        if window is None or window.resets_at <= now:
            window = self._windows[key] = Window(resets_at=now + rule.period)
        limited = self.enabled and window.used >= rule.limit
        if not limited:
            window.used += 1
        else:
            self.hits += 1
        return Verdict(
            limit=rule.limit,
            remaining=max(0, rule.limit - window.used),
            reset_at=window.resets_at,
            reset_after=max(0.0, window.resets_at - now),
            bucket=bucket,
            limited=limited,
        )
