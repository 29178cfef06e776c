"""The real Tatiana bot on a sandbox, for tests, benchmarks and ``tatiana dev``."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING

from tatiana.background import TaskRunner
from tatiana.bot.app import TatianaBot
from tatiana.coordination import Coordination, MemoryCoordination
from tatiana.counters import DEFAULT_FLUSH_INTERVAL, CounterStore
from tatiana.db.engine import create_engine, session_factory
from tatiana.deployment import DeploymentConfig, PluginDefault
from tatiana.plugin import Plugin
from tatiana.registry import PluginRegistry
from tatiana.settings import DEFAULT_CACHE

if TYPE_CHECKING:
    from tatiana.testing.sandbox.server import Sandbox


def registry_for(plugins: Sequence[Plugin | str] | None) -> PluginRegistry:
    """All installed plugins (None), or the named installed ones and the given Plugin objects."""
    if plugins is None:
        return PluginRegistry.discover()
    objects = [p for p in plugins if isinstance(p, Plugin)]
    names = {p for p in plugins if isinstance(p, str)}
    if not names:
        return PluginRegistry.of(*objects)
    installed = PluginRegistry.discover()
    missing = names - set(installed.names)
    if missing:
        raise KeyError(
            f"not installed: {', '.join(sorted(missing))} (installed: {', '.join(installed.names)})"
        )
    return PluginRegistry.of(*objects, *(installed.get(name) for name in sorted(names)))


@contextlib.asynccontextmanager
async def sandbox_bot(
    sandbox: Sandbox,
    database_url: str,
    *,
    plugins: Sequence[Plugin | str] | None = None,
    enabled_by_default: bool = True,
    coordination: Coordination | None = None,
    shard_ids: Sequence[int] | None = None,
    shard_count: int | None = None,
    counter_store: CounterStore | None = None,
    flush_interval: float = DEFAULT_FLUSH_INTERVAL,
    migrate: bool = True,
    tasks: TaskRunner | None = None,
    cache: str = DEFAULT_CACHE,
) -> AsyncIterator[TatianaBot]:
    """A started bot on ``sandbox`` with ``plugins`` (every installed one by default), its database migrated.

    Its buffered counters live in memory unless ``counter_store`` is given (which the caller closes). With
    ``migrate=False`` the database must already be migrated (as ``tatiana db upgrade`` does in production, which
    keeps Alembic out of the bot's process). Plugins' tasks run in the bot's process unless ``tasks`` (a
    ``TaskRunner.redis``) sends them to workers.
    ``cache`` is a ``TATIANA_CACHE`` value: what the bot keeps of Discord.
    """
    registry = registry_for(plugins)
    deployment = DeploymentConfig(
        plugins={p.name: PluginDefault(enabled=enabled_by_default) for p in registry}
    )
    if migrate:
        from tatiana.db.migrate import upgrade

        await upgrade(database_url, registry=registry)
    engine = create_engine(database_url)
    own_coordination = coordination is None
    coordination = coordination or MemoryCoordination()
    bot = TatianaBot(
        token=sandbox.token,
        registry=registry,
        deployment=deployment,
        sessions=session_factory(engine),
        coordination=coordination,
        rest_url=sandbox.rest_url,
        counter_store=counter_store,
        flush_interval=flush_interval,
        tasks=tasks,
        cache=cache,
    )
    try:
        await bot.start(shard_ids=shard_ids, shard_count=shard_count)
        yield bot
    finally:
        await bot.stop()
        if own_coordination:
            await coordination.close()
        await engine.dispose()
