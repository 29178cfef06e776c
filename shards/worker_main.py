"""The entry point of one shard process (``python -m tatiana.shards.worker_main``), as the launcher starts it.

It exits 0 once it has handed its shards over (after SIGTERM or SIGINT, or when its launcher is gone),
1 if it could not start, 2 on bad arguments.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import AsyncIterator, Sequence

from tatiana.background import TaskRunner
from tatiana.bot.app import TatianaBot
from tatiana.coordination import create_coordination
from tatiana.counters import create_counter_store
from tatiana.db.engine import create_engine, session_factory
from tatiana.deployment import DeploymentConfig
from tatiana.registry import PluginRegistry
from tatiana.settings import Settings
from tatiana.sharding import ClusterShape, create_sharding
from tatiana.shards.claims import ShardClaims
from tatiana.shards.lease_keeper import LeasePolicy
from tatiana.shards.worker import ShardWorker, WorkerConfig

log = logging.getLogger(__name__)

PARENT_CHECK_INTERVAL = 1.0


@contextlib.asynccontextmanager
async def open_worker(
    settings: Settings,
    registry: PluginRegistry,
    deployment: DeploymentConfig,
    config: WorkerConfig,
    *,
    namespace: str = "tatiana:",
    token: str | None = None,
    rest_url: str | None = None,
) -> AsyncIterator[ShardWorker]:
    """A shard worker on Redis with REDIS_URL, in memory without; DISCORD_TOKEN and DISCORD_API_URL by default."""
    if token is None:
        if settings.discord_token is None:
            raise ValueError("DISCORD_TOKEN is not set")
        token = settings.discord_token.get_secret_value()
    engine = create_engine(settings.effective_database_url)
    sessions = session_factory(engine)
    coordination = create_coordination(settings.redis_url, namespace)
    sharding = create_sharding(settings.redis_url, namespace)
    counter_store = create_counter_store(settings.redis_url, namespace)
    try:
        bot = TatianaBot(
            token=token,
            registry=registry,
            deployment=deployment,
            sessions=sessions,
            coordination=coordination,
            rest_url=rest_url or settings.discord_api_url,
            cache=settings.tatiana_cache,
            counter_store=counter_store,
            tasks=TaskRunner.redis(registry, settings.redis_url, namespace) if settings.redis_url else None,
        )
        # Without Redis one process runs every shard: there is no other process to witness against.
        claims = ShardClaims(sessions) if settings.redis_url else None
        yield ShardWorker(bot, sharding, coordination, config, claims)
    finally:
        await sharding.close()
        await coordination.close()
        await counter_store.close()
        await engine.dispose()


async def serve_worker(
    settings: Settings,
    registry: PluginRegistry,
    deployment: DeploymentConfig,
    config: WorkerConfig,
    stop: asyncio.Event,
    *,
    namespace: str = "tatiana:",
) -> None:
    """Run one shard process until ``stop`` is set: Redis coordination with REDIS_URL, in memory without."""
    async with open_worker(settings, registry, deployment, config, namespace=namespace) as worker:
        await worker.run(stop)


def parse_args(argv: Sequence[str] | None = None) -> tuple[WorkerConfig, str, int | None]:
    """The worker's configuration, Redis namespace and launcher pid from its command line."""
    parser = argparse.ArgumentParser(prog="tatiana-shard-worker", description="One Tatiana shard process.")
    parser.add_argument("--process", required=True, help="this process's unique id")
    parser.add_argument("--launcher", default=None, help="the launcher's id")
    parser.add_argument("--capacity", type=int, required=True, help="how many shards it may hold")
    parser.add_argument("--shard-count", type=int, required=True)
    parser.add_argument("--max-concurrency", type=int, required=True)
    parser.add_argument("--lease-ttl", type=float, default=LeasePolicy.ttl)
    parser.add_argument("--strict-leases", action="store_true")
    parser.add_argument("--witness-delay", type=float, default=LeasePolicy.witness_delay)
    parser.add_argument("--namespace", default="tatiana:")
    parser.add_argument("--launcher-pid", type=int, default=None, help="stop when this process is gone")
    args = parser.parse_args(argv)
    config = WorkerConfig(
        process=args.process,
        launcher=args.launcher,
        capacity=args.capacity,
        shape=ClusterShape(args.shard_count, args.max_concurrency),
        policy=LeasePolicy(ttl=args.lease_ttl, strict=args.strict_leases, witness_delay=args.witness_delay),
    )
    return config, args.namespace, args.launcher_pid


async def _main(config: WorkerConfig, namespace: str, launcher_pid: int | None) -> None:
    from tatiana.cli.context import Environment

    env = Environment(log_level=None)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    # The launcher's pid as it gave it: it may already be gone by the time this process has imported everything.
    watcher = asyncio.create_task(_watch_parent(launcher_pid or os.getppid(), stop))
    try:
        await serve_worker(env.settings, env.registry, env.deployment, config, stop, namespace=namespace)
    finally:
        watcher.cancel()


async def _watch_parent(parent: int, stop: asyncio.Event) -> None:
    while os.getppid() == parent:  # noqa: ASYNC110 - no event tells a process that its parent died
        await asyncio.sleep(PARENT_CHECK_INTERVAL)
    log.warning("the launcher (pid %s) is gone; handing the shards over", parent)
    stop.set()


def main(argv: Sequence[str] | None = None) -> None:
    """Parse the arguments and run the process."""
    config, namespace, launcher_pid = parse_args(argv)
    try:
        asyncio.run(_main(config, namespace, launcher_pid))
    except KeyboardInterrupt:
        pass
    except Exception:
        logging.getLogger(__name__).exception("shard process %s failed", config.process)
        sys.exit(1)


if __name__ == "__main__":
    main()
