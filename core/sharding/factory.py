"""Chooses the sharding of a deployment: Redis when configured, in memory otherwise."""

from __future__ import annotations

from tatiana.sharding.base import Sharding
from tatiana.sharding.memory import memory_sharding


def create_sharding(
    redis_url: str | None, namespace: str = "tatiana:", identify_window: float | None = None
) -> Sharding:
    """Redis sharding for ``redis_url``, or one process's in-memory sharding without a URL."""
    if redis_url:
        from tatiana.shards.redis_sharding import redis_sharding

        return redis_sharding(redis_url, namespace, identify_window)
    return memory_sharding(identify_window)
