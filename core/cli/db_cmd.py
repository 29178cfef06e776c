"""``tatiana db``: run the core's and every plugin's migrations."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import click

from tatiana.cli.context import CliError, Environment
from tatiana.settings import mask_url

T = TypeVar("T")


@click.group()
def db() -> None:
    """Manage the database schema (core and plugin migrations)."""


@db.command()
@click.argument("revision", default="heads")
def upgrade(revision: str) -> None:
    """Upgrade to REVISION (default: heads, every branch)."""
    env = Environment()
    from tatiana.db import migrate

    _run(env, lambda url: migrate.upgrade(url, revision, registry=env.registry))
    click.echo(f"upgraded {mask_url(env.settings.effective_database_url)} to {revision}")


@db.command()
@click.argument("revision")
def downgrade(revision: str) -> None:
    """Downgrade to REVISION ('base' removes everything, '<plugin>@base' one plugin's tables)."""
    env = Environment()
    from tatiana.db import migrate

    _run(env, lambda url: migrate.downgrade(url, revision, registry=env.registry))
    click.echo(f"downgraded {mask_url(env.settings.effective_database_url)} to {revision}")


@db.command()
def current() -> None:
    """Print the current revision of every branch."""
    env = Environment()
    from tatiana.db import migrate

    revisions = _run(env, lambda url: migrate.current(url, registry=env.registry))
    if not revisions:
        click.echo("no revision applied (empty database); run: tatiana db upgrade")
    for line in revisions:
        click.echo(line)


def _run(env: Environment, action: Callable[[str], Coroutine[Any, Any, T]]) -> T:
    url = env.settings.effective_database_url
    try:
        return asyncio.run(action(url))
    except CliError:
        raise
    except Exception as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        bad_revision = type(exc).__module__.startswith("alembic") and "revision" in message.lower()
        raise CliError(f"database {mask_url(url)}: {message}", 2 if bad_revision else 1) from None
