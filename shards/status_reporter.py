"""Publishes one process's status and its shards' status: periodically, and at once when a shard changes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from dataclasses import dataclass, field

from tatiana.sharding.base import StatusStore
from tatiana.sharding.records import ProcessState, ProcessStatus, ShardState, ShardStatus
from tatiana.shards.lease_keeper import LeaseKeeper
from tatiana.shards.outage import COORDINATION_ERRORS

log = logging.getLogger(__name__)

STATUS_INTERVAL = 2.0
# A process record outlives a few missed reports, then disappears: the process is gone.
PROCESS_TTL_FACTOR = 3


@dataclass(frozen=True)
class ProcessIdentity:
    """Who a shard process is."""

    process: str
    launcher: str | None
    capacity: int
    host: str = field(default_factory=socket.gethostname)
    pid: int = field(default_factory=os.getpid)
    started_at: float = field(default_factory=time.time)


class StatusReporter:
    """Writes the status records of ``keeper``'s shards and of the process to ``store``."""

    def __init__(
        self,
        store: StatusStore,
        keeper: LeaseKeeper,
        identity: ProcessIdentity,
        interval: float = STATUS_INTERVAL,
    ) -> None:
        self._store = store
        self._keeper = keeper
        self.identity = identity
        self.interval = interval
        self.state = ProcessState.STARTING
        self._previous: set[int] = set()

    async def report(self) -> None:
        """Write the current status now; skipped (the lease keeper logs the outage) if Redis is unreachable."""
        now = time.time()
        who = self.identity
        reports = self._keeper.reports()
        current = {r.shard_id for r in reports}
        statuses = [
            ShardStatus(r.shard_id, r.state, r.latency, r.guilds, who.process, who.host, who.pid, now)
            for r in reports
        ]
        # Shards given up since the last report, unless another process reported them meanwhile.
        statuses += [
            ShardStatus(s, ShardState.STOPPED, None, 0, who.process, who.host, who.pid, now)
            for s in self._previous - current
        ]
        process = ProcessStatus(
            who.process,
            who.host,
            who.pid,
            who.launcher,
            who.capacity,
            tuple(sorted(current)),
            self.state,
            who.started_at,
            now,
        )
        try:
            if self._previous - current:
                mine = {s.shard_id for s in await self._store.shards() if s.process == who.process}
                statuses = [s for s in statuses if s.state is not ShardState.STOPPED or s.shard_id in mine]
            await self._store.put_shards(statuses)
            await self._store.put_process(process, ttl=self.interval * PROCESS_TTL_FACTOR)
        except COORDINATION_ERRORS:
            return
        self._previous = current

    async def remove(self) -> None:
        """Forget this process (it stopped)."""
        with contextlib.suppress(*COORDINATION_ERRORS):
            await self._store.remove_process(self.identity.process)

    async def run(self, stop: asyncio.Event) -> None:
        """Report every ``interval`` seconds, and whenever the keeper's shards change, until ``stop``."""
        while not stop.is_set():
            self._keeper.changed.clear()
            await self.report()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.interval):
                    await self._keeper.changed.wait()
