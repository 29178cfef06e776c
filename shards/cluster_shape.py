"""The cluster's shape (shard count, identify concurrency): asked of Discord, agreed on by every launcher."""

from __future__ import annotations

import aiohttp

from tatiana.sharding.base import StatusStore
from tatiana.sharding.records import ClusterShape

SHAPE_TTL = 30.0  # a shape nobody claimed for this long may be replaced (after every launcher stopped)


class ShapeConflictError(RuntimeError):
    """This launcher's shape differs from the one the running cluster recorded."""


class SessionLimitError(RuntimeError):
    """Discord allows fewer session starts today than the shards to start (more could get the token reset)."""


async def fetch_shape(rest_url: str, token: str, shard_count: int | None = None) -> ClusterShape:
    """GET /gateway/bot: Discord's recommended shard count (unless ``shard_count``) and max_concurrency.

    Raises SessionLimitError when fewer session starts remain today than there are shards, as hikari does.
    """
    async with (
        aiohttp.ClientSession() as session,
        session.get(
            f"{rest_url.rstrip('/')}/gateway/bot",
            headers={"Authorization": f"Bot {token}"},
            raise_for_status=True,
        ) as response,
    ):
        body = await response.json()
    limit = body["session_start_limit"]
    shape = ClusterShape(
        shard_count=shard_count or int(body["shards"]),
        max_concurrency=int(limit["max_concurrency"]),
    )
    if int(limit["remaining"]) < shape.shard_count:
        raise SessionLimitError(
            f"Discord allows {limit['remaining']} more session starts in the next {int(limit['reset_after']) // 1000}s"
            f", fewer than the {shape.shard_count} shards; starting them could get the token reset"
        )
    return shape


async def agree_on_shape(store: StatusStore, shape: ClusterShape) -> ClusterShape:
    """Record ``shape`` as the cluster's, or raise ShapeConflictError if the running cluster has another."""
    recorded = await store.claim_shape(shape, SHAPE_TTL)
    if recorded != shape:
        raise ShapeConflictError(
            f"the running cluster has {recorded.shard_count} shards (max_concurrency "
            f"{recorded.max_concurrency}), this launcher wants {shape.shard_count} "
            f"(max_concurrency {shape.max_concurrency}); stop every launcher to change it"
        )
    return recorded
