"""Recognising and logging an unreachable coordination server, once per outage rather than once per call."""

from __future__ import annotations

import logging
import time

from redis.exceptions import RedisError

# What a call to Redis raises while the server is down or unreachable (builtin ConnectionError and
# TimeoutError are OSErrors).
COORDINATION_ERRORS: tuple[type[BaseException], ...] = (RedisError, OSError)

REMIND_EVERY = 30.0


class OutageLog:
    """Tracks one outage of the coordination server: a warning when it starts, reminders, one when it ends."""

    def __init__(self, logger: logging.Logger, what: str) -> None:
        self._log = logger
        self._what = what
        self.since: float | None = None
        self._reminded_at = 0.0

    @property
    def down(self) -> bool:
        """Whether the last attempt failed."""
        return self.since is not None

    def failed(self, error: BaseException) -> None:
        """Note a failed attempt."""
        now = time.monotonic()
        if self.since is None:
            self.since = self._reminded_at = now
            self._log.warning("Redis is unreachable (%s): %s; retrying", _describe(error), self._what)
        elif now - self._reminded_at >= REMIND_EVERY:
            self._reminded_at = now
            self._log.warning(
                "Redis still unreachable after %.0fs (%s): %s", now - self.since, _describe(error), self._what
            )

    def succeeded(self) -> float | None:
        """Note a successful attempt; how long the outage it ends lasted, or None if there was none."""
        if self.since is None:
            return None
        lasted = time.monotonic() - self.since
        self.since = None
        self._log.warning("Redis is reachable again after %.1fs", lasted)
        return lasted


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
