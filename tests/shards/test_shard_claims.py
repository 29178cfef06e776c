"""The shard claims table, on SQLite and the real PostgreSQL: a newer claim wins, a stale one is refused."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from tatiana.db import migrate
from tatiana.db.engine import create_engine, session_factory
from tatiana.registry import PluginRegistry
from tatiana.shards.claims import Claim, ShardClaims


@pytest_asyncio.fixture
async def claims(database_url: str) -> AsyncIterator[ShardClaims]:
    """Claims on a freshly migrated database of each backend."""
    await migrate.upgrade(database_url, registry=PluginRegistry.of())
    engine = create_engine(database_url)
    try:
        yield ShardClaims(session_factory(engine))
    finally:
        await engine.dispose()


async def test_the_first_claim_of_a_shard_starts_its_epoch(claims: ShardClaims) -> None:
    previous, mine = await claims.take(3, "a/0.1")

    assert previous is None
    assert mine == Claim(3, "a/0.1", 1)
    assert await claims.read([3, 4]) == {3: mine}


async def test_a_newer_claim_supersedes_the_holders(claims: ShardClaims) -> None:
    _, held = await claims.take(0, "a/0.1")
    await claims.take(1, "a/0.1")

    previous, taker = await claims.take(0, "b/0.1")

    assert previous == held  # not released: the taker waits before connecting
    assert taker.epoch == held.epoch + 1
    current = await claims.read([0, 1])
    assert current[0].supersedes(held)
    assert not current[1].supersedes(Claim(1, "a/0.1", 1))  # the holder's own claim stands
    assert not held.supersedes(taker)


async def test_a_claim_based_on_a_stale_read_is_refused(claims: ShardClaims) -> None:
    _, first = await claims.take(2, "a/0.1")
    seen = (await claims.read([2]))[2]
    newer = await claims.claim(2, "b/0.1", seen)
    assert newer == Claim(2, "b/0.1", first.epoch + 1)

    assert await claims.claim(2, "c/0.1", seen) is None  # what it read was replaced meanwhile
    assert await claims.claim(2, "c/0.1", None) is None  # as if the shard had no claim yet
    assert await claims.read([2]) == {2: newer}


async def test_a_handover_is_recorded_only_by_the_current_claimer(claims: ShardClaims) -> None:
    _, old = await claims.take(5, "a/0.1")
    _, current = await claims.take(5, "b/0.1")

    assert not await claims.release(old)  # superseded: its release changes nothing
    assert await claims.read([5]) == {5: current}

    assert await claims.release(current)
    previous, next_claim = await claims.take(5, "c/0.1")
    assert previous == Claim(5, "b/0.1", current.epoch, released=True)
    assert next_claim == Claim(5, "c/0.1", current.epoch + 1)
