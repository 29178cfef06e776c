"""Chooses the counter buffer of a deployment: Redis when configured, in memory otherwise."""

from __future__ import annotations

from tatiana.counters.base import CounterStore
from tatiana.counters.memory import MemoryCounterStore


def create_counter_store(redis_url: str | None, namespace: str = "tatiana:") -> CounterStore:
    """Redis buffers for ``redis_url`` (they survive a crash), or one process's buffers in memory without."""
    if redis_url:
        from tatiana.shards.redis_counters import RedisCounterStore

        return RedisCounterStore(redis_url, namespace)
    return MemoryCounterStore()
