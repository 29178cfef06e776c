"""Chooses the counter buffer of a deployment: Redis when configured, in memory otherwise."""

from __future__ import annotations

from tatiana.counters.base import CounterStore
from tatiana.counters.fallback import FallbackCounterStore
from tatiana.counters.memory import MemoryCounterStore


def create_counter_store(redis_url: str | None, namespace: str = "tatiana:") -> CounterStore:
    """Redis buffers for ``redis_url`` (they survive a crash; memory while Redis is unreachable), or one
    process's buffers in memory without."""
    if redis_url:
        import redis.exceptions

        from tatiana.shards.redis_counters import RedisCounterStore

        # While Redis is unreachable, increments wait in this process's memory rather than being dropped.
        unreachable = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError)
        return FallbackCounterStore(RedisCounterStore(redis_url, namespace), unreachable)
    return MemoryCounterStore()
