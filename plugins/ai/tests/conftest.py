"""Fixtures of the AI plugin's tests: the local Gemini server, and the bot pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from tatiana_ai import plugin
from tatiana_ai.gemini import BASE_URL_VARIABLE

from tatiana import Database
from tatiana.db.engine import create_engine, session_factory
from tatiana.db.migrate import upgrade
from tatiana.registry import PluginRegistry
from tatiana.testing.databases import database_url, postgres_url, sqlite_url
from tatiana.testing.gemini import FakeGemini

__all__ = ["database_url", "postgres_url", "sqlite_url"]


@pytest.fixture
def tatiana_plugins() -> list[str]:
    """The bot of these tests carries only the AI plugin."""
    return ["ai"]


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    """The database of ``database_url`` (each backend in turn), migrated with the core's tables."""
    await upgrade(database_url, registry=PluginRegistry.of(plugin))
    engine = create_engine(database_url)
    try:
        yield Database(session_factory(engine))
    finally:
        await engine.dispose()


@pytest.fixture
async def gemini(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeGemini]:
    """A local Gemini server, and the bot's environment pointing at it with a key."""
    async with FakeGemini() as server:
        monkeypatch.setenv("GEMINI_API_KEY", "test-key")
        monkeypatch.setenv(BASE_URL_VARIABLE, server.base_url)
        yield server


def pytest_configure(config: pytest.Config) -> None:
    """google-genai subclasses aiohttp's ClientSession, which aiohttp warns about: not ours to fix."""
    config.addinivalue_line(
        "filterwarnings", "ignore:Inheritance class AiohttpClientSession:DeprecationWarning"
    )
