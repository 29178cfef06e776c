"""Redis going away under a running sharded bot: the shards keep serving and everything recovers; a process cut
off from Redis alone stops its shards before another process that took them over connects them: with strict
leases before its leases can expire, with default leases once the taker's claim shows in the database.

The shard processes reach Redis through a TCP proxy the test cuts; the test itself talks to Redis directly.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from tatiana.bot.messages import message
from tatiana.coordination import create_coordination
from tatiana.db.engine import create_engine, session_factory
from tatiana.deployment import DeploymentConfig, PluginDefault
from tatiana.guild_plugins import GuildPluginService
from tatiana.shards.status_view import ClusterStatus
from tatiana.shards.testing import LocalCluster, fresh_owner, member_of, probe_registry, seed_across_shards
from tatiana.testing.sandbox.interactions import SandboxUser
from tatiana.testing.sandbox.server import Sandbox
from tatiana.testing.sandbox.world import World

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.slow]

DISABLED = message("es", "plugin_disabled", plugin="probe")


def pid_of(text: str) -> int:
    """The pid in the probe's answer ``pid=<pid>``."""
    assert text.startswith("pid="), text
    return int(text.removeprefix("pid="))


async def answer(user: SandboxUser) -> str:
    """What /where answers."""
    return (await user.slash("where")).content


async def answers(user: SandboxUser, check: Callable[[str], bool], timeout: float) -> None:
    """Run /where until its answer passes ``check``."""
    deadline = time.monotonic() + timeout
    while not check(await answer(user)):
        assert time.monotonic() < deadline, "the expected answer did not come in time"
        await asyncio.sleep(0.05)


@pytest.mark.usefixtures("redis_url")  # cleans the namespace afterwards
async def test_shards_keep_serving_while_redis_is_down_and_recover(
    postgres_url: str,
    redis_namespace: str,
    redis_proxy: Any,
    cluster_for: Callable[..., LocalCluster],
    log_problems: Callable[[str], list[str]],
) -> None:
    world = World()
    guilds = seed_across_shards(world, 4)
    async with (
        Sandbox(world, shard_count=4, max_concurrency=4) as sandbox,
        cluster_for(sandbox, postgres_url, redis_namespace) as cluster,
    ):
        launcher = await cluster.launch("--processes", "2", "--lease-ttl", "3", redis_url=redis_proxy.url)
        before = await cluster.wait_serving(timeout=60, processes=2)
        users = [member_of(sandbox, shard_guilds[0]) for shard_guilds in guilds.values()]
        pids = [pid_of(await answer(user)) for user in users]
        identifies = len(sandbox.gateway.identifies)
        engine = create_engine(postgres_url)
        coordination = create_coordination(cluster.redis_url, redis_namespace)
        service = GuildPluginService(
            session_factory(engine),
            probe_registry(cluster.probe_path),
            coordination,
            DeploymentConfig(plugins={"probe": PluginDefault(enabled=True)}),
        )
        try:
            await redis_proxy.cut()
            toggled = users[0].guild
            assert toggled is not None
            await service.disable(toggled.id, "probe")  # saved, published; no shard process hears it
            outage_ends = time.monotonic() + 5.0  # longer than the lease TTL
            while time.monotonic() < outage_ends:
                assert [pid_of(await answer(user)) for user in users] == pids
                await asyncio.sleep(0.1)
            assert "Redis is unreachable" in launcher.log()
            # The leases may have expired: every process checked the claims, found its own, and served on.
            assert launcher.log().count("checking their claims in the database") == 2

            await redis_proxy.restore()
            # The toggle missed during the outage applies once Redis is back: the cache is read again.
            await answers(users[0], lambda text: text == DISABLED, timeout=15)
            after = await cluster.wait_serving(timeout=20, processes=2)
            assert [fresh_owner(after, s) for s in range(4)] == [fresh_owner(before, s) for s in range(4)]
            assert len(sandbox.gateway.identifies) == identifies  # no shard had to identify again
            assert "Redis is reachable again" in launcher.log()

            started = time.monotonic()
            await service.enable(toggled.id, "probe")
            await answers(users[0], lambda text: text.startswith("pid="), timeout=5)
            assert time.monotonic() - started < 1.0
            assert sandbox.gateway.identify_violations == []
        finally:
            await coordination.close()
            await engine.dispose()
        await launcher.stop()
        assert log_problems(launcher.log()) == []


