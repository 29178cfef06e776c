"""A rolling restart: each shard process in turn is replaced by a new one while the others keep serving.

For each process the launcher that runs it starts a replacement, waits until it serves, then has the old one
hand its shards over (each RESUMEd by its next holder when Discord still has the session). The next process
is restarted only once every shard of the previous one is ready again elsewhere.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tatiana.coordination import Coordination
from tatiana.sharding.base import Sharding
from tatiana.sharding.records import ProcessStatus, ShardState
from tatiana.shards.control import CONTROL_CHANNEL, restart
from tatiana.shards.status_view import STALE_AFTER, read_status

POLL_INTERVAL = 0.2


class RestartError(RuntimeError):
    """The restart cannot start: no cluster, or an unknown process was named."""


@dataclass(frozen=True)
class RestartResult:
    """How the restart of one process went."""

    process: str
    replaced: bool
    seconds: float
    detail: str


async def rolling_restart(
    sharding: Sharding,
    coordination: Coordination,
    *,
    processes: Sequence[str] = (),
    timeout: float = 180.0,
    progress: Callable[[str], None] = lambda _: None,
) -> list[RestartResult]:
    """Restart ``processes`` (default: every live one) one at a time; how each went."""
    records = await sharding.status.processes()
    if not records:
        raise RestartError("no shard process is running (is `tatiana run` started, with the same REDIS_URL?)")
    by_id = {record.process: record for record in records}
    unknown = [p for p in processes if p not in by_id]
    if unknown:
        raise RestartError(f"no running shard process {', '.join(unknown)} (running: {', '.join(by_id)})")
    targets = [by_id[p] for p in processes] if processes else records
    results: list[RestartResult] = []
    for record in targets:
        result = await _restart_one(sharding, coordination, record, timeout)
        progress(f"{result.process}: {result.detail} ({result.seconds:.1f}s)")
        results.append(result)
    return results


async def _restart_one(
    sharding: Sharding, coordination: Coordination, record: ProcessStatus, timeout: float
) -> RestartResult:
    started = time.monotonic()
    if record.launcher is None:
        return RestartResult(record.process, False, 0.0, "skipped: it has no launcher to replace it")
    await coordination.publish(CONTROL_CHANNEL, restart(record.process, uuid.uuid4().hex[:8]))
    deadline = started + timeout
    while time.monotonic() < deadline:
        status = await read_status(sharding)
        gone = all(p.process != record.process for p in status.processes)
        live = {p.process for p in status.processes}
        moved = [
            s
            for s in record.shards
            if (r := status.record(s)) is not None
            and r.state is ShardState.READY
            and r.process in live
            and r.process != record.process
            and status.read_at - r.heartbeat_at <= STALE_AFTER
        ]
        if gone and len(moved) == len(record.shards):
            holders = sorted({r.process for s in moved if (r := status.record(s)) is not None})
            where = f"shards {', '.join(map(str, record.shards))} ready on {', '.join(holders)}"
            return RestartResult(
                record.process,
                True,
                time.monotonic() - started,
                f"replaced; {where}" if moved else "replaced",
            )
        await asyncio.sleep(POLL_INTERVAL)
    return RestartResult(
        record.process, False, time.monotonic() - started, f"not replaced within {timeout:.0f}s"
    )
