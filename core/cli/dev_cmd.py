"""``tatiana dev``: the whole bot in one process on the embedded default."""

from __future__ import annotations

import asyncio

import click

from tatiana.cli.context import Environment


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
def dev(sandbox_host: str, sandbox_port: int) -> None:
    """Run the bot (and the local Discord sandbox when DISCORD_TOKEN is unset) in one process."""
    env = Environment(log_level=None)
    from tatiana.bot.process import DevOptions, run_dev

    asyncio.run(run_dev(env.settings, env.registry, env.deployment, DevOptions(sandbox_host, sandbox_port)))
