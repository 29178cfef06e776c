"""Rolling restarts started from the API: the same procedure as ``tatiana shards restart``, in a background task."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from tatiana.coordination import Coordination
from tatiana.sharding.base import Sharding
from tatiana.shards.rolling_restart import RestartError, RestartResult, rolling_restart

log = logging.getLogger(__name__)

KEPT = 50  # finished restarts remembered for GET


@dataclass
class RestartJob:
    """One rolling restart: ``running`` until every process was handled, then ``done`` or ``failed``."""

    id: str
    requested_by: int
    processes: list[str]
    started_at: float
    state: str = "running"
    results: list[RestartResult] = field(default_factory=list)
    error: str | None = None
    finished_at: float | None = None


class RestartJobs:
    """Starts rolling restarts, one at a time per API process, and remembers how they went."""

    def __init__(self, sharding: Sharding, coordination: Coordination, timeout: float = 180.0) -> None:
        self._sharding = sharding
        self._coordination = coordination
        self._timeout = timeout
        self._jobs: dict[str, RestartJob] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def get(self, job_id: str) -> RestartJob | None:
        """The restart ``job_id``, if this process started it recently."""
        return self._jobs.get(job_id)

    @property
    def running(self) -> RestartJob | None:
        """The restart in progress, if any."""
        return next((job for job in self._jobs.values() if job.state == "running"), None)

    async def start(self, requested_by: int, processes: Sequence[str] = ()) -> RestartJob:
        """Check that there is something to restart, then restart it in the background; RestartError if not."""
        if self.running is not None:
            raise RestartError(f"restart {self.running.id} is still running")
        live = {record.process for record in await self._sharding.status.processes()}
        if not live:
            raise RestartError("no shard process is running")
        unknown = sorted(set(processes) - live)
        if unknown:
            raise RestartError(
                f"no running shard process {', '.join(unknown)} (running: {', '.join(sorted(live))})"
            )
        job = RestartJob(uuid.uuid4().hex, requested_by, list(processes) or sorted(live), time.time())
        self._jobs[job.id] = job
        for old in [j.id for j in self._jobs.values() if j.state != "running"][:-KEPT]:
            del self._jobs[old]
        task = asyncio.create_task(self._run(job), name=f"rolling-restart-{job.id[:8]}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        log.info("rolling restart %s of %s requested by %s", job.id, ", ".join(job.processes), requested_by)
        return job

    async def _run(self, job: RestartJob) -> None:
        try:
            job.results = await rolling_restart(
                self._sharding, self._coordination, processes=job.processes, timeout=self._timeout
            )
            job.state = "done" if all(r.replaced for r in job.results) else "failed"
        except Exception as exc:
            log.exception("rolling restart %s failed", job.id)
            job.state, job.error = "failed", str(exc)
        finally:
            job.finished_at = time.time()

    async def close(self) -> None:
        """Stop the restarts in progress (the processes already replaced stay replaced)."""
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(self._tasks)
