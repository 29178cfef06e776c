"""Chooses the coordination of a deployment: Redis when configured, in memory otherwise."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tatiana.coordination.memory import MemoryCoordination

if TYPE_CHECKING:
    from tatiana.coordination.base import Coordination


def create_coordination(redis_url: str | None, namespace: str = "tatiana:") -> Coordination:
    """Redis coordination for ``redis_url``, or one process's in-memory coordination without a URL."""
    if redis_url:
        from tatiana.shards.redis_coordination import RedisCoordination

        return RedisCoordination(redis_url, namespace)
    return MemoryCoordination()
