"""Fixtures of the sharded runtime's end-to-end tests: a sandbox with guilds on every shard, a migrated
PostgreSQL database, a Redis namespace, ``tatiana run`` launchers as subprocesses, and a TCP proxy that cuts
their connections to Redis on demand.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import uuid
from collections.abc import AsyncIterator, Callable

import asyncpg
import pytest
import pytest_asyncio
import redis.asyncio as aioredis
from sqlalchemy.engine import make_url

from tatiana.shards.testing import LocalCluster, seed_across_shards
from tatiana.testing.sandbox.server import Sandbox
from tatiana.testing.sandbox.world import Guild, World

POSTGRES_ADMIN_URL = os.environ.get("TATIANA_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TATIANA_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")

# What the shard processes may log at WARNING or above without failing a test.
EXPECTED_LOG = [
    re.compile(p)
    for p in (
        r"optimization level",  # hikari, about python -O
        r"tatiana\.shards\.launcher: shard process .* exited with -9",  # the SIGKILL test
        r"the launcher \(pid \d+\) is gone; handing the shards over",
        r"Redis (is unreachable|still unreachable|is reachable again)",  # the outage tests
        r"redis subscription to .*retrying",
        r"lease .* could not be renewed|freezing it",
        r"the lease of shard \d+ had expired",
        r"tatiana\.registry: plugin .* failed",  # another installed plugin broken: not the shards' concern
        # The bot's buffered counters flush to Redis on their own schedule, and say so when they cannot.
        r"tatiana\.counters\.counters: could not flush",
        r"tatiana\.counters\.fallback: counters: the shared buffer is unreachable",
    )
]


def unexpected_log_lines(text: str, extra: list[str] | None = None) -> list[str]:
    """Lines of a launcher's log at WARNING or above (and tracebacks) that no expected pattern matches."""
    patterns = EXPECTED_LOG + [re.compile(p) for p in extra or []]
    bad = []
    last_record_expected = False
    for line in text.splitlines():
        if re.match(r"\d\d:\d\d:\d\d ", line):
            serious = re.search(r" (WARNING|ERROR|CRITICAL) ", line)
            last_record_expected = bool(serious) and any(p.search(line) for p in patterns)
            if serious and not last_record_expected:
                bad.append(line)
        elif line.startswith("Traceback") and not last_record_expected:
            bad.append(line)  # printed outside logging, or after a record not expected to carry one
    return bad


@pytest.fixture
def log_problems() -> Callable[..., list[str]]:
    """``log_problems(text, extra_patterns=None)``: the unexpected warnings and errors in a launcher's log."""
    return unexpected_log_lines


@pytest.fixture(scope="module")
def shard_world() -> tuple[World, dict[int, list[Guild]]]:
    """A world with two guilds on each of 4 shards."""
    world = World()
    return world, seed_across_shards(world, 4, per_shard=2)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def module_postgres_url() -> AsyncIterator[str]:
    """A fresh PostgreSQL database for the module, migrated, dropped afterwards."""
    name = f"tatiana_test_{uuid.uuid4().hex[:12]}"
    dsn = make_url(POSTGRES_ADMIN_URL).set(drivername="postgresql").render_as_string(hide_password=False)
    admin = await asyncpg.connect(dsn)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    yield (
        make_url(POSTGRES_ADMIN_URL)
        .set(drivername="postgresql+asyncpg", database=name)
        .render_as_string(hide_password=False)
    )
    admin = await asyncpg.connect(dsn)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def module_namespace() -> AsyncIterator[str]:
    """A Redis namespace for the module on the real server, cleaned afterwards."""
    namespace = f"tatiana-test:{uuid.uuid4().hex[:12]}:"
    client = aioredis.from_url(REDIS_URL)
    try:
        await client.ping()
        yield namespace
        keys = [key async for key in client.scan_iter(match=f"{namespace}*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


class RedisProxy:
    """A TCP proxy to the real Redis server (or another) whose connections can be cut, and new ones refused."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self.down = False

    @property
    def url(self) -> str:
        """A redis:// URL through the proxy."""
        return f"redis://127.0.0.1:{self.port}/0"

    async def start(self) -> None:
        """Listen on a free port."""
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        """Redis goes away: every connection drops, new ones are refused."""
        self.down = True
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._writers):
            writer.transport.abort()

    async def restore(self) -> None:
        """Redis is back, on the same port."""
        self.down = False
        await self.start()

    async def stop(self) -> None:
        """Close everything."""
        await self.cut()
        for task in list(self._tasks):
            task.cancel()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.down:
            writer.transport.abort()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self._writers |= {writer, up_writer}
        pumps = [
            asyncio.create_task(self._pump(reader, up_writer)),
            asyncio.create_task(self._pump(up_reader, writer)),
        ]
        self._tasks.update(pumps)
        await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
        for task in pumps:
            task.cancel()
        for w in (writer, up_writer):
            self._writers.discard(w)
            w.transport.abort()
        self._tasks.difference_update(pumps)

    @staticmethod
    async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, OSError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()


def redis_target() -> tuple[str, int]:
    """Host and port of the real Redis server."""
    parsed = make_url(REDIS_URL.replace("redis://", "postgresql://", 1))
    return parsed.host or "127.0.0.1", parsed.port or 6379


@pytest_asyncio.fixture
async def redis_proxy() -> AsyncIterator[RedisProxy]:
    """A started proxy to the real Redis server."""
    proxy = RedisProxy(*redis_target())
    await proxy.start()
    try:
        yield proxy
    finally:
        await proxy.stop()


@pytest_asyncio.fixture
async def postgres_proxy() -> AsyncIterator[RedisProxy]:
    """A started proxy to the real PostgreSQL server, to cut the shard processes off the database."""
    parsed = make_url(POSTGRES_ADMIN_URL)
    proxy = RedisProxy(parsed.host or "127.0.0.1", parsed.port or 5432)
    await proxy.start()
    try:
        yield proxy
    finally:
        await proxy.stop()


@pytest.fixture
def cluster_for(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., LocalCluster]:
    """``cluster_for(sandbox, database_url, namespace)``: a LocalCluster (to enter) in a fresh folder."""

    def make(sandbox: Sandbox, database_url: str, namespace: str) -> LocalCluster:
        return LocalCluster(
            sandbox,
            database_url=database_url,
            redis_url=REDIS_URL,
            namespace=namespace,
            workdir=tmp_path_factory.mktemp("cluster"),
        )

    return make
