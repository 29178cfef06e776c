"""``tatiana dev``: the whole bot and its API in one process on the embedded default."""

from __future__ import annotations

import asyncio

import click

from tatiana.cli.context import CliError, Environment


@click.command()
@click.option(
    "--sandbox-host", default="127.0.0.1", show_default=True, help="Where the local sandbox listens."
)
@click.option(
    "--sandbox-port",
    default=8765,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port of the local sandbox and its web console (0: any free port).",
)
@click.option("--api-host", default=None, help="Where the API listens [default: API_HOST].")
@click.option(
    "--api-port",
    default=None,
    type=click.IntRange(0, 65535),
    help="Port of the API (0: any free port) [default: API_PORT].",
)
def dev(sandbox_host: str, sandbox_port: int, api_host: str | None, api_port: int | None) -> None:
    """Run the bot, its API (and the local Discord sandbox when DISCORD_TOKEN is unset) in one process."""
    env = Environment(log_level=None)
    from tatiana.api.server import ApiServerError
    from tatiana.bot.process import DevOptions, run_dev

    options = DevOptions(sandbox_host, sandbox_port, api_host, api_port)
    try:
        asyncio.run(run_dev(env.settings, env.registry, env.deployment, options))
    except ApiServerError as exc:
        raise CliError(str(exc), exit_code=1) from None
