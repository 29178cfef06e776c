"""The sharding contracts on Redis, shared by every process and machine using the same server and namespace.

Keys, under the namespace: ``identify:<max_concurrency>:<bucket>`` (a turn's window, PX), ``lease:<shard>``
(the holder, PX), ``shard-status`` (a hash of JSON records by shard id), ``process:<id>`` (JSON, PX),
``shape`` (JSON, PX) and ``session:<shard>`` (a handed-over session, PX, taken with GETDEL).
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
from collections.abc import Collection, Iterable
from typing import Any

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import ConstantBackoff

from tatiana.sharding.base import (
    IDENTIFY_MARGIN,
    IDENTIFY_WINDOW,
    IdentifyQueue,
    LeaseStore,
    SessionStore,
    Sharding,
    StatusStore,
)
from tatiana.sharding.records import ClusterShape, ProcessStatus, ResumeState, ShardStatus

log = logging.getLogger(__name__)

# Fail fast while Redis is unreachable: the callers retry on their own schedule and log it.
SOCKET_TIMEOUT = 3.0

RENEW = """
local held = {}
for i, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[1] then
    redis.call('PEXPIRE', key, ARGV[2])
    held[#held + 1] = i
  end
end
return held
"""

RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""

CLAIM_SHAPE = """
local current = redis.call('GET', KEYS[1])
if not current then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return ARGV[1]
end
if current == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return current
"""


def _ms(seconds: float) -> int:
    if seconds <= 0:
        raise ValueError(f"ttl must be positive, not {seconds}")
    return max(1, math.ceil(seconds * 1000))


def redis_client(url: str) -> aioredis.Redis:
    """A client that gives up on an unreachable server within seconds instead of retrying for long."""
    return aioredis.from_url(
        url,
        decode_responses=True,
        socket_timeout=SOCKET_TIMEOUT,
        socket_connect_timeout=SOCKET_TIMEOUT,
        retry=Retry(ConstantBackoff(0.05), 1),
        health_check_interval=10,
    )


class RedisIdentifyQueue(IdentifyQueue):
    """Identify turns shared through Redis: a bucket's turn is a key that lives for one window."""

    def __init__(self, client: aioredis.Redis, namespace: str, window: float | None = None) -> None:
        super().__init__(IDENTIFY_WINDOW + IDENTIFY_MARGIN if window is None else window)
        self._client = client
        self._namespace = namespace
        # One waiter per bucket per process polls Redis; the others queue behind it here.
        self._locks: dict[str, asyncio.Lock] = {}

    async def acquire(self, shard_id: int, max_concurrency: int) -> None:
        """Wait for the shard's turn and start its bucket's window."""
        concurrency = max(1, max_concurrency)
        key = f"{self._namespace}identify:{concurrency}:{shard_id % concurrency}"
        async with self._locks.setdefault(key, asyncio.Lock()):
            while not await self._client.set(key, str(shard_id), px=_ms(self.window), nx=True):
                remaining = await self._client.pttl(key)
                # A little jitter, so that waiters of several processes do not all ask at the same instant.
                await asyncio.sleep(max(remaining, 1) / 1000 + random.uniform(0, 0.01))


class RedisLeaseStore(LeaseStore):
    """Shard leases as keys holding their owner, expiring unless renewed; renew and release check the owner."""

    def __init__(self, client: aioredis.Redis, namespace: str) -> None:
        self._client = client
        self._namespace = namespace
        self._renew = client.register_script(RENEW)
        self._release = client.register_script(RELEASE)

    def _key(self, shard_id: int) -> str:
        return f"{self._namespace}lease:{shard_id}"

    async def acquire(self, shard_id: int, owner: str, ttl: float) -> bool:
        """Take the lease if nobody holds it (SET NX PX)."""
        return bool(await self._client.set(self._key(shard_id), owner, px=_ms(ttl), nx=True))

    async def renew(self, shard_ids: Collection[int], owner: str, ttl: float) -> set[int]:
        """Extend ``owner``'s leases in one atomic script; the shards it still holds."""
        ordered = list(shard_ids)
        if not ordered:
            return set()
        held = await self._renew(keys=[self._key(s) for s in ordered], args=[owner, _ms(ttl)])
        return {ordered[int(index) - 1] for index in held}

    async def release(self, shard_id: int, owner: str) -> bool:
        """Delete the lease if ``owner`` holds it, atomically."""
        return bool(await self._release(keys=[self._key(shard_id)], args=[owner]))

    async def owners(self, shard_ids: Iterable[int]) -> dict[int, str]:
        """The holder of each leased shard among ``shard_ids``."""
        ordered = list(shard_ids)
        if not ordered:
            return {}
        values = await self._client.mget([self._key(s) for s in ordered])
        return {shard_id: str(value) for shard_id, value in zip(ordered, values, strict=True) if value}


class RedisStatusStore(StatusStore):
    """Shard status in one hash, processes as expiring keys, the cluster shape as an expiring key."""

    def __init__(self, client: aioredis.Redis, namespace: str) -> None:
        self._client = client
        self._namespace = namespace
        self._claim_shape = client.register_script(CLAIM_SHAPE)

    async def put_shards(self, statuses: Iterable[ShardStatus]) -> None:
        """Record these shards' status in one HSET."""
        mapping: dict[Any, Any] = {str(status.shard_id): status.to_json() for status in statuses}
        if mapping:
            await self._client.hset(f"{self._namespace}shard-status", mapping=mapping)

    async def shards(self) -> list[ShardStatus]:
        """Every shard's last status, by shard id."""
        raw = await self._client.hgetall(f"{self._namespace}shard-status")
        records = [ShardStatus.from_json(text) for text in raw.values()]
        return sorted(records, key=lambda record: record.shard_id)

    async def put_process(self, status: ProcessStatus, ttl: float) -> None:
        """Record a process for ``ttl`` seconds."""
        await self._client.set(f"{self._namespace}process:{status.process}", status.to_json(), px=_ms(ttl))

    async def remove_process(self, process: str) -> None:
        """Forget a process."""
        await self._client.delete(f"{self._namespace}process:{process}")

    async def processes(self) -> list[ProcessStatus]:
        """Every live process, by id."""
        keys = [key async for key in self._client.scan_iter(match=f"{self._namespace}process:*", count=500)]
        values = await self._client.mget(keys) if keys else []
        records = [ProcessStatus.from_json(text) for text in values if text]
        return sorted(records, key=lambda record: record.process)

    async def claim_shape(self, shape: ClusterShape, ttl: float) -> ClusterShape:
        """Record ``shape`` unless another is recorded, atomically; the recorded one."""
        current = await self._claim_shape(keys=[f"{self._namespace}shape"], args=[shape.to_json(), _ms(ttl)])
        return ClusterShape.from_json(current)

    async def shape(self) -> ClusterShape | None:
        """The recorded shape."""
        current = await self._client.get(f"{self._namespace}shape")
        return None if current is None else ClusterShape.from_json(current)


class RedisSessionStore(SessionStore):
    """Handed-over sessions as expiring keys, taken with GETDEL so that one process resumes each."""

    def __init__(self, client: aioredis.Redis, namespace: str) -> None:
        self._client = client
        self._namespace = namespace

    async def save(self, state: ResumeState, ttl: float) -> None:
        """Keep ``state`` for ``ttl`` seconds."""
        await self._client.set(f"{self._namespace}session:{state.shard_id}", state.to_json(), px=_ms(ttl))

    async def take(self, shard_id: int) -> ResumeState | None:
        """Remove and return the shard's saved session."""
        text = await self._client.getdel(f"{self._namespace}session:{shard_id}")
        return None if text is None else ResumeState.from_json(text)


def redis_sharding(url: str, namespace: str = "tatiana:", identify_window: float | None = None) -> Sharding:
    """The four contracts on the Redis server at ``url``, sharing one connection pool."""
    client = redis_client(url)
    return Sharding(
        identify=RedisIdentifyQueue(client, namespace, identify_window),
        leases=RedisLeaseStore(client, namespace),
        status=RedisStatusStore(client, namespace),
        sessions=RedisSessionStore(client, namespace),
        on_close=client.aclose,
    )
