"""``tatiana worker``: runs the plugins' background tasks that the shards send through Redis."""

from __future__ import annotations

import asyncio
import contextlib
import signal

import click

from tatiana.cli.context import CliError, Environment
from tatiana.cli.run_cmd import NAMESPACE_OPTION


@click.command()
@NAMESPACE_OPTION
def worker(namespace: str) -> None:
    """Run the plugins' tasks sent through REDIS_URL, and send the scheduled ones; start as many as wanted."""
    env = Environment(log_level=None)
    settings = env.settings
    if not settings.redis_url:
        raise CliError(
            "`tatiana worker` needs REDIS_URL: without Redis the bot runs its tasks in its own process"
        )
    if settings.discord_token is None:
        raise CliError("DISCORD_TOKEN is not set: the tasks call Discord with the bot's token")
    registry, deployment = env.registry, env.deployment
    from tatiana.background import TaskRunner
    from tatiana.background.worker import run_worker, task_context

    redis_url, token = settings.redis_url, settings.discord_token.get_secret_value()

    async def serve() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)
        runner = TaskRunner.redis(registry, redis_url, namespace)
        async with task_context(
            registry,
            deployment,
            database_url=settings.effective_database_url,
            redis_url=redis_url,
            namespace=namespace,
            token=token,
            rest_url=settings.discord_api_url,
        ) as context:
            await run_worker(runner, context, stop)

    from tatiana.shards.outage import COORDINATION_ERRORS

    try:
        asyncio.run(serve())
    except COORDINATION_ERRORS as exc:
        raise CliError(f"cannot reach Redis, the database or Discord: {exc}", exit_code=1) from None
