"""``tatiana run``: the sharded bot, as many shard processes as asked, coordinated through Redis."""

from __future__ import annotations

import asyncio

import click

from tatiana.cli.context import CliError, Environment

NAMESPACE_OPTION = click.option(
    "--namespace",
    envvar="TATIANA_REDIS_NAMESPACE",
    default="tatiana:",
    show_default=True,
    help="Prefix of every Redis key and channel of this bot (env TATIANA_REDIS_NAMESPACE).",
)


@click.command()
@click.option(
    "--processes", type=click.IntRange(1), default=1, show_default=True, help="Shard processes to start."
)
@click.option(
    "--shards-per-process",
    type=click.IntRange(1),
    default=None,
    help="Most shards one process holds [default: shard count / processes, rounded up].",
)
@click.option(
    "--shard-count",
    type=click.IntRange(1),
    default=None,
    help="Shards of the whole bot [default: Discord's recommendation, GET /gateway/bot].",
)
@click.option(
    "--lease-ttl",
    type=click.FloatRange(2.0, 300.0),
    default=6.0,
    show_default=True,
    help="Seconds a dead process keeps its shards before another takes them over.",
)
@click.option(
    "--strict-leases",
    is_flag=True,
    help="Freeze a shard whose lease cannot be renewed (Redis unreachable) instead of serving on.",
)
@click.option(
    "--witness-delay",
    type=click.FloatRange(0.3, 30.0),
    default=1.5,
    show_default=True,
    help="Seconds a takeover waits before connecting, for a holder cut off from Redis to see its claim.",
)
@NAMESPACE_OPTION
def run(  # noqa: PLR0917 - click passes one argument per option
    processes: int,
    shards_per_process: int | None,
    shard_count: int | None,
    lease_ttl: float,
    strict_leases: bool,
    witness_delay: float,
    namespace: str,
) -> None:
    """Run the bot's shards in PROCESSES processes; several launchers share the shards through REDIS_URL."""
    env = Environment(log_level=None)
    settings = env.settings
    if settings.discord_token is None:
        raise CliError(
            "DISCORD_TOKEN is not set: `tatiana run` connects to Discord (`tatiana dev` runs the sandbox)"
        )
    if processes > 1 and not settings.redis_url:
        raise CliError("--processes above 1 needs REDIS_URL: shard processes coordinate through Redis")
    registry, deployment = env.registry, env.deployment
    import aiohttp

    from tatiana.shards.cluster_shape import SessionLimitError, ShapeConflictError
    from tatiana.shards.lease_keeper import LeasePolicy
    from tatiana.shards.outage import COORDINATION_ERRORS
    from tatiana.shards.run import RunOptions, run_cluster

    options = RunOptions(
        processes=processes,
        shards_per_process=shards_per_process,
        shard_count=shard_count,
        policy=LeasePolicy(ttl=lease_ttl, strict=strict_leases, witness_delay=witness_delay),
        namespace=namespace,
    )
    try:
        asyncio.run(run_cluster(settings, registry, deployment, options))
    except ShapeConflictError as exc:
        raise CliError(str(exc)) from None
    except SessionLimitError as exc:
        raise CliError(str(exc), exit_code=1) from None
    except aiohttp.ClientError as exc:
        raise CliError(f"GET /gateway/bot failed at {settings.discord_api_url}: {exc}", exit_code=1) from None
    except COORDINATION_ERRORS as exc:
        raise CliError(f"cannot reach Redis or Discord: {exc}", exit_code=1) from None
