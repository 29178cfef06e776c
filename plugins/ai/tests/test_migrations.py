"""The AI plugin's Alembic branch: its tables match its models on both databases and come and go alone."""

from __future__ import annotations

from tatiana_ai import plugin

from tatiana.testing import check_plugin_migrations


async def test_the_branch_matches_the_models_and_downgrades_alone(database_url: str) -> None:
    await check_plugin_migrations(database_url, plugin)
