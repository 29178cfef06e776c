"""Counter buffers in Redis: increments survive the process that added them until some process writes them.

Keys of counter ``c`` (one hash slot, for Redis Cluster): ``{ns}counters:{c}`` the live hash (HINCRBY),
``…:batch:<id>`` a batch taken out of it (RENAME, atomic with the claim in one script), ``…:batches`` the
set of batch ids, ``…:claim:<id>`` the claim of whoever writes a batch, expiring after ``claim_ttl`` seconds.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence
from typing import Any

import redis.asyncio as aioredis

from tatiana.counters.base import CounterBatch, CounterStore

DEFAULT_CLAIM_TTL = 60.0
# Every message may add to a buffer at once: callers wait for a free connection rather than fail.
MAX_CONNECTIONS = 32
POOL_TIMEOUT = 10.0
# A partitioned server drops packets rather than refusing: give up on it in seconds, not the system's minutes.
SOCKET_TIMEOUT = 5.0

# KEYS: live, batch, batches set, claim; ARGV: batch id, claim ttl (ms).
_TAKE = """
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
redis.call('RENAME', KEYS[1], KEYS[2])
redis.call('SADD', KEYS[3], ARGV[1])
redis.call('SET', KEYS[4], '1', 'PX', ARGV[2])
return redis.call('HGETALL', KEYS[2])
"""

# KEYS: live, batches set; ARGV: the batch key prefix, the field, the amount. Returns the field's pending total.
_ADD = """
local total = redis.call('HINCRBY', KEYS[1], ARGV[2], ARGV[3])
for _, id in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  total = total + (tonumber(redis.call('HGET', ARGV[1] .. id, ARGV[2])) or 0)
end
return total
"""

# KEYS: live, batches set; ARGV: the batch key prefix, then the fields. One round trip per read.
_PENDING = """
local hashes = {KEYS[1]}
for _, id in ipairs(redis.call('SMEMBERS', KEYS[2])) do table.insert(hashes, ARGV[1] .. id) end
local fields = {unpack(ARGV, 2)}
local totals = {}
for i = 1, #fields do totals[i] = 0 end
for _, hash in ipairs(hashes) do
  local values = redis.call('HMGET', hash, unpack(fields))
  for i = 1, #fields do totals[i] = totals[i] + (tonumber(values[i]) or 0) end
end
return totals
"""


class RedisCounterStore(CounterStore):
    """Live buffers and batches shared by every process using the same Redis server and namespace."""

    def __init__(
        self, url: str, namespace: str = "tatiana:", *, claim_ttl: float = DEFAULT_CLAIM_TTL
    ) -> None:
        self.namespace = namespace
        self.claim_ttl = claim_ttl
        pool = aioredis.BlockingConnectionPool.from_url(
            url,
            max_connections=MAX_CONNECTIONS,
            timeout=POOL_TIMEOUT,
            socket_connect_timeout=SOCKET_TIMEOUT,
            socket_timeout=SOCKET_TIMEOUT,
            decode_responses=True,
        )
        self._client: aioredis.Redis = aioredis.Redis.from_pool(pool)
        self._take = self._client.register_script(_TAKE)
        self._pending = self._client.register_script(_PENDING)
        self._add = self._client.register_script(_ADD)

    def _key(self, counter: str, *parts: str) -> str:
        return ":".join([f"{self.namespace}counters:{{{counter}}}", *parts])

    @property
    def _claim_ms(self) -> int:
        return max(1, math.ceil(self.claim_ttl * 1000))

    async def add(self, counter: str, key: str, amount: int) -> int:
        """HINCRBY ``key`` in the live hash of ``counter``; returns what ``key`` has waiting, batches included."""
        total = await self._add(
            keys=[self._key(counter), self._key(counter, "batches")],
            args=[self._key(counter, "batch", ""), key, amount],
        )
        return int(total)

    async def pending(self, counter: str, keys: Sequence[str]) -> dict[str, int]:
        """What each of ``keys`` has waiting, in the live hash and in every uncommitted batch."""
        if not keys:
            return {}
        totals = await self._pending(
            keys=[self._key(counter), self._key(counter, "batches")],
            args=[self._key(counter, "batch", ""), *keys],
        )
        return {key: int(total) for key, total in zip(keys, totals, strict=True)}

    async def take(self, counter: str) -> CounterBatch | None:
        """Rename the live hash to a new batch and claim it, in one script; None if the hash is empty."""
        batch_id = uuid.uuid4().hex
        keys = [
            self._key(counter),
            self._key(counter, "batch", batch_id),
            self._key(counter, "batches"),
            self._key(counter, "claim", batch_id),
        ]
        flat = await self._take(keys=keys, args=[batch_id, self._claim_ms])
        if not flat:
            return None
        return CounterBatch(counter, batch_id, _counts(flat))

    async def reclaim(self, counter: str) -> list[CounterBatch]:
        """Claim (SET NX with the claim's expiry) every batch whose claim lapsed or was released."""
        found = []
        for batch_id in await self._batch_ids(counter):
            claimed = await self._client.set(
                self._key(counter, "claim", batch_id), "1", px=self._claim_ms, nx=True
            )
            if not claimed:
                continue
            counts = await self._client.hgetall(self._key(counter, "batch", batch_id))
            if not counts:
                # Committed by another process between SMEMBERS and here.
                await self._forget(counter, batch_id)
                continue
            found.append(CounterBatch(counter, batch_id, {str(k): int(v) for k, v in counts.items()}))
        return found

    async def commit(self, batch: CounterBatch) -> None:
        """Delete the batch, its claim and its id."""
        await self._forget(batch.counter, batch.id)

    async def release(self, batch: CounterBatch) -> None:
        """Delete the claim so that the next flush, here or elsewhere, retries the batch."""
        await self._client.delete(self._key(batch.counter, "claim", batch.id))

    async def close(self) -> None:
        """Close the connections; idempotent."""
        await self._client.aclose()

    async def _batch_ids(self, counter: str) -> list[str]:
        return sorted(str(i) for i in await self._client.smembers(self._key(counter, "batches")))

    async def _forget(self, counter: str, batch_id: str) -> None:
        async with self._client.pipeline(transaction=True) as pipe:
            pipe.delete(self._key(counter, "batch", batch_id), self._key(counter, "claim", batch_id))
            pipe.srem(self._key(counter, "batches"), batch_id)
            await pipe.execute()


def _counts(flat: list[Any]) -> dict[str, int]:
    """HGETALL's flat ``[field, value, field, value, …]`` reply of a script as a dict."""
    return {str(flat[i]): int(flat[i + 1]) for i in range(0, len(flat), 2)}
