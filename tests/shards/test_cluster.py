"""The sharded bot end to end: ``tatiana run`` with 2 processes x 2 shards on the real Redis, the real hikari
client on the sandbox, a PostgreSQL database. The tests share one cluster and run in order: serving, toggles,
status, rolling restart, SIGKILL takeover; the sandbox must record no identify-limit violation throughout.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import time
from collections.abc import AsyncIterator, Callable

import pytest
import pytest_asyncio

from tatiana.bot.messages import message
from tatiana.coordination import create_coordination
from tatiana.db.engine import create_engine, session_factory
from tatiana.deployment import DeploymentConfig, PluginDefault
from tatiana.guild_plugins import GuildPluginService
from tatiana.shards.claims import ShardClaims
from tatiana.shards.status_view import ClusterStatus
from tatiana.shards.testing import LocalCluster, fresh_owner, member_of, probe_registry
from tatiana.testing.sandbox.interactions import SandboxUser
from tatiana.testing.sandbox.server import Sandbox
from tatiana.testing.sandbox.world import Guild, World

pytestmark = [
    pytest.mark.asyncio(loop_scope="module"),
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.slow,
]

LEASE_TTL = 3.0
DISABLED = message("es", "plugin_disabled", plugin="probe")


def alive(pid: int) -> bool:
    """Whether the process runs (an exited child nobody reaped yet does not)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def pid_of(text: str) -> int:
    """The pid in the probe's answer ``pid=<pid>``."""
    assert text.startswith("pid="), text
    return int(text.removeprefix("pid="))


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def sandbox(shard_world: tuple[World, dict[int, list[Guild]]]) -> AsyncIterator[Sandbox]:
    """The sandbox: 4 shards, 2 identify buckets (so that both processes compete for them at start)."""
    async with Sandbox(shard_world[0], shard_count=4, max_concurrency=2) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def guilds(shard_world: tuple[World, dict[int, list[Guild]]]) -> dict[int, list[Guild]]:
    """Two guilds on each shard."""
    return shard_world[1]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def cluster(
    sandbox: Sandbox,
    module_postgres_url: str,
    module_namespace: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[LocalCluster]:
    """``tatiana run --processes 2``, serving every shard."""
    workdir = tmp_path_factory.mktemp("cluster")
    async with LocalCluster(
        sandbox,
        database_url=module_postgres_url,
        redis_url=os.environ.get("TATIANA_TEST_REDIS_URL", "redis://127.0.0.1:6379/0"),
        namespace=module_namespace,
        workdir=workdir,
    ) as cluster:
        launcher = await cluster.launch("--processes", "2", "--lease-ttl", str(LEASE_TTL))
        try:
            await cluster.wait_serving(timeout=60, processes=2)
        except AssertionError:
            print(launcher.log())
            raise
        yield cluster
    print(launcher.log())


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def service(cluster: LocalCluster, module_postgres_url: str) -> AsyncIterator[GuildPluginService]:
    """A GuildPluginService of the test's own, writing toggles to the cluster's database and Redis."""
    registry = probe_registry(cluster.probe_path)
    engine = create_engine(module_postgres_url)
    coordination = create_coordination(cluster.redis_url, cluster.namespace)
    deployment = DeploymentConfig(plugins={"probe": PluginDefault(enabled=True)})
    try:
        yield GuildPluginService(session_factory(engine), registry, coordination, deployment)
    finally:
        await coordination.close()
        await engine.dispose()


async def test_every_shard_answers_from_the_process_holding_it(
    cluster: LocalCluster, sandbox: Sandbox, guilds: dict[int, list[Guild]]
) -> None:
    status = await cluster.status()
    pid_of_process = {p.process: p.pid for p in status.processes}
    assert sorted(len(p.shards) for p in status.processes) == [2, 2]
    for shard_id, shard_guilds in guilds.items():
        holder = fresh_owner(status, shard_id)
        assert holder is not None
        for guild in shard_guilds:
            reply = await member_of(sandbox, guild).slash("where")
            assert pid_of(reply.content) == pid_of_process[holder]
    assert len(set(pid_of_process.values())) == 2
    assert sandbox.gateway.identify_violations == []
    assert sorted(r.shard_id for r in sandbox.gateway.identifies) == [0, 1, 2, 3]


async def test_status_command_shows_shards_and_processes(
    cluster: LocalCluster, guilds: dict[int, list[Guild]]
) -> None:
    code, out, err = await cluster.cli("shards", "status", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert (data["shard_count"], data["max_concurrency"]) == (4, 2)
    assert [s["state"] for s in data["shards"]] == ["ready"] * 4
    assert [s["guilds"] for s in data["shards"]] == [len(guilds[s]) for s in range(4)]
    assert all(s["latency_ms"] is not None and s["heartbeat_age"] < 10 for s in data["shards"])
    assert sorted(len(p["shards"]) for p in data["processes"]) == [2, 2]
    assert {s["process"] for s in data["shards"]} == {p["process"] for p in data["processes"]}
    pid_of_process = {p["process"]: p["pid"] for p in data["processes"]}
    assert all(s["pid"] == pid_of_process[s["process"]] for s in data["shards"])
    assert {s["host"] for s in data["shards"]} == {socket.gethostname()}

    code, out, err = await cluster.cli("shards", "status")
    assert code == 0, err
    assert "4 shards, max_concurrency 2" in out
    assert "SHARD  STATE  LATENCY  GUILDS  PROCESS" in out
    assert out.count(" ready ") == 4


async def test_a_toggle_reaches_every_shard_within_a_second(
    sandbox: Sandbox, guilds: dict[int, list[Guild]], service: GuildPluginService
) -> None:
    users = [member_of(sandbox, shard_guilds[0]) for shard_guilds in guilds.values()]
    for user in users:  # every process caches the guild's state first
        pid_of((await user.slash("where")).content)

    async def seen(user: SandboxUser, expected: str | None, started: float) -> float:
        while True:
            content = (await user.slash("where")).content
            if (content == DISABLED) if expected == DISABLED else content.startswith("pid="):
                return time.monotonic() - started
            await asyncio.sleep(0.01)

    started = time.monotonic()
    await asyncio.gather(*(service.disable(user.guild.id, "probe") for user in users if user.guild))
    delays = await asyncio.wait_for(asyncio.gather(*(seen(u, DISABLED, started) for u in users)), 10)
    assert max(delays) < 1.0, delays

    started = time.monotonic()
    await asyncio.gather(*(service.enable(user.guild.id, "probe") for user in users if user.guild))
    delays = await asyncio.wait_for(asyncio.gather(*(seen(u, None, started) for u in users)), 10)
    assert max(delays) < 1.0, delays


async def test_a_settings_change_reaches_every_shard_within_a_second(
    sandbox: Sandbox, guilds: dict[int, list[Guild]], service: GuildPluginService
) -> None:
    users = [member_of(sandbox, shard_guilds[0]) for shard_guilds in guilds.values()]
    for user in users:  # every process caches the guild's settings first
        assert (await user.slash("tag")).content == "tag=none"

    async def seen(user: SandboxUser, tag: str, started: float) -> float:
        while True:
            if (await user.slash("tag")).content == f"tag={tag}":
                return time.monotonic() - started
            await asyncio.sleep(0.01)

    for tag in ("uno", "dos"):
        started = time.monotonic()
        await asyncio.gather(
            *(service.update_settings(user.guild.id, "probe", {"tag": tag}) for user in users if user.guild)
        )
        delays = await asyncio.wait_for(asyncio.gather(*(seen(u, tag, started) for u in users)), 10)
        assert max(delays) < 1.0, delays


async def test_a_rolling_restart_drops_no_command_and_resumes_every_shard(
    cluster: LocalCluster, sandbox: Sandbox, guilds: dict[int, list[Guild]]
) -> None:
    before = await cluster.status()
    identifies, resumes = len(sandbox.gateway.identifies), len(sandbox.gateway.resume_requests)
    takeovers = cluster.launchers[0].log().count("taken over from")
    users = [member_of(sandbox, shard_guilds[0]) for shard_guilds in guilds.values()]
    answered: list[int] = []
    failures: list[str] = []
    done = asyncio.Event()

    async def traffic(user: SandboxUser, command: str) -> None:
        while not done.is_set():
            try:
                answered.append(pid_of((await user.slash(command)).content))
            except Exception as exc:
                failures.append(f"/{command} in {user.guild.name if user.guild else '?'}: {exc!r}")
            await asyncio.sleep(0.1)  # gentle: the replacement processes need the CPU to start

    senders = [asyncio.create_task(traffic(user, "where")) for user in users]
    senders += [asyncio.create_task(traffic(user, "slow")) for user in users]
    code, out, err = await cluster.cli("shards", "restart")
    done.set()
    await asyncio.gather(*senders)

    assert code == 0, out + err
    assert "rolling restart done: 2 processes replaced" in out
    assert failures == []
    assert len(answered) > 50
    after = await cluster.wait_serving(timeout=20, processes=2)
    assert {p.process for p in after.processes}.isdisjoint({p.process for p in before.processes})
    assert {p.pid for p in after.processes}.isdisjoint({p.pid for p in before.processes})
    # Every shard was resumed by its new holder: no new IDENTIFY, one RESUME each.
    assert len(sandbox.gateway.identifies) == identifies
    assert len(sandbox.gateway.resume_requests) - resumes == 4
    # Each handover was recorded in the database: no new holder waited the witness delay of a takeover.
    assert cluster.launchers[0].log().count("taken over from") == takeovers
    assert sandbox.gateway.identify_violations == []


async def test_the_shards_of_a_killed_process_are_taken_over(
    cluster: LocalCluster, sandbox: Sandbox, guilds: dict[int, list[Guild]]
) -> None:
    victim = (await cluster.status()).processes[0]
    os.kill(victim.pid, signal.SIGKILL)
    killed_at = time.monotonic()

    def taken_over(status: ClusterStatus) -> bool:
        owners = [fresh_owner(status, s) for s in victim.shards]
        return all(owner not in (None, victim.process) for owner in owners)

    await cluster.wait_for(taken_over, timeout=20, what="takeover")
    takeover = time.monotonic() - killed_at
    print(f"takeover after SIGKILL: {takeover:.1f}s")
    assert takeover < 15.0
    for shard_id in victim.shards:
        # The killed process might have been cut off from Redis only: its successor gave it time to stop.
        assert f"shard {shard_id}: taken over from {victim.process}; waiting" in cluster.launchers[0].log()
        for guild in guilds[shard_id]:
            assert pid_of((await member_of(sandbox, guild).slash("where")).content) != victim.pid
    await cluster.wait_serving(timeout=20, processes=2)
    assert sandbox.gateway.identify_violations == []


async def test_shard_processes_hand_over_and_exit_when_their_launcher_is_killed(
    cluster: LocalCluster, sandbox: Sandbox, module_postgres_url: str
) -> None:
    processes = (await cluster.status()).processes
    launcher = cluster.launchers[0]
    os.kill(launcher.pid, signal.SIGKILL)
    await launcher.proc.wait()
    await cluster.wait_for(lambda status: status.processes == [], timeout=15, what="every process gone")
    async with asyncio.timeout(10):
        while any(alive(p.pid) for p in processes):  # noqa: ASYNC110 - polling another process
            await asyncio.sleep(0.1)
    # Each shard was handed over: its session waits, resumable, for the next process to take the lease.
    sessions = {s.session_id: s for s in sandbox.gateway.sessions}
    assert not any(s.connected for s in sessions.values())
    for shard_id in range(4):
        saved = await cluster.sharding.sessions.take(shard_id)
        assert saved is not None
        assert sessions[saved.session_id].shard_id == shard_id
    # And recorded as handed over: the next holder connects without the witness delay of a takeover.
    engine = create_engine(module_postgres_url)
    try:
        claims = await ShardClaims(session_factory(engine)).read(range(4))
    finally:
        await engine.dispose()
    assert sorted(claims) == [0, 1, 2, 3]
    assert all(claim.released for claim in claims.values())


async def test_the_shard_processes_logged_no_unexpected_warning_and_no_secret(
    cluster: LocalCluster, sandbox: Sandbox, log_problems: Callable[[str], list[str]]
) -> None:
    assert cluster.launchers
    secret = sandbox.token.rsplit(".", 1)[-1]  # the token's signature part
    for launcher in cluster.launchers:
        assert log_problems(launcher.log()) == []
        assert secret not in launcher.log()