@pytest.mark.usefixtures("redis_url")
async def test_strict_leases_stop_a_cut_off_process_before_another_takes_its_shards(
    postgres_url: str,
    redis_namespace: str,
    redis_proxy: Any,
    cluster_for: Callable[..., LocalCluster],
    log_problems: Callable[[str], list[str]],
) -> None:
    world = World()
    guilds = seed_across_shards(world, 4)
    async with (
        Sandbox(world, shard_count=4, max_concurrency=4) as sandbox,
        cluster_for(sandbox, postgres_url, redis_namespace) as cluster,
    ):
        strict = ("--lease-ttl", "3", "--strict-leases", "--processes", "1")
        cut_off = await cluster.launch(*strict, "--shards-per-process", "2", redis_url=redis_proxy.url)

        def two_shards_ready(status: ClusterStatus) -> bool:
            return (
                len(status.processes) == 1
                and [fresh_owner(status, s) is not None for s in range(4)].count(True) == 2
            )

        first = await cluster.wait_for(two_shards_ready, timeout=60)
        victim = first.processes[0]
        healthy = await cluster.launch(*strict, "--shards-per-process", "4")
        serving = await cluster.wait_serving(timeout=60, processes=2)
        survivor = next(p for p in serving.processes if p.process != victim.process)

        connected_at_once = 0
        sampling = True

        async def sample() -> None:
            nonlocal connected_at_once
            while sampling:
                per_shard = [s.shard_id for s in sandbox.gateway.sessions if s.connected]
                connected_at_once = max([connected_at_once, *(per_shard.count(s) for s in set(per_shard))])
                await asyncio.sleep(0.01)

        sampler = asyncio.create_task(sample())
        await redis_proxy.cut()

        def taken_over(status: ClusterStatus) -> bool:
            return all(fresh_owner(status, s) == survivor.process for s in range(4))

        await cluster.wait_for(taken_over, timeout=20, what="takeover of the cut-off process's shards")
        for shard_id in victim.shards:
            assert pid_of(await answer(member_of(sandbox, guilds[shard_id][0]))) == survivor.pid
        sampling = False
        await sampler
        assert connected_at_once == 1  # no shard ever had two live gateway connections
        assert "freezing it" in cut_off.log()
        assert sandbox.gateway.identify_violations == []

        await redis_proxy.restore()
        await cut_off.stop()
        await healthy.stop()
        assert log_problems(cut_off.log()) == []
        assert log_problems(healthy.log()) == []


