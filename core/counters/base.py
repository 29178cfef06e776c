"""The contract of a counter buffer (memory, Redis): increments wait there until a batch is written."""

from __future__ import annotations

import abc
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CounterBatch:
    """Increments taken out of one counter's buffer to be written together: ``counts`` maps keys to totals."""

    counter: str
    id: str
    counts: dict[str, int]


class CounterStore(abc.ABC):
    """Where increments wait: a live buffer per counter, and batches taken out of it until they are committed.

    A batch is claimed by whoever took it; a batch whose claim lapsed (its process died while writing it)
    can be reclaimed by any process, so no increment is lost once it reached the store.
    """

    @abc.abstractmethod
    async def add(self, counter: str, key: str, amount: int) -> int:
        """Add ``amount`` to ``key`` in the live buffer of ``counter``; returns what ``key`` has waiting now.

        Atomic: of two adds to one key, the later sees the earlier's amount in its result.
        """

    @abc.abstractmethod
    async def pending(self, counter: str, keys: Sequence[str]) -> dict[str, int]:
        """What each of ``keys`` has waiting (live buffer and uncommitted batches); 0 for nothing."""

    @abc.abstractmethod
    async def take(self, counter: str) -> CounterBatch | None:
        """Atomically move the live buffer into a new batch claimed by the caller; None if it is empty."""

    @abc.abstractmethod
    async def reclaim(self, counter: str) -> list[CounterBatch]:
        """Claim the batches nobody holds: left by a failed write or by a process that died writing them."""

    @abc.abstractmethod
    async def commit(self, batch: CounterBatch) -> None:
        """Forget ``batch``: its increments are in the database."""

    @abc.abstractmethod
    async def release(self, batch: CounterBatch) -> None:
        """Give up the claim on ``batch`` (its write failed), so that the next flush retries it."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Release connections; idempotent."""
