"""``tatiana worker``'s body: executes the plugins' tasks sent through Redis, and sends the scheduled ones."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import timedelta

import hikari
from taskiq import TaskiqScheduler
from taskiq.api import run_receiver_task, run_scheduler_task

from tatiana.background.context import TaskContext
from tatiana.background.runner import TaskRunner
from tatiana.bot.languages import GuildLanguages
from tatiana.coordination import create_coordination
from tatiana.database import Database
from tatiana.db.engine import create_engine, session_factory
from tatiana.deployment import DeploymentConfig
from tatiana.guild_plugins import GuildPluginService
from tatiana.guild_settings import GuildSettings
from tatiana.registry import PluginRegistry

log = logging.getLogger(__name__)

SCHEDULE_UPDATE = timedelta(seconds=1)
"""How often the scheduler reads the schedule source again: a task asked for later is sent within this."""


@contextlib.asynccontextmanager
async def task_context(
    registry: PluginRegistry,
    deployment: DeploymentConfig,
    *,
    database_url: str,
    redis_url: str | None,
    namespace: str,
    token: str,
    rest_url: str | None,
) -> AsyncIterator[TaskContext]:
    """The worker's own database, REST client (the bot's token) and per-guild settings, for its tasks."""
    engine = create_engine(database_url)
    coordination = create_coordination(redis_url, namespace)
    sessions = session_factory(engine)
    service = GuildPluginService(sessions, registry, coordination, deployment)
    rest_app = hikari.RESTApp(url=rest_url)
    try:
        await service.start()
        await rest_app.start()
        async with rest_app.acquire(token, hikari.TokenType.BOT) as rest:
            yield TaskContext(
                database=Database(sessions),
                rest=rest,
                guild_settings=GuildSettings(service, registry, GuildLanguages(sessions)),
            )
    finally:
        await rest_app.close()
        await service.stop()
        await coordination.close()
        await engine.dispose()


async def run_worker(runner: TaskRunner, context: TaskContext, stop: asyncio.Event) -> None:
    """Execute the tasks the broker delivers and send the scheduled ones, until ``stop`` is set."""
    runner.bind(context)
    await runner.start()
    scheduler = TaskiqScheduler(runner.broker, runner.schedule_sources())
    receiving = asyncio.create_task(run_receiver_task(runner.broker, run_startup=False), name="task receiver")
    scheduling = asyncio.create_task(
        run_scheduler_task(scheduler, interval=SCHEDULE_UPDATE), name="task scheduler"
    )
    stopping = asyncio.create_task(stop.wait(), name="worker stop")
    log.info("worker running the tasks %s", ", ".join(runner.names) or "(none)")
    try:
        done, _ = await asyncio.wait({receiving, scheduling, stopping}, return_when=asyncio.FIRST_COMPLETED)
        for finished in done - {stopping}:
            finished.result()  # a receiver or scheduler that ended on its own: say why
    finally:
        for running in (receiving, scheduling, stopping):
            running.cancel()
        for running in (receiving, scheduling, stopping):
            with contextlib.suppress(asyncio.CancelledError):
                await running
        await runner.stop()
