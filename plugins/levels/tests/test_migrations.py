"""The levels plugin's migrations: a branch of their own that creates exactly its models, on both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect
from tatiana_levels import plugin

from tatiana.db import migrate
from tatiana.db.engine import create_engine
from tatiana.registry import PluginRegistry


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: object) -> str:
    """A fresh SQLite file, then a fresh database on the real PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path}/levels.db"
    url: str = request.getfixturevalue("postgres_url")
    return url


async def tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return set(await connection.run_sync(lambda c: inspect(c).get_table_names()))
    finally:
        await engine.dispose()


async def test_models_match_migrations_and_the_branch_goes_down_alone(database_url: str) -> None:
    registry = PluginRegistry.of(plugin)
    await migrate.upgrade(database_url, registry=registry)
    assert "level_members" in await tables(database_url)
    assert await migrate.pending_differences(database_url, registry=registry) == []
    assert "levels_0001 (levels) (head)" in await migrate.current(database_url, registry=registry)

    await migrate.downgrade(database_url, "levels@base", registry=registry)
    assert "level_members" not in await tables(database_url)
    assert "guilds" in await tables(database_url), "the core's tables stay"
