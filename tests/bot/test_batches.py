"""The batch writer: one write per flush, periodic and at stop, and nothing lost when a write fails."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from tatiana.bot.batches import BatchWriter


class Store:
    """A destination that refuses its first ``failures`` writes."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.writes: list[list[int]] = []

    async def write(self, items: Sequence[int]) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("database unreachable")
        self.writes.append(list(items))


async def test_one_write_per_flush_with_everything_buffered() -> None:
    store = Store()
    writer = BatchWriter("test", store.write, interval=3600)
    for i in range(5):
        writer.add(i)
    assert await writer.flush() == 5
    assert await writer.flush() == 0
    assert store.writes == [[0, 1, 2, 3, 4]]


async def test_a_failed_write_keeps_its_items_in_order_for_the_next_flush(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = Store(failures=1)
    writer = BatchWriter("test", store.write, interval=3600)
    writer.add(1)
    writer.add(2)
    assert await writer.flush() == 0
    assert writer.pending == 2
    assert "writing 2 items failed" in caplog.text
    writer.add(3)
    assert await writer.flush() == 3
    assert store.writes == [[1, 2, 3]]


async def test_flushes_periodically_and_at_stop() -> None:
    store = Store()
    writer = BatchWriter("test", store.write, interval=0.05)
    writer.start()
    writer.add(1)
    for _ in range(100):
        if store.writes:
            break
        await asyncio.sleep(0.01)
    assert store.writes == [[1]]
    writer.add(2)
    await writer.stop()
    assert store.writes == [[1], [2]]


def test_the_interval_must_be_positive() -> None:
    with pytest.raises(ValueError, match="must be positive"):
        BatchWriter("test", Store().write, interval=0)
