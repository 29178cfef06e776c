"""Fixtures shared by the whole suite: throwaway databases on the real PostgreSQL and SQLite, the real Redis."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from tatiana.testing.databases import database_url, postgres_url, sqlite_url

REDIS_URL = os.environ.get("TATIANA_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")

__all__ = ["database_url", "postgres_url", "sqlite_url"]  # shared with the plugins' suites


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
