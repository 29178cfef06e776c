"""Buffered counters over Redis through an outage: increments made while it is down wait in memory, none is lost.

The real Redis server behind a proxy that the test cuts and restores; the store is the one a deployment with
``REDIS_URL`` gets (``create_counter_store``).
"""

from __future__ import annotations

import logging
from typing import Any

import pytest

from tatiana import BufferedCounter, Database
from tatiana.counters import Counters, create_counter_store
from tatiana.db.engine import create_engine, session_factory

from .conftest import RedisProxy

pytestmark = pytest.mark.redis


async def test_increments_made_while_redis_is_down_are_written_once_and_none_is_lost(
    redis_proxy: RedisProxy, redis_namespace: str, sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    written: list[dict[str, int]] = []

    async def write(_db: Database, counts: Any) -> None:
        written.append(dict(counts))

    counter = BufferedCounter("test.xp", write=write)
    engine = create_engine(sqlite_url)
    store = create_counter_store(redis_proxy.url, redis_namespace)
    counters = Counters(store, Database(session_factory(engine)), interval=60)
    counters.track("test", [counter])
    try:
        assert await counters.add(counter, "1:2", 5) == 5

        await redis_proxy.cut()
        with caplog.at_level(logging.WARNING, logger="tatiana.counters"):
            assert await counters.add(counter, "1:2", 7) == 7, "what this process knows is waiting"
            assert await counters.add(counter, "1:3", 1) == 1
        assert any("unreachable" in record.getMessage() for record in caplog.records)
        assert await counters.pending(counter, ["1:2", "1:3"]) == {"1:2": 7, "1:3": 1}
        assert await counters.flush() == 2
        assert written == [{"1:2": 7, "1:3": 1}], "this process writes what it kept, during the outage"

        await redis_proxy.restore()
        assert await counters.add(counter, "1:2", 3) == 8, "the 5 from before the outage waited in Redis"
        assert await counters.flush() == 1
        assert written[1:] == [{"1:2": 8}]
        totals: dict[str, int] = {}
        for batch in written:
            for key, amount in batch.items():
                totals[key] = totals.get(key, 0) + amount
        assert totals == {"1:2": 15, "1:3": 1}, "every increment written once"
        assert await counters.flush() == 0
    finally:
        await store.close()
        await engine.dispose()
