"""Buffered counters (``tatiana.counters``): the memory and Redis buffers, flushing, and the plugin contract."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tatiana import BufferedCounter, Database, Plugin, PluginDefinitionError
from tatiana.counters import Counters, CounterStore, MemoryCounterStore
from tatiana.counters.flush_gate import FlushGate
from tatiana.db.engine import create_engine, session_factory
from tatiana.shards.redis_counters import RedisCounterStore


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def redis_or_memory(request: pytest.FixtureRequest) -> str | None:
    """The Redis URL for the Redis buffer, None for the memory one."""
    return request.getfixturevalue("redis_url") if request.param == "redis" else None


@pytest.fixture
async def store(redis_or_memory: str | None, redis_namespace: str) -> AsyncIterator[CounterStore]:
    redis_url = redis_or_memory
    made = (
        RedisCounterStore(redis_url or "", redis_namespace, claim_ttl=0.3)
        if redis_url
        else MemoryCounterStore()
    )
    yield made
    await made.close()


async def test_take_moves_the_buffer_into_a_batch_that_stays_pending_until_committed(
    store: CounterStore,
) -> None:
    await store.add("levels.xp", "1:2", 15)
    await store.add("levels.xp", "1:2", 20)
    await store.add("levels.xp", "1:3", 5)
    batch = await store.take("levels.xp")
    assert batch is not None and batch.counts == {"1:2": 35, "1:3": 5}
    assert await store.take("levels.xp") is None
    await store.add("levels.xp", "1:2", 1)
    assert await store.pending("levels.xp", ["1:2", "1:3", "1:4"]) == {"1:2": 36, "1:3": 5, "1:4": 0}
    assert await store.reclaim("levels.xp") == [], "claimed by whoever took it"
    await store.commit(batch)
    assert await store.pending("levels.xp", ["1:2", "1:3"]) == {"1:2": 1, "1:3": 0}


async def test_a_released_batch_is_reclaimed(store: CounterStore) -> None:
    await store.add("levels.xp", "1:2", 7)
    batch = await store.take("levels.xp")
    assert batch is not None
    await store.release(batch)
    reclaimed = await store.reclaim("levels.xp")
    assert [(b.id, b.counts) for b in reclaimed] == [(batch.id, {"1:2": 7})]
    assert await store.reclaim("levels.xp") == []


@pytest.mark.redis
async def test_a_batch_whose_writer_died_is_reclaimed_after_its_claim_lapses(
    redis_url: str, redis_namespace: str
) -> None:
    dying = RedisCounterStore(redis_url, redis_namespace, claim_ttl=0.3)
    await dying.add("levels.xp", "1:2", 9)
    assert await dying.take("levels.xp") is not None
    await dying.close()  # the process dies mid-flush, between taking the batch and writing it
    survivor = RedisCounterStore(redis_url, redis_namespace, claim_ttl=0.3)
    try:
        assert await survivor.reclaim("levels.xp") == [], "the writer may still be alive"
        assert await survivor.pending("levels.xp", ["1:2"]) == {"1:2": 9}
        await asyncio.sleep(0.35)
        [batch] = await survivor.reclaim("levels.xp")
        assert batch.counts == {"1:2": 9}
    finally:
        await survivor.close()


async def test_a_failed_write_is_retried_by_the_next_flush(sqlite_url: str) -> None:
    written: list[dict[str, int]] = []
    fail = [True]

    async def write(_db: Database, counts: Any) -> None:
        if fail[0]:
            fail[0] = False
            raise RuntimeError("database down")
        written.append(dict(counts))

    counter = BufferedCounter("test.hits", write=write)
    engine = create_engine(sqlite_url)
    counters = Counters(MemoryCounterStore(), Database(session_factory(engine)), interval=60)
    counters.track("test", [counter])
    try:
        await counters.add(counter, "a", 1)
        assert await counters.flush() == 0
        await counters.add(counter, "a", 2)
        await counters.add(counter, "b", 1)
        assert await counters.flush() == 2
        assert written == [{"a": 3, "b": 1}], "the failed batch and the new one, merged: one write per key"
    finally:
        await engine.dispose()


async def test_a_flush_waits_for_readers_and_new_readers_wait_for_a_waiting_flush() -> None:
    gate = FlushGate()
    order: list[str] = []
    reading = asyncio.Event()
    release = asyncio.Event()

    async def reader(name: str) -> None:
        async with gate.shared():
            order.append(f"{name} in")
            reading.set()
            await release.wait()
            order.append(f"{name} out")

    async def flusher() -> None:
        async with gate.exclusive():
            order.append("flush")

    first = asyncio.create_task(reader("r1"))
    await reading.wait()
    flush = asyncio.create_task(flusher())
    await asyncio.sleep(0.01)
    late = asyncio.create_task(reader("r2"))
    await asyncio.sleep(0.01)
    release.set()
    await asyncio.gather(first, flush, late)
    assert order == ["r1 in", "r1 out", "flush", "r2 in", "r2 out"]


async def nothing(_db: Database, _counts: Any) -> None:
    """A writer that writes nothing."""


def test_a_plugins_counters_carry_its_name() -> None:
    Plugin(
        name="weather",
        version="1.0",
        description="d",
        requires="1.*",
        counters=[BufferedCounter("weather.hits", nothing)],
    )
    with pytest.raises(
        PluginDefinitionError,
        match=re.escape("counters must be BufferedCounter objects named 'weather.<what>'"),
    ):
        Plugin(
            name="weather",
            version="1.0",
            description="d",
            requires="1.*",
            counters=[BufferedCounter("hits", nothing)],
        )


async def test_an_untracked_counter_is_a_clear_error(sqlite_url: str) -> None:
    engine = create_engine(sqlite_url)
    counters = Counters(MemoryCounterStore(), Database(session_factory(engine)))
    try:
        with pytest.raises(KeyError, match="declare it in its plugin's Plugin"):
            async with counters.settled(BufferedCounter("weather.hits", nothing)):
                pass
    finally:
        await engine.dispose()


async def test_concurrent_adds_to_one_key_are_ordered(store: CounterStore) -> None:
    await store.add("levels.xp", "1:2", 5)
    assert await store.take("levels.xp") is not None  # taken, not yet written: still waiting
    totals = await asyncio.gather(*(store.add("levels.xp", "1:2", 10) for _ in range(20)))
    assert sorted(totals) == list(range(15, 215, 10)), "each add sees every earlier one, and the batch"
