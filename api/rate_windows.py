"""Fixed-window request counts per client: in one process's memory, or in Redis shared by every API process."""

from __future__ import annotations

import abc
import math
import time
from dataclasses import dataclass
from types import TracebackType

import redis.asyncio as aioredis

# One round trip, atomic: every API process counts in the same window, and the window's expiry is set once.
HIT_SCRIPT = """
local count = redis.call('INCR', KEYS[1])
local left = redis.call('PTTL', KEYS[1])
if left < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  left = tonumber(ARGV[1])
end
return {count, left}
"""
MAX_REMEMBERED = 100_000  # clients a memory counter keeps before dropping the ended windows


@dataclass(frozen=True, slots=True)
class Hit:
    """A request counted: how many the client made in its window (this one included), and when it ends."""

    count: int
    reset: float  # seconds until the window ends


class RateWindows(abc.ABC):
    """Counts each client's requests in windows of ``duration`` seconds starting at its first request."""

    @abc.abstractmethod
    async def hit(self, client: str, duration: int) -> Hit:
        """Count one request of ``client``."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Release connections; idempotent."""

    async def __aenter__(self) -> RateWindows:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()


class MemoryWindows(RateWindows):
    """The counts of one process (the embedded default)."""

    def __init__(self) -> None:
        self._windows: dict[str, tuple[int, float]] = {}

    async def hit(self, client: str, duration: int) -> Hit:
        """Count one request of ``client``; no await between reading and writing, so no lock is needed."""
        now = time.monotonic()
        count, ends = self._windows.get(client, (0, 0.0))
        if ends <= now:
            if len(self._windows) >= MAX_REMEMBERED:
                self._windows = {k: v for k, v in self._windows.items() if v[1] > now}
            count, ends = 0, now + duration
        self._windows[client] = (count + 1, ends)
        return Hit(count + 1, ends - now)

    async def close(self) -> None:
        """Forget every count."""
        self._windows.clear()


class RedisWindows(RateWindows):
    """The counts of every API process using the same Redis server and namespace."""

    def __init__(self, url: str, namespace: str) -> None:
        self._namespace = namespace
        self._client: aioredis.Redis = aioredis.from_url(url)
        self._script = self._client.register_script(HIT_SCRIPT)

    async def hit(self, client: str, duration: int) -> Hit:
        """Count one request of ``client`` with one atomic script call."""
        count, left = await self._script(keys=[f"{self._namespace}{client}"], args=[duration * 1000])
        return Hit(int(count), max(0, int(left)) / 1000)

    async def close(self) -> None:
        """Close the connection pool."""
        await self._client.aclose()


def rate_windows(redis_url: str | None, namespace: str = "tatiana:ratelimit:") -> RateWindows:
    """Redis counts for ``redis_url``, or one process's memory without it."""
    return RedisWindows(redis_url, namespace) if redis_url else MemoryWindows()


def seconds_left(hit: Hit) -> int:
    """Whole seconds until the window ends, at least 1 (for RateLimit-Reset and Retry-After)."""
    return max(1, math.ceil(hit.reset))
