"""The AI plugin's Alembic branch: its tables match its metadata on both backends and come and go alone."""

from __future__ import annotations

import sqlalchemy as sa
from tatiana_ai import plugin

from tatiana.db import migrate
from tatiana.db.engine import create_engine
from tatiana.registry import PluginRegistry

TABLES = {"ai_summaries", "ai_threads"}


async def tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return set(await connection.run_sync(lambda sync: sa.inspect(sync).get_table_names()))
    finally:
        await engine.dispose()


async def test_the_tables_match_the_metadata_and_the_branch_downgrades_alone(database_url: str) -> None:
    registry = PluginRegistry.of(plugin)
    await migrate.upgrade(database_url, registry=registry)
    assert await migrate.pending_differences(database_url, registry=registry) == []
    assert "ai_0001 (ai) (head)" in await migrate.current(database_url, registry=registry)
    assert await tables(database_url) >= TABLES

    await migrate.downgrade(database_url, "ai@base", registry=registry)
    remaining = await tables(database_url)
    assert not TABLES & remaining and "ai_conversations" in remaining, "the core's exchanges stay"
    await migrate.upgrade(database_url, registry=registry)
    assert await tables(database_url) >= TABLES
