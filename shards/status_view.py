"""The cluster's status as ``tatiana shards status`` shows it: every shard and every live process."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from tatiana.sharding.base import Sharding
from tatiana.sharding.records import ClusterShape, ProcessStatus, ShardStatus
from tatiana.shards.status_reporter import STATUS_INTERVAL

STALE_AFTER = 3 * STATUS_INTERVAL  # a record not refreshed for this long comes from a process that is gone

UNASSIGNED = "unassigned"  # no process ever reported the shard
STALE = "stale"  # its last report is too old: the process that sent it is gone


@dataclass(frozen=True)
class ClusterStatus:
    """What the shard processes last reported, read at ``read_at`` (Unix time)."""

    shape: ClusterShape | None
    shards: list[ShardStatus]
    processes: list[ProcessStatus]
    read_at: float

    def state_of(self, shard_id: int) -> str:
        """The shard's state, ``stale`` if its report is too old, ``unassigned`` if it has none."""
        record = self.record(shard_id)
        if record is None:
            return UNASSIGNED
        if self.read_at - record.heartbeat_at > STALE_AFTER:
            return STALE
        return record.state.value

    def record(self, shard_id: int) -> ShardStatus | None:
        """The shard's last report."""
        return next((s for s in self.shards if s.shard_id == shard_id), None)

    @property
    def shard_ids(self) -> list[int]:
        """Every shard of the cluster's shape, and any other reported one."""
        count = self.shape.shard_count if self.shape else 0
        return sorted(set(range(count)) | {s.shard_id for s in self.shards})

    def to_json(self) -> dict[str, Any]:
        """A JSON-compatible dict for ``--json`` and the API."""
        shards = []
        for shard_id in self.shard_ids:
            record = self.record(shard_id)
            shards.append(
                {
                    "shard_id": shard_id,
                    "state": self.state_of(shard_id),
                    "latency_ms": _ms(record.latency) if record else None,
                    "guilds": record.guilds if record else None,
                    "process": record.process if record else None,
                    "host": record.host if record else None,
                    "pid": record.pid if record else None,
                    "heartbeat_at": record.heartbeat_at if record else None,
                    "heartbeat_age": round(self.read_at - record.heartbeat_at, 3) if record else None,
                }
            )
        return {
            "shard_count": self.shape.shard_count if self.shape else None,
            "max_concurrency": self.shape.max_concurrency if self.shape else None,
            "shards": shards,
            "processes": [
                {
                    "process": p.process,
                    "host": p.host,
                    "pid": p.pid,
                    "launcher": p.launcher,
                    "state": p.state.value,
                    "capacity": p.capacity,
                    "shards": list(p.shards),
                    "started_at": p.started_at,
                    "heartbeat_age": round(self.read_at - p.heartbeat_at, 3),
                }
                for p in self.processes
            ],
        }

    def shard_rows(self) -> list[list[object]]:
        """Rows of the shard table: shard, state, latency, guilds, process, host, last heartbeat."""
        rows: list[list[object]] = []
        for shard_id in self.shard_ids:
            record = self.record(shard_id)
            if record is None:
                rows.append([shard_id, UNASSIGNED, "-", "-", "-", "-", "-"])
                continue
            latency = _ms(record.latency)
            rows.append(
                [
                    shard_id,
                    self.state_of(shard_id),
                    "-" if latency is None else f"{latency:.0f} ms",
                    record.guilds,
                    record.process,
                    record.host,
                    f"{self.read_at - record.heartbeat_at:.1f}s ago",
                ]
            )
        return rows

    def process_rows(self) -> list[list[object]]:
        """Rows of the process table: process, host, pid, state, shards held of capacity, last heartbeat."""
        return [
            [
                p.process,
                p.host,
                p.pid,
                p.state.value,
                f"{','.join(map(str, p.shards)) or '-'} ({len(p.shards)}/{p.capacity})",
                f"{self.read_at - p.heartbeat_at:.1f}s ago",
            ]
            for p in self.processes
        ]


async def read_status(sharding: Sharding) -> ClusterStatus:
    """The cluster's status now."""
    shape = await sharding.status.shape()
    shards = await sharding.status.shards()
    processes = await sharding.status.processes()
    return ClusterStatus(shape, shards, processes, time.time())


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)
