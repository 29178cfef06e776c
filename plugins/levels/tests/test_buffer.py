"""The XP buffer: one database write per active member per flush, in memory or Redis, and what a crash loses."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from tatiana_levels import plugin
from tatiana_levels.store import member_key, stored_xp
from tatiana_levels.xp import XP

from tatiana import Database
from tatiana.bot.app import TatianaBot
from tatiana.counters import CounterStore, MemoryCounterStore
from tatiana.shards.redis_counters import RedisCounterStore
from tatiana.testing import Sandbox, SandboxUser, sandbox_bot
from tatiana.testing.sandbox.world import Guild

FIXED = {"xp_min": 10, "xp_max": 10, "cooldown_seconds": 0, "announce": "off"}


@pytest.fixture
def sqlite_url(tmp_path: Any) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'levels.db'}"


@contextlib.contextmanager
def level_writes(engine: AsyncEngine) -> Iterator[list[int]]:
    """Rows each statement on ``level_members`` wrote, one entry per statement, while the block runs."""
    writes: list[int] = []

    def count(_conn: Any, clause: Any, multiparams: Any, params: Any, _options: Any) -> None:
        table = getattr(clause, "table", None)
        if getattr(table, "name", None) == "level_members" and clause.is_dml:
            writes.append(len(multiparams) if multiparams else 1)

    event.listen(engine.sync_engine, "before_execute", count)
    try:
        yield writes
    finally:
        event.remove(engine.sync_engine, "before_execute", count)


def engine_of(bot: TatianaBot) -> AsyncEngine:
    bind = bot.sessions.kw["bind"]
    assert isinstance(bind, AsyncEngine)
    return bind


async def store_for(redis_url: str | None, namespace: str) -> CounterStore:
    return RedisCounterStore(redis_url, namespace) if redis_url else MemoryCounterStore()


@contextlib.asynccontextmanager
async def levels_bot(
    sandbox: Sandbox, database_url: str, store: CounterStore, interval: float = 3600
) -> AsyncIterator[TatianaBot]:
    async with sandbox_bot(
        sandbox, database_url, plugins=[plugin], counter_store=store, flush_interval=interval
    ) as bot:
        yield bot


def members(sandbox: Sandbox, guild: Guild) -> list[SandboxUser]:
    return [
        SandboxUser(sandbox, guild, m)
        for m in guild.members.values()
        if sandbox.world.users[m.user_id].username in {"marta", "pablo", "sofia"}
    ]


async def buffered(bot: TatianaBot, guild: Guild, user_id: int, at_least: int) -> None:
    key = member_key(guild.id, user_id)
    for _ in range(500):
        if (await bot.counters.pending(XP, [key]))[key] >= at_least:
            return
        await asyncio.sleep(0.01)
    pytest.fail(f"{user_id} never had {at_least} XP buffered")


@pytest.fixture(
    params=[
        ("memory", "sqlite"),
        pytest.param(("redis", "postgres"), marks=[pytest.mark.redis, pytest.mark.postgres]),
    ],
    ids=["memory-sqlite", "redis-postgres"],
)
def deployment(request: pytest.FixtureRequest, sqlite_url: str) -> tuple[str, str | None]:
    """The bot's database URL and Redis URL (None: buffers in memory): embedded, then distributed."""
    # Not async: an async fixture cannot be set up through getfixturevalue inside another's event loop.
    kind, backend = request.param
    url = sqlite_url if backend == "sqlite" else request.getfixturevalue("postgres_url")
    return url, request.getfixturevalue("redis_url") if kind == "redis" else None


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def redis_or_memory(request: pytest.FixtureRequest) -> str | None:
    """The Redis URL for the Redis buffer, None for the memory one."""
    return request.getfixturevalue("redis_url") if request.param == "redis" else None


async def test_one_write_per_active_member_per_flush(
    sandbox: Sandbox, guild: Guild, deployment: tuple[str, str | None], redis_namespace: str
) -> None:
    url, redis_url = deployment
    store = await store_for(redis_url, redis_namespace)
    try:
        async with levels_bot(sandbox, url, store) as bot:
            await bot.service.update_settings(guild.id, "levels", FIXED)
            talkers = members(sandbox, guild)
            for round_ in range(4):
                for talker in talkers:
                    await talker.send(f"mensaje {round_}")
            for talker in talkers:
                await buffered(bot, guild, talker.user.id, 40)
            with level_writes(engine_of(bot)) as writes:
                assert await bot.counters.flush() == 3
            assert writes == [3], "one statement writing one row per member, for 12 messages"
            db = Database(bot.sessions)
            assert [await stored_xp(db, guild.id, t.user.id) for t in talkers] == [40, 40, 40]
            with level_writes(engine_of(bot)) as writes:
                assert await bot.counters.flush() == 0
            assert writes == [], "nothing buffered, nothing written"
    finally:
        await store.close()


async def test_the_flush_loop_writes_every_interval(sandbox: Sandbox, guild: Guild, sqlite_url: str) -> None:
    async with levels_bot(sandbox, sqlite_url, MemoryCounterStore(), interval=0.2) as bot:
        await bot.service.update_settings(guild.id, "levels", FIXED)
        marta = members(sandbox, guild)[0]
        await marta.send("hola")
        db = Database(bot.sessions)
        for _ in range(100):
            if await stored_xp(db, guild.id, marta.user.id) == 10:
                break
            await asyncio.sleep(0.02)
        assert await stored_xp(db, guild.id, marta.user.id) == 10


async def test_what_a_crash_loses(
    sandbox: Sandbox, guild: Guild, sqlite_url: str, redis_or_memory: str | None, redis_namespace: str
) -> None:
    """In memory a crash loses what was buffered since the last flush; in Redis the next process writes it."""
    redis_url = redis_or_memory
    kind = "redis" if redis_url else "memory"
    first = await store_for(redis_url, redis_namespace)
    async with levels_bot(sandbox, sqlite_url, first) as bot:
        await bot.service.update_settings(guild.id, "levels", FIXED)
        marta = members(sandbox, guild)[0]
        await marta.send("antes del flush")
        await buffered(bot, guild, marta.user.id, 10)
        await bot.counters.flush()
        await marta.send("después")
        await marta.send("y otro")
        await buffered(bot, guild, marta.user.id, 20)
        unflushed = (await bot.counters.pending(XP, [member_key(guild.id, marta.user.id)]))[
            member_key(guild.id, marta.user.id)
        ]
        await bot.counters.stop(flush=False)  # the process dies: no final flush
    await first.close()

    # The next process (on a Discord of its own: the sandbox would make it wait 5 s to identify again).
    second = await store_for(redis_url, redis_namespace)
    try:
        async with Sandbox() as elsewhere, levels_bot(elsewhere, sqlite_url, second) as bot:
            stored = await stored_xp(Database(bot.sessions), guild.id, marta.user.id)
    finally:
        await second.close()
    lost = 30 - stored
    print(f"\n{kind}: {unflushed} XP buffered since the last flush at the crash; lost {lost} XP")
    assert unflushed == 20
    assert lost == (20 if kind == "memory" else 0)
