"""``tatiana run``: the launcher with REDIS_URL, or one in-process shard process on in-memory sharding."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import signal
from dataclasses import dataclass, field

from tatiana.coordination import create_coordination
from tatiana.deployment import DeploymentConfig
from tatiana.registry import PluginRegistry
from tatiana.settings import Settings
from tatiana.sharding import create_sharding
from tatiana.shards.cluster_shape import fetch_shape
from tatiana.shards.launcher import Launcher, LaunchOptions
from tatiana.shards.lease_keeper import LeasePolicy
from tatiana.shards.worker import WorkerConfig
from tatiana.shards.worker_main import serve_worker

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunOptions:
    """What ``tatiana run`` was asked for; None means "from Discord" or "computed"."""

    processes: int = 1
    shards_per_process: int | None = None
    shard_count: int | None = None
    policy: LeasePolicy = field(default_factory=LeasePolicy)
    namespace: str = "tatiana:"


async def run_cluster(
    settings: Settings, registry: PluginRegistry, deployment: DeploymentConfig, options: RunOptions
) -> None:
    """Run until SIGINT or SIGTERM."""
    if settings.discord_token is None:
        raise ValueError("DISCORD_TOKEN is not set")
    token = settings.discord_token.get_secret_value()
    shape = await fetch_shape(settings.discord_api_url, token, options.shard_count)
    per_process = options.shards_per_process or math.ceil(shape.shard_count / options.processes)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    if not settings.redis_url:
        log.info(
            "no REDIS_URL: one shard process with in-memory sharding runs all %d shards", shape.shard_count
        )
        config = WorkerConfig("local", None, shape.shard_count, shape, options.policy)
        await serve_worker(settings, registry, deployment, config, stop)
        return
    coordination = create_coordination(settings.redis_url, options.namespace)
    sharding = create_sharding(settings.redis_url, options.namespace)
    try:
        launcher = Launcher(
            LaunchOptions(options.processes, per_process, shape, options.policy, options.namespace),
            sharding,
            coordination,
        )
        await launcher.run(stop)
    finally:
        await sharding.close()
        await coordination.close()
