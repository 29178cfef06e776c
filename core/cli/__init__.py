"""The ``tatiana`` command: one entry point, subcommands per area; bad input exits 2 with one line."""

from __future__ import annotations

import sys
from collections.abc import Sequence

import click

from tatiana.cli.api_cmd import api
from tatiana.cli.config_cmd import config
from tatiana.cli.context import CliError
from tatiana.cli.db_cmd import db
from tatiana.cli.dev_cmd import dev
from tatiana.cli.plugins_cmd import plugins
from tatiana.cli.run_cmd import run
from tatiana.cli.shards_cmd import shards
from tatiana.cli.worker_cmd import worker


@click.group(help="Tatiana: a plugin-based Discord bot framework.")
@click.version_option(package_name="tatiana-bot", prog_name="tatiana")
def cli() -> None:
    """Top-level command group."""


cli.add_command(plugins)
cli.add_command(db)
cli.add_command(config)
cli.add_command(dev)
cli.add_command(run)
cli.add_command(shards)
cli.add_command(api)
cli.add_command(worker)


def main(argv: Sequence[str] | None = None) -> None:
    """Run the CLI; usage and configuration errors print one line and exit 2."""
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name="tatiana", standalone_mode=False)
    except click.exceptions.NoArgsIsHelpError as exc:
        click.echo(exc.ctx.get_help() if exc.ctx else "", err=True)
        sys.exit(2)
    except click.UsageError as exc:
        click.echo(f"tatiana: error: {exc.format_message()}", err=True)
        sys.exit(2)
    except CliError as exc:
        click.echo(f"tatiana: error: {exc.message}", err=True)
        sys.exit(exc.status)
    except click.Abort:
        click.echo("tatiana: aborted", err=True)
        sys.exit(1)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
