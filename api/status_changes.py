"""Changes of the bot's status, found by comparing the shards' status records from one read to the next."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from tatiana.api.bot_routes import overall_state
from tatiana.sharding.base import Sharding
from tatiana.sharding.records import ShardState
from tatiana.shards.outage import COORDINATION_ERRORS, OutageLog
from tatiana.shards.status_view import ClusterStatus, read_status

log = logging.getLogger(__name__)


def status_summary(status: ClusterStatus) -> dict[str, Any]:
    """What a ``bot_status`` event says: the overall state and each shard's (not latencies, which always move)."""
    states = [{"shard_id": i, "state": status.state_of(i)} for i in status.shard_ids]
    return {
        "state": overall_state(status),
        "shard_count": len(states),
        "shards_ready": sum(s["state"] == ShardState.READY.value for s in states),
        "shards": states,
    }


async def watch_status(
    sharding: Sharding, interval: float, on_change: Callable[[dict[str, Any]], None]
) -> None:
    """Read the status every ``interval`` seconds, calling ``on_change`` with each summary that differs."""
    outage = OutageLog(log, "bot status changes are not noticed meanwhile")
    last: dict[str, Any] | None = None
    while True:
        try:
            status = await read_status(sharding)
        except COORDINATION_ERRORS as exc:
            outage.failed(exc)
        else:
            outage.succeeded()
            summary = status_summary(status)
            if last is not None and summary != last:
                on_change(summary)
            last = summary
        await asyncio.sleep(interval)
