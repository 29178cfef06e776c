"""A buffer of database writes: items wait in memory and are written together, periodically and on stop."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

Item = TypeVar("Item")

DEFAULT_INTERVAL = 5.0
MAX_PENDING = 50_000  # beyond this (the database is down for long) the oldest items are dropped


class BatchWriter(Generic[Item]):
    """Collects items and hands them to ``write`` in one call every ``interval`` seconds, and at ``stop``.

    ``write`` receives everything collected since the last flush; if it raises, the items are kept for the next
    flush (up to ``MAX_PENDING``). What is in memory when the process dies is lost: these are statistics and
    caches, not money.
    """

    def __init__(
        self,
        name: str,
        write: Callable[[Sequence[Item]], Awaitable[None]],
        interval: float = DEFAULT_INTERVAL,
    ) -> None:
        if interval <= 0:
            raise ValueError(f"the flush interval must be positive, not {interval}")
        self.name = name
        self.interval = interval
        self._write = write
        self._pending: list[Item] = []
        self._lock = asyncio.Lock()
        self._loop: asyncio.Task[None] | None = None

    def add(self, item: Item) -> None:
        """Buffer ``item`` for the next flush."""
        self._pending.append(item)
        if len(self._pending) > MAX_PENDING:
            dropped = len(self._pending) - MAX_PENDING
            del self._pending[:dropped]
            log.warning("%s: %d unwritten items dropped (the database is unreachable?)", self.name, dropped)

    @property
    def pending(self) -> int:
        """How many items wait for the next flush."""
        return len(self._pending)

    async def flush(self) -> int:
        """Write what is buffered now; returns how many items were written (0 if the write failed)."""
        async with self._lock:
            items, self._pending = self._pending, []
            if not items:
                return 0
            try:
                await self._write(items)
            except Exception:
                log.exception(
                    "%s: writing %d items failed; retrying at the next flush", self.name, len(items)
                )
                self._pending[:0] = items
                return 0
            return len(items)

    def start(self) -> None:
        """Flush every ``interval`` seconds until ``stop``."""
        if self._loop is None:
            self._loop = asyncio.create_task(self._run(), name=f"{self.name}-flush")

    async def stop(self) -> None:
        """Stop the periodic flush and write what is buffered."""
        loop, self._loop = self._loop, None
        if loop is not None:
            loop.cancel()
            await asyncio.wait([loop])
        await self.flush()

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            await self.flush()
