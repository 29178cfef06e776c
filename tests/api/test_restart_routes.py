"""``POST /api/bot/restart``: the bot's owners start the rolling restart of ``tatiana shards restart``."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import httpx
import pytest

from tatiana.coordination import MemoryCoordination
from tatiana.settings import Settings
from tatiana.sharding import ProcessState, ProcessStatus, Sharding, ShardState, ShardStatus, memory_sharding
from tatiana.shards.control import CONTROL_CHANNEL, RESTART
from tatiana.testing.sandbox.server import Sandbox

from .bot_api import bot_app
from .conftest import People, bearer, login, serving


async def _serve(sharding: Sharding, process: str, shards: tuple[int, ...]) -> None:
    now = time.time()
    await sharding.status.put_process(
        ProcessStatus(process, "host", 1, "launcher-1", len(shards), shards, ProcessState.SERVING, now, now),
        ttl=60,
    )
    await sharding.status.put_shards(
        [ShardStatus(s, ShardState.READY, 0.01, 1, process, "host", 1, now) for s in shards]
    )


async def _launcher(sharding: Sharding, coordination: MemoryCoordination, asked: list[str]) -> None:
    """What a launcher does with a restart request: a new process takes the old one's shards, the old one exits."""
    async with await coordination.subscribe(CONTROL_CHANNEL) as subscription:
        async for message in subscription:
            if message.data.get("type") != RESTART:
                continue
            old = message.data["process"]
            asked.append(old)
            await _serve(sharding, f"{old}-next", (0, 1))
            await sharding.status.remove_process(old)


@pytest.fixture
async def cluster(coordination: MemoryCoordination) -> AsyncIterator[tuple[Sharding, list[str]]]:
    sharding = memory_sharding()
    asked: list[str] = []
    await _serve(sharding, "proc-a", (0, 1))
    launcher = asyncio.create_task(_launcher(sharding, coordination, asked))
    try:
        yield sharding, asked
    finally:
        launcher.cancel()
        await asyncio.wait([launcher])
        await sharding.close()


async def _finished(
    client: httpx.AsyncClient, tokens: dict[str, object], restart_id: str
) -> dict[str, object]:
    for _ in range(200):
        body: dict[str, object] = (
            await client.get(f"/api/bot/restart/{restart_id}", headers=bearer(tokens))
        ).json()  # type: ignore[arg-type]
        if body["state"] != "running":
            return body
        await asyncio.sleep(0.05)
    raise AssertionError("the restart never finished")


async def test_the_owner_restarts_every_process_and_follows_it(
    settings: Settings,
    sandbox: Sandbox,
    coordination: MemoryCoordination,
    cluster: tuple[Sharding, list[str]],
    people: People,
) -> None:
    sharding, asked = cluster
    async with serving(bot_app(settings, sandbox, coordination, sharding=sharding)) as client:
        owner = await login(client, sandbox.world.application_owner)
        started = await client.post("/api/bot/restart", headers=bearer(owner))
        assert started.status_code == 202, started.text
        body = started.json()
        assert (body["state"], body["processes"]) == ("running", ["proc-a"])
        assert body["requested_by"] == str(sandbox.world.application_owner.id)
        done = await _finished(client, owner, body["id"])
        unknown = await client.get("/api/bot/restart/nope", headers=bearer(owner))

    assert asked == ["proc-a"]
    assert done["state"] == "done"
    results = done["results"]
    assert len(results) == 1
    assert results[0]["replaced"] is True
    assert "ready on proc-a-next" in results[0]["detail"]
    assert unknown.status_code == 404


async def test_only_the_owner_may_restart(
    settings: Settings,
    sandbox: Sandbox,
    coordination: MemoryCoordination,
    cluster: tuple[Sharding, list[str]],
    people: People,
) -> None:
    sharding, asked = cluster
    async with serving(bot_app(settings, sandbox, coordination, sharding=sharding)) as client:
        ana = await login(client, people.owner)  # owns a guild, not the bot
        refused = await client.post("/api/bot/restart", headers=bearer(ana))
        anonymous = await client.post("/api/bot/restart")
        owner = await login(client, sandbox.world.application_owner)
        unknown = await client.post("/api/bot/restart", json={"processes": ["proc-z"]}, headers=bearer(owner))
        bad = await client.post("/api/bot/restart", json={"processes": "all"}, headers=bearer(owner))

    assert refused.status_code == 403
    assert refused.json()["error"] == "only the bot's owner may do this"
    assert anonymous.status_code == 401
    assert unknown.status_code == 409
    assert "no running shard process proc-z" in unknown.json()["error"]
    assert bad.status_code == 400
    assert asked == []


async def test_nothing_to_restart_is_a_409(
    settings: Settings, sandbox: Sandbox, coordination: MemoryCoordination, people: People
) -> None:
    empty = memory_sharding()
    try:
        async with serving(bot_app(settings, sandbox, coordination, sharding=empty)) as client:
            owner = await login(client, sandbox.world.application_owner)
            answer = await client.post("/api/bot/restart", headers=bearer(owner))
    finally:
        await empty.close()
    assert answer.status_code == 409
    assert answer.json()["error"] == "no shard process is running"