@pytest.mark.usefixtures("redis_url")
async def test_a_process_cut_off_from_redis_alone_stops_the_shards_claimed_by_another(
    postgres_url: str,
    redis_namespace: str,
    redis_proxy: Any,
    cluster_for: Callable[..., LocalCluster],
    log_problems: Callable[[str], list[str]],
) -> None:
    """Default leases: a process cut off from Redis alone serves on while its leases may hold; once another
    process has taken them over and claimed the shards in the database, it stops them before the taker connects,
    so no shard ever has two gateway connections; when Redis returns, each shard is where its lease is."""
    world = World()
    guilds = seed_across_shards(world, 4)
    async with (
        Sandbox(world, shard_count=4, max_concurrency=4) as sandbox,
        cluster_for(sandbox, postgres_url, redis_namespace) as cluster,
    ):
        options = ("--lease-ttl", "3", "--processes", "1")
        cut_off = await cluster.launch(*options, "--shards-per-process", "2", redis_url=redis_proxy.url)

        def two_shards_ready(status: ClusterStatus) -> bool:
            return (
                len(status.processes) == 1
                and [fresh_owner(status, s) is not None for s in range(4)].count(True) == 2
            )

        victim = (await cluster.wait_for(two_shards_ready, timeout=60)).processes[0]
        healthy = await cluster.launch(*options, "--shards-per-process", "4")
        serving = await cluster.wait_serving(timeout=60, processes=2)
        survivor = next(p for p in serving.processes if p.process != victim.process)

        def connections(shard_id: int) -> int:
            return sum(1 for s in sandbox.gateway.sessions if s.connected and s.shard_id == shard_id)

        connected_at_once = 0
        sampling = True

        async def sample() -> None:
            nonlocal connected_at_once
            while sampling:
                connected_at_once = max(connected_at_once, *(connections(s) for s in range(4)))
                await asyncio.sleep(0.01)

        sampler = asyncio.create_task(sample())
        await redis_proxy.cut()
        cut_at = time.monotonic()
        # Within the TTL the cut-off process cannot know whether Redis is down for everyone: it serves on.
        while time.monotonic() - cut_at < 1.5:
            for shard_id in victim.shards:
                assert pid_of(await answer(member_of(sandbox, guilds[shard_id][0]))) == victim.pid
            await asyncio.sleep(0.1)

        def taken_over(status: ClusterStatus) -> bool:
            return all(fresh_owner(status, s) == survivor.process for s in range(4))

        await cluster.wait_for(taken_over, timeout=20, what="takeover of the cut-off process's shards")
        for shard_id in victim.shards:
            for guild in guilds[shard_id]:
                assert pid_of(await answer(member_of(sandbox, guild))) == survivor.pid
        assert [connections(s) for s in range(4)] == [1] * 4
        for shard_id in victim.shards:
            assert f"shard {shard_id}: taken over from {victim.process}; waiting" in healthy.log()
            assert (
                f"shard {shard_id}: its lease could not be renewed (Redis unreachable) and process "
                f"{survivor.process} has claimed it since; stopping it here" in cut_off.log()
            )

        await redis_proxy.restore()

        def settled(status: ClusterStatus) -> bool:
            shards = {p.process: p.shards for p in status.processes}
            return shards.get(victim.process) == () and taken_over(status)

        await cluster.wait_for(settled, timeout=20, what="the cut-off process back, holding no shard")
        sampling = False
        await sampler
        assert connected_at_once == 1  # no shard ever had two live gateway connections
        assert sandbox.gateway.identify_violations == []

        await cut_off.stop()
        await healthy.stop()
        assert log_problems(cut_off.log(), [r"has claimed it since; stopping it here"]) == []
        assert log_problems(healthy.log()) == []


@pytest.mark.usefixtures("redis_url")
async def test_a_process_cut_off_from_redis_and_the_database_serves_on(  # noqa: PLR0917 - fixtures
    postgres_url: str,
    redis_namespace: str,
    redis_proxy: Any,
    postgres_proxy: Any,
    cluster_for: Callable[..., LocalCluster],
    log_problems: Callable[[str], list[str]],
) -> None:
    """Default leases: with neither Redis nor the claims to check, a process serves on (and says so) rather than
    stopping every shard, and carries on, same sessions, when both return."""
    world = World()
    guilds = seed_across_shards(world, 4)
    async with (
        Sandbox(world, shard_count=4, max_concurrency=4) as sandbox,
        cluster_for(sandbox, postgres_url, redis_namespace) as cluster,
    ):
        # Migrated directly; the shard processes reach the database through the proxy.
        through_proxy = make_url(postgres_url).set(host="127.0.0.1", port=postgres_proxy.port)
        cluster.database_url = through_proxy.render_as_string(hide_password=False)
        launcher = await cluster.launch("--processes", "1", "--lease-ttl", "3", redis_url=redis_proxy.url)
        await cluster.wait_serving(timeout=60, processes=1)
        users = [member_of(sandbox, shard_guilds[0]) for shard_guilds in guilds.values()]
        pids = [pid_of(await answer(user)) for user in users]
        identifies = len(sandbox.gateway.identifies)

        await redis_proxy.cut()
        await postgres_proxy.cut()
        outage_ends = time.monotonic() + 5.0  # longer than the lease TTL
        while time.monotonic() < outage_ends:
            assert [pid_of(await answer(user)) for user in users] == pids
            await asyncio.sleep(0.1)
        assert "the database is unreachable too" in launcher.log()

        await postgres_proxy.restore()
        await redis_proxy.restore()
        await cluster.wait_serving(timeout=20, processes=1)
        assert [pid_of(await answer(user)) for user in users] == pids
        assert len(sandbox.gateway.identifies) == identifies
        assert sandbox.gateway.identify_violations == []

        await launcher.stop()
        # Plugins that write to the database on every message say so while it is unreachable: not the shards'.
        database_down = [
            r"the database is unreachable too",
            r"plugin (levels|ai): listener \w+ for GuildMessageCreateEvent raised",
        ]
        assert log_problems(launcher.log(), database_down) == []
