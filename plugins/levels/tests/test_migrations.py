"""The levels plugin's migrations: a branch of their own that creates exactly its models, on both databases."""

from __future__ import annotations

import pytest
from tatiana_levels import plugin

from tatiana.testing import check_plugin_migrations


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: object) -> str:
    """A fresh SQLite file, then a fresh database on the real PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path}/levels.db"
    url: str = request.getfixturevalue("postgres_url")
    return url


async def test_models_match_migrations_and_the_branch_goes_down_alone(database_url: str) -> None:
    await check_plugin_migrations(database_url, plugin)
