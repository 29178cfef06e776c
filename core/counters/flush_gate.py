"""A shared/exclusive lock: readers of a counter's total hold it shared, its flush holds it alone."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator


class FlushGate:
    """Many shared holders at once, or one exclusive holder; a waiting exclusive holder goes before new shared ones.

    Without that preference a steady stream of messages would keep a flush from ever starting.
    """

    def __init__(self) -> None:
        self._condition = asyncio.Condition()
        self._shared = 0
        self._exclusive = False
        self._waiting_exclusive = 0

    @contextlib.asynccontextmanager
    async def shared(self) -> AsyncIterator[None]:
        """Hold the gate alongside other shared holders."""
        async with self._condition:
            await self._condition.wait_for(lambda: not self._exclusive and not self._waiting_exclusive)
            self._shared += 1
        try:
            yield
        finally:
            async with self._condition:
                self._shared -= 1
                self._condition.notify_all()

    @contextlib.asynccontextmanager
    async def exclusive(self) -> AsyncIterator[None]:
        """Hold the gate alone."""
        async with self._condition:
            self._waiting_exclusive += 1
            try:
                await self._condition.wait_for(lambda: not self._exclusive and self._shared == 0)
            finally:
                self._waiting_exclusive -= 1
            self._exclusive = True
        try:
            yield
        finally:
            async with self._condition:
                self._exclusive = False
                self._condition.notify_all()
