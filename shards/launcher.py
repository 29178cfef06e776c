"""The launcher of ``tatiana run``: starts shard processes, replaces the ones that die or are asked to restart.

Each shard process is ``python -m tatiana.shards.worker_main`` with its own id; it leases shards on its own,
so several launchers, on one machine or several, share the shard space through Redis. A restart request
(``tatiana shards restart``) for one of this launcher's processes starts its replacement first, waits until the
replacement serves, then asks the old process (SIGTERM) to hand its shards over and exit.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import sys
import time
import uuid
from dataclasses import dataclass, field

from tatiana.coordination import Coordination, Subscription
from tatiana.sharding.base import Sharding
from tatiana.sharding.records import ClusterShape, ProcessState
from tatiana.shards.cluster_shape import SHAPE_TTL, ShapeConflictError, agree_on_shape
from tatiana.shards.control import CONTROL_CHANNEL, RESTART
from tatiana.shards.lease_keeper import LeasePolicy
from tatiana.shards.outage import COORDINATION_ERRORS, OutageLog

log = logging.getLogger(__name__)

RESPAWN_DELAYS = (1.0, 2.0, 5.0, 10.0, 30.0)
HEALTHY_AFTER = 60.0  # a process that ran this long starts the respawn delays over
REPLACEMENT_TIMEOUT = 120.0
STOP_TIMEOUT = 30.0


@dataclass(frozen=True)
class LaunchOptions:
    """How many shard processes to run and how each keeps its leases."""

    processes: int
    shards_per_process: int
    shape: ClusterShape
    policy: LeasePolicy = field(default_factory=LeasePolicy)
    namespace: str = "tatiana:"


@dataclass(eq=False)
class _Worker:
    process: str
    proc: asyncio.subprocess.Process
    started_at: float
    retiring: bool = False
    watcher: asyncio.Task[None] | None = None


@dataclass
class _Slot:
    index: int
    generation: int = 0
    current: _Worker | None = None
    failures: int = 0


class Launcher:
    """Supervises ``options.processes`` shard processes until stopped."""

    def __init__(self, options: LaunchOptions, sharding: Sharding, coordination: Coordination) -> None:
        self.options = options
        self.sharding = sharding
        self.coordination = coordination
        self.id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:4]}"
        self._slots = [_Slot(i) for i in range(options.processes)]
        self._workers: set[_Worker] = set()
        self._stopping = False
        self._tasks: set[asyncio.Task[None]] = set()
        self._outage = OutageLog(log, f"launcher {self.id} keeps its processes running")

    @property
    def processes(self) -> list[str]:
        """The ids of the processes serving now, by slot."""
        return [slot.current.process for slot in self._slots if slot.current is not None]

    async def run(self, stop: asyncio.Event) -> None:
        """Start the processes and supervise them until ``stop``; then stop them (they hand their shards over)."""
        await agree_on_shape(self.sharding.status, self.options.shape)
        control = await self.coordination.subscribe(CONTROL_CHANNEL)
        for slot in self._slots:
            await self._spawn(slot)
        log.info(
            "launcher %s: %d processes of up to %d shards each, %d shards in the cluster",
            self.id,
            self.options.processes,
            self.options.shards_per_process,
            self.options.shape.shard_count,
        )
        listener = asyncio.create_task(self._listen(control), name="launcher control")
        keeper = asyncio.create_task(self._keep_shape(stop), name="cluster shape")
        try:
            await stop.wait()
        finally:
            self._stopping = True
            await control.close()
            for task in (listener, keeper, *self._tasks):
                task.cancel()
            await asyncio.wait([listener, keeper, *self._tasks])
            await self._stop_all()

    async def _spawn(self, slot: _Slot) -> _Worker:
        slot.generation += 1
        process = f"{self.id}/{slot.index}.{slot.generation}"
        options = self.options
        args = [
            sys.executable,
            "-m",
            "tatiana.shards.worker_main",
            f"--process={process}",
            f"--launcher={self.id}",
            f"--capacity={options.shards_per_process}",
            f"--shard-count={options.shape.shard_count}",
            f"--max-concurrency={options.shape.max_concurrency}",
            f"--lease-ttl={options.policy.ttl}",
            f"--witness-delay={options.policy.witness_delay}",
            f"--namespace={options.namespace}",
            f"--launcher-pid={os.getpid()}",
        ]
        if options.policy.strict:
            args.append("--strict-leases")
        proc = await asyncio.create_subprocess_exec(*args)
        worker = _Worker(process, proc, time.monotonic())
        slot.current = worker
        self._workers.add(worker)
        worker.watcher = asyncio.create_task(self._watch(slot, worker), name=f"watch {process}")
        log.info("started shard process %s (pid %s)", process, proc.pid)
        return worker

    async def _watch(self, slot: _Slot, worker: _Worker) -> None:
        code = await worker.proc.wait()
        self._workers.discard(worker)
        if self._stopping or worker.retiring or slot.current is not worker:
            log.info("shard process %s exited (%s)", worker.process, code)
            return
        ran = time.monotonic() - worker.started_at
        slot.failures = 1 if ran >= HEALTHY_AFTER else slot.failures + 1
        delay = RESPAWN_DELAYS[min(slot.failures, len(RESPAWN_DELAYS)) - 1]
        log.error(
            "shard process %s exited with %s after %.0fs; a new one starts in %.0fs",
            worker.process,
            code,
            ran,
            delay,
        )
        slot.current = None
        await asyncio.sleep(delay)
        if not self._stopping and slot.current is None:
            await self._spawn(slot)

    async def _listen(self, control: Subscription) -> None:
        async for message in control:
            if message.data.get("type") != RESTART:
                continue
            target = message.data.get("process")
            slot = next((s for s in self._slots if s.current and s.current.process == target), None)
            if slot is not None:
                task = asyncio.create_task(self._replace(slot, str(message.data.get("request"))))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

    async def _replace(self, slot: _Slot, request: str) -> None:
        old = slot.current
        if old is None or old.retiring:
            return
        old.retiring = True
        log.info("restart %s: replacing %s", request, old.process)
        new = await self._spawn(slot)
        if not await self._serving(new):
            log.error(
                "restart %s: %s did not start serving; %s keeps its shards", request, new.process, old.process
            )
            if new.proc.returncode is None:
                new.retiring = True
                new.proc.terminate()
            slot.current, old.retiring = old, False
            return
        log.info("restart %s: %s serves; %s hands its shards over", request, new.process, old.process)
        with contextlib.suppress(ProcessLookupError):
            old.proc.send_signal(signal.SIGTERM)

    async def _serving(self, worker: _Worker) -> bool:
        deadline = time.monotonic() + REPLACEMENT_TIMEOUT
        while time.monotonic() < deadline and worker.proc.returncode is None:
            try:
                records = await self.sharding.status.processes()
            except COORDINATION_ERRORS as exc:
                self._outage.failed(exc)
            else:
                self._outage.succeeded()
                if any(r.process == worker.process and r.state is ProcessState.SERVING for r in records):
                    return True
            await asyncio.sleep(0.2)
        return False

    async def _keep_shape(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await asyncio.sleep(SHAPE_TTL / 3)
            try:
                await agree_on_shape(self.sharding.status, self.options.shape)
            except COORDINATION_ERRORS as exc:
                self._outage.failed(exc)
            except ShapeConflictError as exc:
                # Every launcher stopped long enough for the shape to expire, and another one claimed its own.
                log.error("launcher %s: %s", self.id, exc)
            else:
                self._outage.succeeded()

    async def _stop_all(self) -> None:
        workers = [w for w in self._workers if w.proc.returncode is None]
        for worker in workers:
            with contextlib.suppress(ProcessLookupError):
                worker.proc.send_signal(signal.SIGTERM)
        if not workers:
            return
        _, late = await asyncio.wait(
            [asyncio.create_task(w.proc.wait()) for w in workers], timeout=STOP_TIMEOUT
        )
        for worker in workers:
            if worker.proc.returncode is None:
                log.error("shard process %s did not stop in %.0fs; killing it", worker.process, STOP_TIMEOUT)
                with contextlib.suppress(ProcessLookupError):
                    worker.proc.kill()
        if late:
            await asyncio.wait(late)
        watchers = [w.watcher for w in workers if w.watcher is not None]
        if watchers:
            await asyncio.wait(watchers)
