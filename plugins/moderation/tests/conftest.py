"""Fixtures of the moderation plugin's tests: the bot with the moderation plugin, migrated databases, Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from tatiana_moderation import plugin

from tatiana import Database
from tatiana.db.engine import create_engine, session_factory
from tatiana.db.migrate import upgrade
from tatiana.registry import PluginRegistry
from tatiana.testing.databases import database_url, postgres_url, sqlite_url
from tatiana.testing.redis_server import redis_namespace, redis_url

__all__ = ["database_url", "postgres_url", "redis_namespace", "redis_url", "sqlite_url"]


@pytest.fixture
def tatiana_plugins() -> list[str]:
    """The bot of these tests carries the moderation plugin alone."""
    return ["moderation"]


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    """The database of ``database_url`` (each backend in turn), migrated with the moderation's tables."""
    await upgrade(database_url, registry=PluginRegistry.of(plugin))
    engine = create_engine(database_url)
    try:
        yield Database(session_factory(engine))
    finally:
        await engine.dispose()
