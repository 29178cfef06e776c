"""Runs one complete bot process (``tatiana dev``): database, sandbox or Discord, one in-process shard worker."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tatiana.db.migrate import upgrade
from tatiana.deployment import DeploymentConfig
from tatiana.registry import PluginRegistry
from tatiana.settings import Settings, mask_url
from tatiana.sharding.records import ShardState

if TYPE_CHECKING:
    from tatiana.sharding.base import StatusStore
    from tatiana.sharding.records import ClusterShape
    from tatiana.testing.sandbox.server import Sandbox

log = logging.getLogger(__name__)

READY_POLL = 0.1  # seconds between two reads of the shards' status records while they connect


@dataclass
class DevOptions:
    """Knobs of ``tatiana dev``."""

    sandbox_host: str = "127.0.0.1"
    sandbox_port: int = 8765


@dataclass(frozen=True)
class DiscordEndpoint:
    """Where the bot connects: Discord, or the local sandbox it is running on."""

    token: str
    rest_url: str
    sandbox: Sandbox | None = None


@contextlib.asynccontextmanager
async def discord_endpoint(settings: Settings, options: DevOptions) -> AsyncIterator[DiscordEndpoint]:
    """Discord with DISCORD_TOKEN set, otherwise a seeded local sandbox with its web console, started."""
    if settings.discord_token is not None:
        yield DiscordEndpoint(settings.discord_token.get_secret_value(), settings.discord_api_url)
        return
    from tatiana.testing.sandbox.console import install_console
    from tatiana.testing.sandbox.seed import seed_demo
    from tatiana.testing.sandbox.server import Sandbox

    sandbox = Sandbox(host=options.sandbox_host, port=options.sandbox_port)
    seed_demo(sandbox.world)
    install_console(sandbox)
    await sandbox.start()
    try:
        yield DiscordEndpoint(sandbox.token, sandbox.rest_url, sandbox)
    finally:
        await sandbox.stop()


async def run_dev(
    settings: Settings,
    registry: PluginRegistry,
    deployment: DeploymentConfig,
    options: DevOptions,
) -> None:
    """Run one shard worker holding every shard until interrupted, printing where everything is."""
    from tatiana.shards.cluster_shape import fetch_shape
    from tatiana.shards.worker import WorkerConfig
    from tatiana.shards.worker_main import open_worker

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, _interrupt, stop)
    # One command must work on a fresh data directory, so the schema is brought to heads before anything runs.
    await upgrade(settings.effective_database_url, registry=registry)
    async with discord_endpoint(settings, options) as discord:
        shape = await fetch_shape(discord.rest_url, discord.token)
        config = WorkerConfig("dev", None, shape.shard_count, shape)
        async with open_worker(
            settings, registry, deployment, config, token=discord.token, rest_url=discord.rest_url
        ) as worker:
            serving = asyncio.create_task(worker.run(stop), name="shard worker")
            if await _all_ready(worker.sharding.status, shape.shard_count, serving):
                print(_banner(settings, registry, discord, shape), flush=True)
            await serving


def _interrupt(stop: asyncio.Event) -> None:
    if not stop.is_set():
        print("stopping…", flush=True)
    stop.set()


async def _all_ready(status: StatusStore, shard_count: int, serving: asyncio.Task[None]) -> bool:
    """Wait until the status records show every shard ready; False if the worker stopped first."""
    while not serving.done():
        ready = {s.shard_id for s in await status.shards() if s.state is ShardState.READY}
        if len(ready) == shard_count:
            return True
        await asyncio.wait([serving], timeout=READY_POLL)
    return False


def _banner(
    settings: Settings, registry: PluginRegistry, discord: DiscordEndpoint, shape: ClusterShape
) -> str:
    sharding = "on Redis" if settings.redis_url else "on the in-memory sharding"
    lines = [
        "Tatiana is running.",
        f"  database      {mask_url(settings.effective_database_url)}",
        f"  coordination  {mask_url(settings.redis_url) or 'in memory (one process)'}",
        f"  shards        {shape.shard_count} of {shape.shard_count} in this process, {sharding}",
        f"  plugins       {', '.join(registry.names) or 'none'}",
    ]
    if discord.sandbox is not None:
        lines += [
            "  discord       local sandbox (DISCORD_TOKEN is unset)",
            f"  talk to it    {discord.sandbox.base_url}/  (pick a guild and a member, type /balance)",
            f"  sandbox REST  {discord.sandbox.rest_url}",
        ]
    else:
        lines.append("  discord       connected with DISCORD_TOKEN")
    lines.append("Press Ctrl-C to stop.")
    return "\n".join(lines)
