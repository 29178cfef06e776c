"""The real Redis server for tests: its URL, checked reachable, and a namespace no other test uses.

Shared like ``tatiana.testing.databases``: a conftest imports the fixtures it wants. The server is
``TATIANA_TEST_REDIS_URL`` (default ``redis://127.0.0.1:6379/0``); a test that needs it fails when it is
unreachable, it is never skipped.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
import redis.asyncio as aioredis

REDIS_URL = os.environ.get("TATIANA_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def redis_namespace() -> str:
    """A key and channel prefix no other test uses."""
    return f"tatiana-test:{uuid.uuid4().hex[:12]}:"


@pytest_asyncio.fixture
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
