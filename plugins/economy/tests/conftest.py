"""Fixtures of the economy plugin's tests: migrated throwaway databases on SQLite and the real PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from tatiana_economy import plugin
from tatiana_economy.ledger import Ledger
from tatiana_economy.shop import Shop

from tatiana import Database
from tatiana.db.engine import create_engine, session_factory
from tatiana.db.migrate import upgrade
from tatiana.registry import PluginRegistry
from tatiana.testing.databases import database_url, postgres_url, sqlite_url

__all__ = ["database_url", "postgres_url", "sqlite_url"]


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    """The database of ``database_url`` (each backend in turn), migrated with the economy's tables."""
    await upgrade(database_url, registry=PluginRegistry.of(plugin))
    engine = create_engine(database_url)
    try:
        yield Database(session_factory(engine))
    finally:
        await engine.dispose()


@pytest.fixture
def ledger(db: Database) -> Ledger:
    """The money service on ``db``."""
    return Ledger(db)


@pytest.fixture
def shop(db: Database) -> Shop:
    """The shop service on ``db``."""
    return Shop(db)
