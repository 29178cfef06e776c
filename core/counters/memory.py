"""Counter buffers in this process's memory: the embedded default; a crash loses what was not yet written."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from tatiana.counters.base import CounterBatch, CounterStore


class MemoryCounterStore(CounterStore):
    """Live buffers and batches in dictionaries, for one process."""

    def __init__(self) -> None:
        self._live: dict[str, dict[str, int]] = {}
        self._batches: dict[str, dict[str, CounterBatch]] = {}
        self._claimed: set[str] = set()

    async def add(self, counter: str, key: str, amount: int) -> int:
        """Add ``amount`` to ``key`` in the live buffer of ``counter``; returns what ``key`` has waiting now."""
        live = self._live.setdefault(counter, {})
        live[key] = live.get(key, 0) + amount
        return (await self.pending(counter, [key]))[key]

    def holds(self, counter: str) -> bool:
        """Whether anything of ``counter`` waits here (live or in a batch)."""
        return bool(self._live.get(counter)) or bool(self._batches.get(counter))

    async def pending(self, counter: str, keys: Sequence[str]) -> dict[str, int]:
        """What each of ``keys`` has waiting (live buffer and uncommitted batches); 0 for nothing."""
        sources = [self._live.get(counter, {}), *(b.counts for b in self._batches.get(counter, {}).values())]
        return {key: sum(source.get(key, 0) for source in sources) for key in keys}

    async def take(self, counter: str) -> CounterBatch | None:
        """Move the live buffer into a new batch claimed by the caller; None if it is empty."""
        counts = self._live.pop(counter, None)
        if not counts:
            return None
        batch = CounterBatch(counter, uuid.uuid4().hex, counts)
        self._batches.setdefault(counter, {})[batch.id] = batch
        self._claimed.add(batch.id)
        return batch

    async def reclaim(self, counter: str) -> list[CounterBatch]:
        """Claim the batches whose write failed."""
        free = [b for b in self._batches.get(counter, {}).values() if b.id not in self._claimed]
        self._claimed.update(b.id for b in free)
        return free

    async def commit(self, batch: CounterBatch) -> None:
        """Forget ``batch``."""
        self._batches.get(batch.counter, {}).pop(batch.id, None)
        self._claimed.discard(batch.id)

    async def release(self, batch: CounterBatch) -> None:
        """Give up the claim on ``batch`` so that the next flush retries it."""
        self._claimed.discard(batch.id)

    async def close(self) -> None:
        """Nothing to release."""
