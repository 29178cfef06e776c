"""Sharded-runtime benchmark: ``tatiana run`` launchers on the local Discord sandbox and the real Redis.

Measured, each against a baseline taken in the same run:

1. Toggle propagation: a plugin switched off (then on) in a guild through ``GuildPluginService`` (database write,
   then publish), until the answer of a ``/where`` sent in that guild obeys it; 100 toggles cycling over the 4
   shards of 2 processes x 2 shards (p50, p99). Baselines: a bare Redis pub/sub round trip, and a ``/where``
   round trip with nothing toggled (the measurement's own resolution).
2. Takeover after SIGKILL: one shard process killed, until each of its shards is ready in another process and
   answers ``/where``; default lease TTL (6 s). Baseline: the TTL, below which no takeover can happen.
3. Identify throughput: 16 shards started by 4 processes at once, with max_concurrency 1 and 4; identifies per
   5 s between the first and the last. Baseline: Discord's limit, max_concurrency per 5 s.

Needs Redis (REDIS_URL, default redis://127.0.0.1:6379/0; a fresh namespace, removed afterwards); the database
is a SQLite file in a temporary folder. Usage: ``uv run python bench/shards.py [--quick]`` (prints Markdown).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import redis.asyncio as aioredis

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

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
DISABLED = message("es", "plugin_disabled", plugin="probe")
DISCORD_WINDOW = 5.0


def note(text: str) -> None:
    """Progress on stderr."""
    print(f"  {text}", file=sys.stderr, flush=True)


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0..1), nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def ms(seconds: float) -> str:
    """Seconds as milliseconds."""
    return f"{seconds * 1000:.1f} ms"


class Run:
    """One namespace on Redis and one temporary folder for every cluster of the run."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.namespaces: list[str] = []

    def cluster(self, sandbox: Sandbox, name: str) -> LocalCluster:
        """A cluster in a folder and namespace of its own."""
        namespace = f"tatiana-bench:{uuid.uuid4().hex[:8]}:"
        self.namespaces.append(namespace)
        workdir = self.root / name
        workdir.mkdir()
        database = f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
        return LocalCluster(
            sandbox,
            database_url=database,
            redis_url=REDIS_URL,
            namespace=namespace,
            workdir=workdir,
            log_level="WARNING",
        )

    async def clean(self) -> None:
        """Remove every key of the run's namespaces."""
        client = aioredis.from_url(REDIS_URL)
        try:
            for namespace in self.namespaces:
                keys = [key async for key in client.scan_iter(match=f"{namespace}*")]
                if keys:
                    await client.delete(*keys)
        finally:
            await client.aclose()


async def pubsub_round_trips(count: int) -> list[float]:
    """Publish-to-receive times of a bare Redis channel, in this process."""
    coordination = create_coordination(REDIS_URL, f"tatiana-bench:{uuid.uuid4().hex[:8]}:")
    try:
        subscription = await coordination.subscribe("probe")
        times = []
        for n in range(count):
            started = time.perf_counter()
            await coordination.publish("probe", {"n": n})
            await subscription.get(timeout=5)
            times.append(time.perf_counter() - started)
        return times
    finally:
        await coordination.close()


async def until_answer(user: SandboxUser, disabled: bool, started: float) -> float:
    """Run /where back to back until it obeys the toggle; seconds from ``started`` to that answer."""
    while True:
        content = (await user.slash("where")).content
        if (content == DISABLED) == disabled:
            return time.perf_counter() - started


