"""Fixtures shared by the whole suite: throwaway databases on the real PostgreSQL and SQLite, the real Redis."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
import redis.asyncio as aioredis
from sqlalchemy.engine import make_url

POSTGRES_ADMIN_URL = os.environ.get("TATIANA_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TATIANA_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    """A fresh, empty PostgreSQL database on the real server, dropped afterwards (never skipped)."""
    name = f"tatiana_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(_asyncpg_dsn(POSTGRES_ADMIN_URL))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    yield (
        make_url(POSTGRES_ADMIN_URL)
        .set(drivername="postgresql+asyncpg", database=name)
        .render_as_string(hide_password=False)
    )
    admin = await asyncpg.connect(_asyncpg_dsn(POSTGRES_ADMIN_URL))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A fresh SQLite database file in the test's temporary folder."""
    return f"sqlite+aiosqlite:///{tmp_path / 'tatiana.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """A fresh database on each backend in turn: SQLite, then the real PostgreSQL."""
    # Not async: pytest-asyncio cannot set up an async fixture (postgres_url) through getfixturevalue from
    # inside another async fixture's event loop.
    url: str = request.getfixturevalue(f"{request.param}_url")
    return url


@pytest.fixture
def redis_namespace() -> str:
    """A key and channel prefix no other test uses."""
    return f"tatiana-test:{uuid.uuid4().hex[:12]}:"


@pytest.fixture
async def redis_url(redis_namespace: str) -> AsyncIterator[str]:
    """The real Redis server's URL, checked reachable; the test's namespace is cleaned afterwards."""
    client = aioredis.from_url(REDIS_URL)
    try:
        await client.ping()
        yield REDIS_URL
        keys = [key async for key in client.scan_iter(match=f"{redis_namespace}*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """No Tatiana or spec variable from the developer's environment, and a temporary working directory."""
    spec_variables = {"DATABASE_URL", "REDIS_URL", "BOT_PREFIX", "LOG_LEVEL", "DASHBOARD_ORIGIN"}
    for name in list(os.environ):
        ours = name.startswith(("DISCORD_", "GEMINI_", "TATIANA_", "JWT_", "API_")) or name in spec_variables
        if ours and not name.startswith("TATIANA_TEST_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    yield tmp_path
