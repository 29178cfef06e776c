"""The bot's buffered counters: plugins add increments, a loop writes each counter's buffer in batches."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Iterable, Sequence
from typing import TYPE_CHECKING

from tatiana.counters.flush_gate import FlushGate

if TYPE_CHECKING:
    from tatiana.counters.base import CounterBatch, CounterStore
    from tatiana.counters.buffered import BufferedCounter
    from tatiana.database import Database

log = logging.getLogger(__name__)

DEFAULT_FLUSH_INTERVAL = 10.0


class Counters:
    """Buffered counters of the bot's plugins; listeners and commands declare ``counters: Counters``.

    Increments wait in the store and every ``interval`` seconds each counter's buffer is written by its
    plugin's ``write``, one write per key. In memory a crash loses at most the increments of one interval;
    in Redis none are lost: the next process to flush writes them.
    """

    def __init__(
        self, store: CounterStore, database: Database, interval: float = DEFAULT_FLUSH_INTERVAL
    ) -> None:
        if interval <= 0:
            raise ValueError(f"the flush interval must be positive, not {interval}")
        self.store = store
        self.interval = interval
        self._database = database
        self._counters: dict[str, tuple[str, BufferedCounter]] = {}
        self._gates: dict[str, FlushGate] = {}
        self._loop: asyncio.Task[None] | None = None
        self._stopped = False

    def track(self, plugin: str, counters: Iterable[BufferedCounter]) -> None:
        """Write ``plugin``'s ``counters`` on every flush."""
        for counter in counters:
            self._counters[counter.name] = (plugin, counter)
            self._gates.setdefault(counter.name, FlushGate())

    async def add(self, counter: BufferedCounter, key: str, amount: int) -> int:
        """Add ``amount`` to ``key`` (written with the next flush); returns what ``key`` has buffered now.

        Two adds to one key are ordered: the later one's result includes the earlier one's amount.
        """
        return await self.store.add(counter.name, key, amount)

    async def pending(self, counter: BufferedCounter, keys: Sequence[str]) -> dict[str, int]:
        """What each of ``keys`` has buffered and not yet written; 0 for nothing."""
        return await self.store.pending(counter.name, keys)

    @contextlib.asynccontextmanager
    async def settled(self, counter: BufferedCounter, *, flush: bool = False) -> AsyncIterator[None]:
        """Inside the block no flush of ``counter`` runs, so the database plus ``pending`` is the whole total.

        With ``flush`` everything buffered is written first and the block holds off other flushes and
        readers: the place to overwrite stored values (the buffer then only holds newer increments).
        """
        gate = self._gate(counter.name)
        if not flush:
            async with gate.shared():
                yield
            return
        async with gate.exclusive():
            await self._flush_one(counter.name)
            yield

    async def flush(self) -> int:
        """Write every tracked counter's buffer now; returns how many keys were written."""
        written = 0
        for name in list(self._counters):
            async with self._gate(name).exclusive():
                written += await self._flush_one(name)
        return written

    async def start(self) -> None:
        """Write what earlier processes left in the store, then flush every ``interval`` seconds."""
        if self._loop is not None:
            return
        await self._flush_logging()
        self._loop = asyncio.create_task(self._run(), name="counters-flush")

    async def stop(self, *, flush: bool = True) -> None:
        """Stop flushing; by default write what is buffered first (``flush=False`` is what a crash does)."""
        if self._stopped:
            return
        self._stopped = True
        loop, self._loop = self._loop, None
        if loop is not None:
            loop.cancel()
            await asyncio.wait([loop])
        if flush:
            await self._flush_logging()

    def _gate(self, name: str) -> FlushGate:
        if name not in self._gates:
            raise KeyError(
                f"counter {name!r} is not tracked: declare it in its plugin's Plugin(counters=...)"
            )
        return self._gates[name]

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            await self._flush_logging()

    async def _flush_logging(self) -> None:
        try:
            await self.flush()
        except Exception:
            # The store is unreachable: what it holds stays there for the next flush.
            log.exception("could not flush the buffered counters")

    async def _flush_one(self, name: str) -> int:
        plugin, counter = self._counters[name]
        batches: list[CounterBatch] = await self.store.reclaim(name)
        fresh = await self.store.take(name)
        if fresh is not None:
            batches.append(fresh)
        if not batches:
            return 0
        merged: dict[str, int] = {}
        for batch in batches:
            for key, amount in batch.counts.items():
                merged[key] = merged.get(key, 0) + amount
        try:
            await counter.write(self._database, merged)
        except Exception:
            log.exception(
                "plugin %s: writing %d keys of counter %s failed; retrying next flush",
                plugin,
                len(merged),
                name,
            )
            for batch in batches:
                await self.store.release(batch)
            return 0
        for batch in batches:
            await self.store.commit(batch)
        return len(merged)
