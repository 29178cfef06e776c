"""The taskiq broker carrying every plugin's tasks, and the embedded and Redis ways to run them."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from taskiq import AsyncBroker, AsyncTaskiqDecoratedTask, InMemoryBroker, ScheduleSource
from taskiq.schedule_sources import LabelScheduleSource

from tatiana.background.context import TaskContext, Tasks, period_of

if TYPE_CHECKING:
    from tatiana.registry import PluginRegistry

log = logging.getLogger(__name__)


class UnknownTask(KeyError):
    """A task name no loaded plugin declares."""


class TaskRunner(Tasks):
    """Every usable plugin's tasks on one taskiq broker, run with the ``TaskContext`` given by ``bind``.

    ``local`` runners (the embedded default) execute the tasks in this process: periodic ones on their
    period, later ones on a timer. Otherwise the tasks are only sent to the broker, and ``tatiana worker``
    processes execute them (periodic ones from their labels, later ones from the Redis schedule source).
    """

    def __init__(
        self, registry: PluginRegistry, broker: AsyncBroker, source: ScheduleSource | None, *, local: bool
    ) -> None:
        self.broker = broker
        self.source = source
        self.local = local
        self._context: TaskContext | None = None
        self._tasks: dict[str, AsyncTaskiqDecoratedTask[Any, Any]] = {}
        self._periods: dict[str, float] = {}
        self._background: set[asyncio.Task[None]] = set()
        self._started = False
        for plugin in registry:
            for function in plugin.tasks:
                self._register(f"{plugin.name}.{function.__name__}", function)

    @classmethod
    def embedded(cls, registry: PluginRegistry) -> TaskRunner:
        """Tasks run in this process: the embedded default, without Redis."""
        return cls(registry, InMemoryBroker(), None, local=True)

    @classmethod
    def redis(cls, registry: PluginRegistry, redis_url: str, namespace: str = "tatiana:") -> TaskRunner:
        """Tasks sent through Redis to ``tatiana worker`` processes (which build the same runner)."""
        from taskiq_redis import ListQueueBroker, ListRedisScheduleSource

        broker = ListQueueBroker(redis_url, queue_name=f"{namespace}tasks")
        source = ListRedisScheduleSource(redis_url, prefix=f"{namespace}schedule")
        return cls(registry, broker, source, local=False)

    @property
    def names(self) -> list[str]:
        """The registered tasks' names."""
        return sorted(self._tasks)

    def _register(self, name: str, function: Callable[..., Any]) -> None:
        runner = self

        async def call(**kwargs: Any) -> Any:
            if runner._context is None:
                raise RuntimeError(f"task {name} ran before its runner was bound to a TaskContext")
            return await function(runner._context, **kwargs)

        call.__name__ = call.__qualname__ = name
        period = period_of(function)
        labels: dict[str, Any] = {}
        if period is not None:
            self._periods[name] = period
            labels["schedule"] = [{"interval": max(1, round(period)), "schedule_id": f"every:{name}"}]
        self._tasks[name] = self.broker.register_task(call, task_name=name, **labels)

    def bind(self, context: TaskContext) -> None:
        """Give the tasks their context (the process's database, REST client, settings)."""
        self._context = context

    def task(self, name: str) -> AsyncTaskiqDecoratedTask[Any, Any]:
        """The taskiq task of ``name``."""
        try:
            return self._tasks[name]
        except KeyError:
            raise UnknownTask(
                f"no plugin declares the task {name!r}; known: {', '.join(self.names)}"
            ) from None

    def schedule_sources(self) -> list[ScheduleSource]:
        """What a worker's scheduler reads: the periodic tasks' labels, and the tasks asked for later."""
        sources: list[ScheduleSource] = [LabelScheduleSource(self.broker)]
        if self.source is not None:
            sources.append(self.source)
        return sources

    async def start(self) -> None:
        """Connect the broker; a local runner starts the periodic tasks (each runs at once)."""
        await self.broker.startup()
        if self.source is not None:
            await self.source.startup()
        self._started = True
        if self.local:
            for name, period in self._periods.items():
                self._spawn(self._periodically(name, period), f"task:{name}")

    async def stop(self) -> None:
        """Stop the periodic tasks and timers, then disconnect the broker."""
        self._started = False
        for background in list(self._background):
            background.cancel()
        for background in list(self._background):
            with contextlib.suppress(asyncio.CancelledError):
                await background
        if isinstance(self.broker, InMemoryBroker):
            await self.broker.wait_all()
        if self.source is not None:
            await self.source.shutdown()
        await self.broker.shutdown()

    async def run(self, task: str, /, **kwargs: Any) -> None:
        """Send the task named ``task`` to the broker now."""
        await self.task(task).kiq(**kwargs)

    async def run_at(self, when: datetime, task: str, /, **kwargs: Any) -> None:
        """Send the task named ``task`` at ``when``: through the schedule source, or a timer of this process."""
        found = self.task(task)
        if self.source is not None:
            await found.schedule_by_time(self.source, when.astimezone(UTC), **kwargs)
            return
        delay = max(0.0, (when - datetime.now(UTC)).total_seconds())
        self._spawn(self._later(delay, task, kwargs), f"task-at:{task}")

    def _spawn(self, coroutine: Any, label: str) -> None:
        background = asyncio.create_task(coroutine, name=label)
        self._background.add(background)
        background.add_done_callback(self._background.discard)

    async def _later(self, delay: float, name: str, kwargs: dict[str, Any]) -> None:
        await asyncio.sleep(delay)
        await self.run(name, **kwargs)

    async def _periodically(self, name: str, period: float) -> None:
        while True:
            try:
                await self.run(name)
            except Exception:
                log.exception("could not send the periodic task %s", name)
            await asyncio.sleep(period)
