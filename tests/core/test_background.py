"""Plugins' background tasks: declared by the plugin, run in the bot's process or by workers through Redis."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tatiana import Plugin, PluginDefinitionError, TaskContext, every
from tatiana.background import TaskRunner
from tatiana.background.runner import UnknownTask
from tatiana.background.worker import run_worker
from tatiana.registry import PluginRegistry

CALLS: list[tuple[str, Any]] = []


@every(1)
async def tick(ctx: TaskContext) -> None:
    CALLS.append(("tick", ctx.database))


async def greet(ctx: TaskContext, *, name: str) -> None:
    CALLS.append(("greet", name))


def plugin() -> Plugin:
    return Plugin(name="chores", version="1.0", description="Chores", requires="1.*", tasks=[tick, greet])


def context() -> TaskContext:
    return TaskContext(database="db", rest="rest", guild_settings="settings")  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def no_calls() -> None:
    CALLS.clear()


def test_a_task_must_be_an_async_function() -> None:
    def sync_task(ctx: TaskContext) -> None: ...

    with pytest.raises(PluginDefinitionError, match=r"task .*sync_task.* is not an async function"):
        Plugin(name="chores", version="1.0", description="Chores", requires="1.*", tasks=[sync_task])
    with pytest.raises(ValueError, match="at most every second"):
        every(0.5)


async def test_the_embedded_runner_runs_periodic_tasks_from_the_start_and_later_ones_on_time() -> None:
    runner = TaskRunner.embedded(PluginRegistry.of(plugin()))
    assert runner.names == ["chores.greet", "chores.tick"] and runner.local
    runner.bind(context())
    await runner.start()
    try:
        await asyncio.sleep(0.2)
        assert CALLS == [("tick", "db")], "a periodic task runs as its runner starts"
        await runner.run("chores.greet", name="ana")
        await runner.run_at(datetime.now(UTC) + timedelta(seconds=0.5), "chores.greet", name="luis")
        await asyncio.sleep(0.2)
        assert ("greet", "ana") in CALLS and ("greet", "luis") not in CALLS
        await asyncio.sleep(1.2)
        assert ("greet", "luis") in CALLS
        assert [c for c in CALLS if c[0] == "tick"] == [("tick", "db")] * 2, "then once a second"
        with pytest.raises(
            UnknownTask, match=re.escape("no plugin declares the task 'chores.nope'; known: chores.greet")
        ):
            await runner.run("chores.nope")
    finally:
        await runner.stop()
    stopped = len(CALLS)
    await asyncio.sleep(1.1)
    assert len(CALLS) == stopped, "nothing runs after stop"


async def test_with_redis_the_sender_only_sends_and_a_worker_runs(
    redis_url: str, redis_namespace: str
) -> None:
    registry = PluginRegistry.of(plugin())
    sender = TaskRunner.redis(registry, redis_url, redis_namespace)
    await sender.start()
    stop = asyncio.Event()
    working = asyncio.create_task(
        run_worker(TaskRunner.redis(registry, redis_url, redis_namespace), context(), stop)
    )
    try:
        await sender.run("chores.greet", name="marta")
        await sender.run_at(datetime.now(UTC) + timedelta(seconds=1), "chores.greet", name="pablo")
        for _ in range(60):
            if ("greet", "pablo") in CALLS:
                break
            await asyncio.sleep(0.1)
        assert ("greet", "marta") in CALLS and ("greet", "pablo") in CALLS
        assert ("tick", "db") in CALLS, "the worker's scheduler sends the periodic task"
    finally:
        stop.set()
        await working
        await sender.stop()
