"""Runs one complete bot process (``tatiana dev``): database, coordination, sandbox or Discord, the bot."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tatiana.bot.app import TatianaBot
from tatiana.coordination import Coordination, create_coordination
from tatiana.counters import create_counter_store
from tatiana.db.engine import create_engine, session_factory
from tatiana.db.migrate import upgrade
from tatiana.deployment import DeploymentConfig
from tatiana.registry import PluginRegistry
from tatiana.settings import Settings, mask_url

if TYPE_CHECKING:
    from tatiana.testing.sandbox.server import Sandbox

log = logging.getLogger(__name__)


@dataclass
class DevOptions:
    """Knobs of ``tatiana dev``."""

    sandbox_host: str = "127.0.0.1"
    sandbox_port: int = 8765


@contextlib.asynccontextmanager
async def running_bot(
    settings: Settings, registry: PluginRegistry, deployment: DeploymentConfig, options: DevOptions
) -> AsyncIterator[tuple[TatianaBot, Sandbox | None]]:
    """The bot connected to Discord (token set) or to a seeded local sandbox, its database migrated first."""
    sandbox: Sandbox | None = None
    # One command must work on a fresh data directory, so the schema is brought to heads before anything runs.
    await upgrade(settings.effective_database_url, registry=registry)
    engine = create_engine(settings.effective_database_url)
    coordination: Coordination = create_coordination(settings.redis_url)
    counter_store = create_counter_store(settings.redis_url)
    try:
        if settings.discord_token is None:
            from tatiana.testing.sandbox.console import install_console
            from tatiana.testing.sandbox.seed import seed_demo
            from tatiana.testing.sandbox.server import Sandbox

            sandbox = Sandbox(host=options.sandbox_host, port=options.sandbox_port)
            seed_demo(sandbox.world)
            install_console(sandbox)
            await sandbox.start()
            bot = TatianaBot(
                token=sandbox.token,
                registry=registry,
                deployment=deployment,
                sessions=session_factory(engine),
                coordination=coordination,
                rest_url=sandbox.rest_url,
                counter_store=counter_store,
            )
        else:
            bot = TatianaBot(
                token=settings.discord_token.get_secret_value(),
                registry=registry,
                deployment=deployment,
                sessions=session_factory(engine),
                coordination=coordination,
                counter_store=counter_store,
            )
        await bot.start()
        try:
            yield bot, sandbox
        finally:
            await bot.stop()
    finally:
        if sandbox is not None:
            await sandbox.stop()
        await coordination.close()
        await counter_store.close()
        await engine.dispose()


async def run_dev(
    settings: Settings, registry: PluginRegistry, deployment: DeploymentConfig, options: DevOptions
) -> None:
    """Run until interrupted, printing where everything is."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    async with running_bot(settings, registry, deployment, options) as (_bot, sandbox):
        lines = [
            "Tatiana is running.",
            f"  database      {mask_url(settings.effective_database_url)}",
            f"  coordination  {mask_url(settings.redis_url) or 'in memory (one process)'}",
            f"  plugins       {', '.join(registry.names) or 'none'}",
        ]
        if sandbox is not None:
            lines += [
                "  discord       local sandbox (DISCORD_TOKEN is unset)",
                f"  talk to it    {sandbox.base_url}/  (pick a guild and a member, type /balance)",
                f"  sandbox REST  {sandbox.rest_url}",
            ]
        else:
            lines.append("  discord       connected with DISCORD_TOKEN")
        lines.append("Press Ctrl-C to stop.")
        print("\n".join(lines), flush=True)
        await stop.wait()
        print("stopping…", flush=True)
