"""A shared counter buffer (Redis) that falls back to this process's memory while it cannot be reached.

Without it an outage of Redis would drop every increment made meanwhile (a member's XP for each message): the
add fails and the caller can only log it. With it, increments go to memory while the shared store is
unreachable and this process's own flushes write them, like the embedded default: a crash during the outage
loses at most one flush interval of them, and nothing is counted twice, since a memory batch is written by
its process only.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from tatiana.counters.base import CounterBatch, CounterStore
from tatiana.counters.memory import MemoryCounterStore

log = logging.getLogger(__name__)


class FallbackCounterStore(CounterStore):
    """``shared`` while it answers; this process's memory for the increments it could not take."""

    def __init__(self, shared: CounterStore, unreachable: tuple[type[BaseException], ...]) -> None:
        self.shared = shared
        self.local = MemoryCounterStore()
        self._unreachable = unreachable
        self._local_batches: set[str] = set()
        self._down = False

    def _lost(self, error: BaseException) -> None:
        if not self._down:
            self._down = True
            log.warning("counters: the shared buffer is unreachable (%s); buffering in this process", error)

    def _found(self) -> None:
        if self._down:
            self._down = False
            log.info("counters: the shared buffer is back")

    async def add(self, counter: str, key: str, amount: int) -> int:
        """Add to the shared buffer, or to memory while it is unreachable; what ``key`` has waiting that is known."""
        try:
            total = await self.shared.add(counter, key, amount)
        except self._unreachable as error:
            self._lost(error)
            return await self.local.add(counter, key, amount)
        self._found()
        local = await self.local.pending(counter, [key]) if self.local.holds(counter) else {}
        return total + local.get(key, 0)

    async def pending(self, counter: str, keys: Sequence[str]) -> dict[str, int]:
        """What each key has waiting in both buffers (in memory alone while the shared one is unreachable)."""
        local = await self.local.pending(counter, keys)
        try:
            shared = await self.shared.pending(counter, keys)
        except self._unreachable as error:
            self._lost(error)
            return local
        return {key: shared[key] + local[key] for key in keys}

    async def take(self, counter: str) -> CounterBatch | None:
        """A batch of the shared buffer; None if it is empty or unreachable (memory comes with ``reclaim``)."""
        try:
            return await self.shared.take(counter)
        except self._unreachable as error:
            self._lost(error)
            return None

    async def reclaim(self, counter: str) -> list[CounterBatch]:
        """What memory holds (its failed batches and its live buffer), then the shared buffer's lapsed batches."""
        found = await self.local.reclaim(counter)
        taken = await self.local.take(counter)
        if taken is not None:
            found.append(taken)
        self._local_batches.update(batch.id for batch in found)
        try:
            found += await self.shared.reclaim(counter)
        except self._unreachable as error:
            self._lost(error)
        return found

    def _source(self, batch: CounterBatch) -> CounterStore:
        """The buffer ``batch`` came from; a local batch is forgotten here, since the caller settles it now."""
        if batch.id in self._local_batches:
            self._local_batches.discard(batch.id)
            return self.local
        return self.shared

    async def commit(self, batch: CounterBatch) -> None:
        """Forget ``batch`` in the buffer it came from."""
        await self._source(batch).commit(batch)

    async def release(self, batch: CounterBatch) -> None:
        """Give ``batch`` back to the buffer it came from, for the next flush."""
        await self._source(batch).release(batch)

    async def close(self) -> None:
        """Close the shared buffer's connections (what memory holds goes with the process)."""
        await self.shared.close()
