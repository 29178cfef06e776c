"""``tatiana shards``: the status of a running sharded bot, and rolling restarts."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

import click

from tatiana.cli.context import CliError, Environment
from tatiana.cli.run_cmd import NAMESPACE_OPTION
from tatiana.cli.table import render_table

if TYPE_CHECKING:
    from tatiana.coordination import Coordination
    from tatiana.sharding import Sharding

T = TypeVar("T")


@click.group()
def shards() -> None:
    """Inspect and restart the shard processes of `tatiana run`."""


def _redis_url(env: Environment) -> str:
    url = env.settings.redis_url
    if not url:
        raise CliError("REDIS_URL is not set: shard status and control are shared through Redis")
    return url


def _with_redis(url: str, namespace: str, work: Callable[[Sharding, Coordination], Awaitable[T]]) -> T:
    from tatiana.coordination import create_coordination
    from tatiana.sharding import create_sharding
    from tatiana.shards.outage import COORDINATION_ERRORS

    async def run() -> T:
        sharding = create_sharding(url, namespace)
        coordination = create_coordination(url, namespace)
        try:
            return await work(sharding, coordination)
        finally:
            await sharding.close()
            await coordination.close()

    try:
        return asyncio.run(run())
    except COORDINATION_ERRORS as exc:
        raise CliError(f"cannot reach Redis: {exc}", exit_code=1) from None


@shards.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
@NAMESPACE_OPTION
def status(as_json: bool, namespace: str) -> None:
    """Every shard (state, latency, guilds, process, host, last heartbeat) and every shard process."""
    from tatiana.shards.status_view import ClusterStatus, read_status

    env = Environment(log_level="CRITICAL")

    async def read(sharding: Sharding, _: Coordination) -> ClusterStatus:
        return await read_status(sharding)

    cluster = _with_redis(_redis_url(env), namespace, read)
    if as_json:
        click.echo(json.dumps(cluster.to_json(), indent=2))
        return
    if cluster.shape is None and not cluster.shards:
        click.echo("no shard process has reported (is `tatiana run` started, with the same REDIS_URL?)")
        return
    if cluster.shape is not None:
        click.echo(f"{cluster.shape.shard_count} shards, max_concurrency {cluster.shape.max_concurrency}")
    click.echo(
        render_table(
            ["SHARD", "STATE", "LATENCY", "GUILDS", "PROCESS", "HOST", "HEARTBEAT"], cluster.shard_rows()
        )
    )
    click.echo()
    click.echo(
        render_table(["PROCESS", "HOST", "PID", "STATE", "SHARDS", "HEARTBEAT"], cluster.process_rows())
    )


@shards.command()
@click.option("--process", "processes", multiple=True, help="Restart only this process (repeatable).")
@click.option(
    "--timeout",
    type=click.FloatRange(1.0),
    default=180.0,
    show_default=True,
    help="Seconds allowed per process.",
)
@NAMESPACE_OPTION
def restart(processes: tuple[str, ...], timeout: float, namespace: str) -> None:
    """Rolling restart: replace each shard process in turn while the others serve; shards resume elsewhere."""
    from tatiana.shards.rolling_restart import RestartError, RestartResult, rolling_restart

    env = Environment(log_level="WARNING")

    async def work(sharding: Sharding, coordination: Coordination) -> list[RestartResult]:
        return await rolling_restart(
            sharding, coordination, processes=processes, timeout=timeout, progress=click.echo
        )

    try:
        results = _with_redis(_redis_url(env), namespace, work)
    except RestartError as exc:
        raise CliError(str(exc)) from None
    failed = [r.process for r in results if not r.replaced]
    if failed:
        raise CliError(f"not restarted: {', '.join(failed)}", exit_code=1)
    click.echo(f"rolling restart done: {len(results)} processes replaced")
