"""Handing a shard over between two bots on the sandbox, through the real hikari client: the first bot sees
every event up to the freeze and none after; the second RESUMEs the session and sees every later one, the
events sent in between included. Shards are added to running bots through the identify queue.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Iterator

import hikari
import pytest

from tatiana.sharding import memory_sharding
from tatiana.sharding.base import IdentifyQueue
from tatiana.shards.shard_host import ShardHost
from tatiana.shards.testing import member_of, seed_across_shards
from tatiana.testing.sandbox.server import Sandbox
from tatiana.testing.sandbox.world import Guild, World

INTENTS = hikari.Intents.ALL_UNPRIVILEGED | hikari.Intents.MESSAGE_CONTENT


class HikariLog(logging.Handler):
    """hikari's warnings and errors."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if not re.search("optimization level", record.getMessage()):
            self.lines.append(f"{record.name}: {record.getMessage()}")


@pytest.fixture(autouse=True)
def hikari_log() -> Iterator[HikariLog]:
    """Fails the test on any warning or error hikari logs (a payload it cannot parse is only logged)."""
    handler = HikariLog()
    logger = logging.getLogger("hikari")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
    assert handler.lines == []


@pytest.fixture
def world_and_guild() -> tuple[World, Guild]:
    """A world with guilds on 2 shards; the guild on shard 0."""
    world = World()
    return world, seed_across_shards(world, 2)[0][0]


@pytest.fixture
async def sandbox(world_and_guild: tuple[World, Guild]) -> AsyncIterator[Sandbox]:
    """The sandbox: 2 shards, max_concurrency 1."""
    async with Sandbox(world_and_guild[0], shard_count=2, max_concurrency=1) as sandbox:
        yield sandbox


class Bot:
    """A bare hikari bot started with no shard, a ShardHost adding them, and the messages it heard."""

    def __init__(self, sandbox: Sandbox, queue: IdentifyQueue) -> None:
        self.app = hikari.GatewayBot(
            sandbox.token, rest_url=sandbox.rest_url, intents=INTENTS, banner=None, logs=None
        )
        self.heard: list[str] = []
        self.app.event_manager.subscribe(hikari.GuildMessageCreateEvent, self._heard)
        self.queue = queue
        self.host: ShardHost | None = None

    async def _heard(self, event: hikari.GuildMessageCreateEvent) -> None:
        self.heard.append(event.content or "")

    async def start(self, sandbox: Sandbox) -> ShardHost:
        await self.app.start(shard_ids=[], shard_count=2, check_for_updates=False)
        self.host = ShardHost(
            self.app,
            shard_count=2,
            gateway_url=sandbox.gateway_url,
            identify_turn=lambda shard_id: self.queue.acquire(shard_id, 1),
        )
        return self.host


async def heard(bot: Bot, expected: list[str]) -> None:
    """Wait until ``bot`` heard exactly ``expected``."""
    async with asyncio.timeout(5):
        while bot.heard != expected:  # noqa: ASYNC110 - the listener sets no event
            await asyncio.sleep(0.01)


async def test_a_handed_over_shard_loses_and_repeats_no_event(
    sandbox: Sandbox, world_and_guild: tuple[World, Guild]
) -> None:
    guild = world_and_guild[1]
    user = member_of(sandbox, guild)
    queue = memory_sharding().identify
    first, second = Bot(sandbox, queue), Bot(sandbox, queue)
    try:
        first_host = await first.start(sandbox)
        assert await first_host.start(0) is False  # identified
        assert first.app.shards[0].is_alive
        assert first_host.report(0).state.value == "ready"
        await user.send("uno")
        await heard(first, ["uno"])

        state = first_host.freeze(0)
        assert state is not None
        assert state.guild_ids == (guild.id,)
        await user.send("dos")  # after the freeze: for whoever resumes the session
        await first_host.stop(0)
        assert 0 not in first.app.shards
        await user.send("tres")  # while nobody is connected

        second_host = await second.start(sandbox)
        assert await second_host.start(0, state) is True  # resumed
        await heard(second, ["dos", "tres"])
        await user.send("cuatro")
        await heard(second, ["dos", "tres", "cuatro"])
        assert second_host.report(0).guilds == 1
        await asyncio.sleep(0.2)
        assert first.heard == ["uno"]
        assert [r.shard_id for r in sandbox.gateway.identifies] == [0]
        assert sandbox.gateway.resume_requests == [(state.session_id, state.seq)]
        # The handed-over shard answers commands in its new process too.
        assert sandbox.gateway.identify_violations == []
    finally:
        for bot in (first, second):
            if bot.host is not None:
                await bot.host.stop_all()
            if bot.app.is_alive:
                await bot.app.close()


async def test_shards_added_to_a_running_bot_wait_for_their_identify_turn(sandbox: Sandbox) -> None:
    queue = memory_sharding().identify
    bot = Bot(sandbox, queue)
    try:
        host = await bot.start(sandbox)
        waiting = asyncio.gather(host.start(0), host.start(1))
        await asyncio.sleep(0.5)
        assert sorted(host.report(s).state.value for s in (0, 1)) == ["ready", "waiting"]
        await asyncio.wait_for(waiting, 10)
        first, second = sorted(r.at for r in sandbox.gateway.identifies)
        assert second - first >= 5.0
        assert sandbox.gateway.identify_violations == []
        await host.stop(1)
        assert sorted(bot.app.shards) == [0]
    finally:
        if bot.host is not None:
            await bot.host.stop_all()
        await bot.app.close()


async def test_a_shard_stopped_while_waiting_for_its_turn_never_identifies(sandbox: Sandbox) -> None:
    queue = memory_sharding().identify
    await queue.acquire(0, 1)  # the bucket's turn is taken for the next 5.25 s
    bot = Bot(sandbox, queue)
    try:
        host = await bot.start(sandbox)
        starting = asyncio.create_task(host.start(0))
        await asyncio.sleep(0.3)
        assert host.report(0).state.value == "waiting"
        await host.stop(0)
        with pytest.raises(Exception, match=r"closed|stopped"):
            await starting
        assert sandbox.gateway.identifies == []
        assert host.shard_ids == set()
        # hikari's heartbeat and event reader of the connection that waited are stopped too.
        lifetime = ("heartbeat (shard 0)", "poll events (shard 0)")
        assert [t for t in asyncio.all_tasks() if t.get_name() in lifetime and not t.done()] == []
    finally:
        await bot.app.close()
