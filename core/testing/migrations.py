"""A plugin's Alembic branch checked the way a plugin author needs it: up, matching its models, down alone."""

from __future__ import annotations

import sqlalchemy as sa

from tatiana.db import migrate
from tatiana.db.engine import create_engine
from tatiana.plugin import Plugin
from tatiana.registry import PluginRegistry


async def table_names(database_url: str) -> set[str]:
    """The tables in the database at ``database_url``."""
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            return set(await connection.run_sync(lambda sync: sa.inspect(sync).get_table_names()))
    finally:
        await engine.dispose()


async def check_plugin_migrations(database_url: str, plugin: Plugin) -> None:
    """Upgrade the core and ``plugin`` on an empty database, compare its tables with its ``metadata``, take
    its branch down alone (the core's tables stay) and up again; raises AssertionError saying what is wrong."""
    registry = PluginRegistry.of(plugin)
    own = set(plugin.metadata.tables) if plugin.metadata is not None else set()
    await migrate.upgrade(database_url, registry=registry)
    missing = own - await table_names(database_url)
    assert not missing, f"plugin {plugin.name}: its migrations do not create {sorted(missing)}"
    differences = await migrate.pending_differences(database_url, registry=registry)
    assert differences == [], f"plugin {plugin.name}: models and migrations differ: {differences}"
    heads = await migrate.current(database_url, registry=registry)
    assert any(f"({plugin.name}) (head)" in line for line in heads), (
        f"plugin {plugin.name}: its branch is not at its head after upgrading: {heads}"
    )
    await migrate.downgrade(database_url, f"{plugin.name}@base", registry=registry)
    remaining = await table_names(database_url)
    assert not own & remaining, f"plugin {plugin.name}: downgrading left {sorted(own & remaining)}"
    assert "guilds" in remaining, f"plugin {plugin.name}: downgrading its branch took the core's tables"
    await migrate.upgrade(database_url, registry=registry)
    assert own <= await table_names(database_url), f"plugin {plugin.name}: upgrading again failed"
