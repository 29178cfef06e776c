"""Fixtures of the API routes that act as the bot: an app holding the sandbox's bot token, guild rows, a database.

Test modules import the fixtures they use from here (``from .bot_api import api, ...``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from litestar import Litestar

from tatiana.api.app import create_app
from tatiana.coordination import Coordination, MemoryCoordination
from tatiana.database import Database
from tatiana.db import migrate
from tatiana.db.engine import create_engine, session_factory
from tatiana.registry import PluginRegistry
from tatiana.settings import Settings
from tatiana.testing.sandbox import rest
from tatiana.testing.sandbox.server import Sandbox

from .conftest import DASHBOARD, JWT_SECRET, Defaults, People, serving


def bot_app(settings: Settings, sandbox: Sandbox, coordination: Coordination, **options: Any) -> Litestar:
    """The API with the sandbox's bot token, no plugins."""
    options.setdefault("registry", PluginRegistry.of())
    return create_app(
        settings, defaults=Defaults(), coordination=coordination, bot_token=sandbox.token, **options
    )


@pytest.fixture
async def db_settings(sandbox: Sandbox, database_url: str) -> Settings:
    """The API's settings on ``database_url`` (PostgreSQL and SQLite), migrated."""
    await migrate.upgrade(database_url, registry=PluginRegistry.of())
    oauth = rest.state(sandbox).oauth
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=database_url,
        discord_api_url=sandbox.rest_url,
        discord_client_id=oauth.client_id,
        discord_client_secret=oauth.client_secret,
        jwt_secret=JWT_SECRET,
        dashboard_origin=DASHBOARD,
    )


async def write_guild_rows(settings: Settings, people: People) -> None:
    """The rows the bot writes for guilds A and B when it sees them."""
    engine = create_engine(settings.effective_database_url)
    try:
        async with session_factory(engine).begin() as session:
            for guild in (people.guild_a, people.guild_b):
                await Database.ensure_guild(session, guild.id, guild.name, guild.owner_id)
    finally:
        await engine.dispose()


@pytest.fixture
async def api(
    settings: Settings, sandbox: Sandbox, coordination: MemoryCoordination, people: People
) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the API (SQLite) acting as the bot on the sandbox, which knows guilds A and B."""
    await write_guild_rows(settings, people)
    async with serving(bot_app(settings, sandbox, coordination)) as client:
        yield client


@pytest.fixture
async def db_api(
    db_settings: Settings, sandbox: Sandbox, coordination: MemoryCoordination, people: People
) -> AsyncIterator[httpx.AsyncClient]:
    """The same on PostgreSQL and on SQLite."""
    await write_guild_rows(db_settings, people)
    async with serving(bot_app(db_settings, sandbox, coordination)) as client:
        yield client
