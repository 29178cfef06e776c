"""Throwaway databases for tests: a fresh PostgreSQL database on a real server, a fresh SQLite file.

The fixtures here are shared by the repository's suites (``tests/`` and each plugin's ``tests/``); a conftest
imports the ones it wants (``from tatiana.testing.databases import postgres_url``). The PostgreSQL server is
``TATIANA_TEST_POSTGRES_URL`` (default ``postgresql://postgres@127.0.0.1:5432/test``); a test that needs it
fails when it is unreachable, it is never skipped.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
import pytest_asyncio
from sqlalchemy.engine import make_url

POSTGRES_ADMIN_URL = os.environ.get("TATIANA_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def _asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest_asyncio.fixture
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
