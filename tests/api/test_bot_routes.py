"""The bot's status from the shards' status records, and the guilds a logged-in user shares with the bot."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import httpx
import pytest
from litestar import Litestar

from tatiana.api.app import create_app
from tatiana.coordination import MemoryCoordination
from tatiana.db.engine import create_engine, session_factory
from tatiana.db.models import Guild as GuildRow
from tatiana.registry import PluginRegistry
from tatiana.settings import Settings
from tatiana.sharding import (
    ClusterShape,
    ProcessState,
    ProcessStatus,
    Sharding,
    ShardState,
    ShardStatus,
    memory_sharding,
)
from tatiana.shards.redis_sharding import redis_sharding
from tatiana.shards.status_view import STALE_AFTER

from .conftest import Defaults, People, bearer, login, serving


def _app(settings: Settings, sharding: Sharding | None = None, namespace: str = "tatiana:") -> Litestar:
    return create_app(
        settings,
        registry=PluginRegistry.of(),
        defaults=Defaults(),
        coordination=MemoryCoordination(),
        sharding=sharding,
        namespace=namespace,
    )


async def _report(sharding: Sharding) -> float:
    """Two shards of three: 0 ready, 1 connecting, 2 never reported; one live process holding 0 and 1."""
    now = time.time()
    await sharding.status.claim_shape(ClusterShape(shard_count=3, max_concurrency=1), ttl=60)
    await sharding.status.put_shards(
        [
            ShardStatus(0, ShardState.READY, 0.042, 12, "proc-a", "host-a", 101, now),
            ShardStatus(1, ShardState.CONNECTING, None, 0, "proc-a", "host-a", 101, now),
        ]
    )
    await sharding.status.put_process(
        ProcessStatus("proc-a", "host-a", 101, "launcher-a", 2, (0, 1), ProcessState.SERVING, now - 5, now),
        ttl=60,
    )
    return now


def _check_reported(body: dict[str, object], now: float) -> None:
    assert body["state"] == "degraded"
    assert body["shard_count"] == 3
    assert body["shards_ready"] == 1
    shards = body["shards"]
    assert isinstance(shards, list)
    assert [s["state"] for s in shards] == ["ready", "connecting", "unassigned"]
    first = shards[0]
    assert first["latency_ms"] == 42.0
    assert (first["guilds"], first["process"], first["host"], first["pid"]) == (12, "proc-a", "host-a", 101)
    assert first["heartbeat_at"] == pytest.approx(now)
    assert 0 <= first["heartbeat_age"] < 5
    assert shards[2] == {
        "shard_id": 2,
        "state": "unassigned",
        "latency_ms": None,
        "guilds": None,
        "process": None,
        "host": None,
        "pid": None,
        "heartbeat_at": None,
        "heartbeat_age": None,
    }
    processes = body["processes"]
    assert isinstance(processes, list)
    assert len(processes) == 1
    process = processes[0]
    assert (process["process"], process["launcher"], process["state"]) == ("proc-a", "launcher-a", "serving")
    assert (process["shards"], process["capacity"]) == ([0, 1], 2)


async def test_status_with_no_shard_reported(settings: Settings) -> None:
    async with serving(_app(settings)) as client:
        answer = await client.get("/api/bot/status")

    assert answer.status_code == 200
    body = answer.json()
    assert (body["state"], body["shard_count"], body["shards_ready"]) == ("offline", 0, 0)
    assert (body["shards"], body["processes"]) == ([], [])


async def test_status_from_the_in_memory_records(settings: Settings) -> None:
    sharding = memory_sharding()
    now = await _report(sharding)
    async with serving(_app(settings, sharding)) as client:
        answer = await client.get("/api/bot/status")

    assert answer.status_code == 200
    _check_reported(answer.json(), now)


async def test_status_is_ready_when_every_shard_is_and_stale_reports_do_not_count(settings: Settings) -> None:
    sharding = memory_sharding()
    now = time.time()
    await sharding.status.claim_shape(ClusterShape(shard_count=2, max_concurrency=1), ttl=60)
    ready = [ShardStatus(i, ShardState.READY, 0.01, 1, "p", "h", 1, now) for i in range(2)]
    await sharding.status.put_shards(ready)
    app = _app(settings, sharding)
    async with serving(app) as client:
        first = (await client.get("/api/bot/status")).json()
        old = now - STALE_AFTER - 1
        await sharding.status.put_shards(
            [ShardStatus(i, ShardState.READY, 0.01, 1, "p", "h", 1, old) for i in range(2)]
        )
        later = (await client.get("/api/bot/status")).json()

    assert (first["state"], first["shards_ready"]) == ("ready", 2)
    assert (later["state"], later["shards_ready"]) == ("offline", 0)
    assert [s["state"] for s in later["shards"]] == ["stale", "stale"]


@pytest.fixture
async def redis_writer(redis_url: str, redis_namespace: str) -> AsyncIterator[Sharding]:
    sharding = redis_sharding(redis_url, redis_namespace)
    try:
        yield sharding
    finally:
        await sharding.close()


@pytest.mark.redis
async def test_status_from_the_redis_records_given_to_the_app(
    settings: Settings, redis_writer: Sharding, redis_url: str, redis_namespace: str
) -> None:
    now = await _report(redis_writer)
    reader = redis_sharding(redis_url, redis_namespace)
    try:
        async with serving(_app(settings, reader)) as client:
            answer = await client.get("/api/bot/status")
    finally:
        await reader.close()

    assert answer.status_code == 200
    _check_reported(answer.json(), now)


@pytest.mark.redis
async def test_status_from_the_redis_records_of_redis_url(
    settings: Settings, redis_writer: Sharding, redis_url: str, redis_namespace: str
) -> None:
    now = await _report(redis_writer)
    shared = settings.model_copy(update={"redis_url": redis_url})
    app = _app(shared, namespace=redis_namespace)
    async with serving(app) as client:
        answer = await client.get("/api/bot/status")

    assert answer.status_code == 200
    _check_reported(answer.json(), now)


async def test_bot_guilds_needs_a_token(client: httpx.AsyncClient) -> None:
    missing = await client.get("/api/bot/guilds")
    tampered = await client.get("/api/bot/guilds", headers=bearer("not.a.jwt"))

    assert missing.status_code == 401
    assert missing.json()["status"] == 401
    assert tampered.status_code == 401


async def _known_guilds(settings: Settings, people: People) -> None:
    """The bot knows guilds A and B, one it has left, and one none of the people is in."""
    engine = create_engine(settings.effective_database_url)
    try:
        async with session_factory(engine)() as session, session.begin():
            session.add_all(
                [
                    GuildRow(discord_id=people.guild_a.id, name=people.guild_a.name),
                    GuildRow(discord_id=people.guild_b.id, name=people.guild_b.name, is_active=False),
                    GuildRow(discord_id=1, name="Ajeno"),
                ]
            )
    finally:
        await engine.dispose()


async def test_bot_guilds_lists_the_shared_guilds_and_who_manages_them(
    client: httpx.AsyncClient, settings: Settings, people: People
) -> None:
    await _known_guilds(settings, people)
    a = {"id": str(people.guild_a.id), "name": people.guild_a.name}

    owner = await client.get("/api/bot/guilds", headers=bearer(await login(client, people.owner)))
    manager = await client.get("/api/bot/guilds", headers=bearer(await login(client, people.manager)))
    member = await client.get("/api/bot/guilds", headers=bearer(await login(client, people.member)))

    assert owner.status_code == 200, owner.text
    assert owner.json() == [a | {"can_manage": True}]  # B: the bot left it
    assert manager.json() == [a | {"can_manage": True}]
    assert member.json() == [a | {"can_manage": False}]


async def test_bot_guilds_includes_guilds_the_user_does_not_manage(
    client: httpx.AsyncClient, settings: Settings, people: People
) -> None:
    engine = create_engine(settings.effective_database_url)
    try:
        async with session_factory(engine)() as session, session.begin():
            session.add_all(
                [
                    GuildRow(discord_id=people.guild_b.id, name="Otro servidor"),
                    GuildRow(discord_id=people.guild_a.id, name=people.guild_a.name),
                ]
            )
    finally:
        await engine.dispose()

    answer = await client.get("/api/bot/guilds", headers=bearer(await login(client, people.owner)))

    assert answer.status_code == 200
    assert [(g["name"], g["can_manage"]) for g in answer.json()] == sorted(
        [(people.guild_a.name, True), ("Otro servidor", False)], key=lambda pair: pair[0].casefold()
    )