async def bench_toggles(run: Run, toggles: int) -> list[list[str]]:
    """Toggle propagation, p50 and p99 over ``toggles`` toggles."""
    world = World()
    guilds = seed_across_shards(world, 4)
    async with (
        Sandbox(world, shard_count=4, max_concurrency=4) as sandbox,
        run.cluster(sandbox, "toggles") as cluster,
    ):
        await cluster.launch("--processes", "2")
        await cluster.wait_serving(timeout=120, processes=2)
        users = [member_of(sandbox, guilds[s][0]) for s in range(4)]
        engine = create_engine(cluster.database_url)
        coordination = create_coordination(REDIS_URL, cluster.namespace)
        service = GuildPluginService(
            session_factory(engine),
            probe_registry(cluster.probe_path),
            coordination,
            DeploymentConfig(plugins={"probe": PluginDefault(enabled=True)}),
        )
        try:
            plain = []
            for n in range(max(20, toggles // 2)):
                started = time.perf_counter()
                await users[n % 4].slash("where")
                plain.append(time.perf_counter() - started)
            delays = []
            for n in range(toggles):
                user = users[n % 4]
                assert user.guild is not None
                disable = (n // 4) % 2 == 0
                toggle = service.disable if disable else service.enable
                started = time.perf_counter()
                await toggle(user.guild.id, "probe")  # saved in the database, then published
                delays.append(await until_answer(user, disable, started))
            note(f"toggles: {len(delays)} measured")
        finally:
            await coordination.close()
            await engine.dispose()
    bare = await pubsub_round_trips(200)
    rows = [
        [
            "toggle propagation p50",
            ms(percentile(delays, 0.5)),
            ms(percentile(bare, 0.5)),
            "Redis pub/sub round trip p50",
        ],
        [
            "toggle propagation p99",
            ms(percentile(delays, 0.99)),
            ms(percentile(bare, 0.99)),
            "Redis pub/sub round trip p99",
        ],
        ["/where round trip p50 (resolution)", ms(percentile(plain, 0.5)), "", "nothing toggled"],
    ]
    return [[*row[:3], _ratio(delays, bare, row[0]), row[3]] for row in rows]


def _ratio(measured: list[float], baseline: list[float], label: str) -> str:
    if "resolution" in label:
        return ""
    q = 0.5 if "p50" in label else 0.99
    return f"{percentile(measured, q) / percentile(baseline, q):.1f}x"


async def bench_takeover(run: Run, rounds: int) -> list[list[str]]:
    """Takeover time after SIGKILL, default lease TTL."""
    world = World()
    guilds = seed_across_shards(world, 4)
    ttl = 6.0
    times = []
    async with (
        Sandbox(world, shard_count=4, max_concurrency=4) as sandbox,
        run.cluster(sandbox, "takeover") as cluster,
    ):
        await cluster.launch("--processes", "2", "--lease-ttl", str(ttl))
        await cluster.wait_serving(timeout=120, processes=2)
        for _ in range(rounds):
            victim = (await cluster.status()).processes[0]
            os.kill(victim.pid, signal.SIGKILL)
            killed = time.perf_counter()

            def taken_over(
                status: ClusterStatus, gone: str = victim.process, shards: tuple[int, ...] = victim.shards
            ) -> bool:
                owners = [fresh_owner(status, s) for s in shards]
                return all(o not in (None, gone) for o in owners)

            await cluster.wait_for(taken_over, timeout=60, what="takeover")
            for shard_id in victim.shards:
                content = (await member_of(sandbox, guilds[shard_id][0]).slash("where")).content
                assert content != f"pid={victim.pid}", content
            times.append(time.perf_counter() - killed)
            note(f"takeover: {times[-1]:.1f}s")
            await cluster.wait_serving(timeout=60, processes=2)
    median = statistics.median(times)
    detail = ", ".join(f"{t:.1f}" for t in times)
    return [
        [
            "takeover after SIGKILL (median)",
            f"{median:.1f} s",
            f"{ttl:.1f} s",
            f"{median / ttl:.2f}x",
            f"lease TTL; rounds: {detail} s",
        ]
    ]


async def bench_identify(run: Run, max_concurrency: int) -> list[list[str]]:
    """16 shards started at once by 4 processes: identifies per 5 s."""
    world = World()
    seed_across_shards(world, 16)
    async with (
        Sandbox(world, shard_count=16, max_concurrency=max_concurrency) as sandbox,
        run.cluster(sandbox, f"identify-{max_concurrency}") as cluster,
    ):
        await cluster.launch("--processes", "4")
        await sandbox.gateway.wait_ready(16, timeout=300)
        moments = sorted(r.at for r in sandbox.gateway.identifies)
        violations = len(sandbox.gateway.identify_violations)
    windows = -(-16 // max_concurrency) - 1
    span = moments[-1] - moments[0]
    rate = (len(moments) - max_concurrency) / span * DISCORD_WINDOW if span else float("inf")
    note(
        f"identify, max_concurrency {max_concurrency}: {len(moments)} in {span:.1f}s, {violations} violations"
    )
    return [
        [
            f"identifies per 5 s, 16 shards, max_concurrency {max_concurrency}",
            f"{rate:.2f}",
            f"{max_concurrency}",
            f"{rate / max_concurrency:.2f}x",
            f"first to last {span:.1f} s (Discord's minimum {windows * DISCORD_WINDOW:.0f} s); {violations} violations",
        ]
    ]


async def main_async(quick: bool) -> str:
    """Run every benchmark; the Markdown table."""
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    rows: list[list[str]] = []
    with tempfile.TemporaryDirectory(prefix="tatiana-bench-shards-") as folder:
        run = Run(Path(folder))
        try:
            note("toggle propagation")
            rows += await bench_toggles(run, 20 if quick else 100)
            note("takeover after SIGKILL")
            rows += await bench_takeover(run, 1 if quick else 3)
            for concurrency in (4,) if quick else (1, 4):
                note(f"identify throughput, max_concurrency {concurrency}")
                rows += await bench_identify(run, concurrency)
        finally:
            await run.clean()
    lines = [
        f"load average at start: {load:.2f}; {os.cpu_count()} CPUs",
        "",
        "| measure | Tatiana | baseline | ratio | baseline is / note |",
        "| --- | --- | --- | --- | --- |",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def main() -> None:
    """Parse the arguments, run, print the table."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="fewer toggles, one takeover, max_concurrency 4 only"
    )
    args = parser.parse_args()
    print(asyncio.run(main_async(args.quick)))


if __name__ == "__main__":
    main()
