"""Alembic environment of the core's branch and every plugin's, on PostgreSQL or SQLite.

Configured by ``tatiana.db.migrate.alembic_config`` (no ``alembic.ini``). Online migrations run on an
async engine in an event loop of their own, so an Alembic command must not be called from a thread
that is already running one: ``tatiana.db.migrate`` calls them in a worker thread.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from alembic import context
from sqlalchemy.engine import make_url

from tatiana.db.migrate import (
    config_database_url,
    config_registry,
    context_options,
    migration_engine,
)

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection


def run_migrations_offline(url: str) -> None:
    """Write the migrations' SQL to Alembic's output instead of running it."""
    options = context_options(make_url(url).get_backend_name(), config_registry(context.config))
    context.configure(url=url, literal_binds=True, dialect_opts={"paramstyle": "named"}, **options)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations(connection: Connection) -> None:
    """Run the migrations Alembic selected on ``connection``."""
    options = context_options(connection.dialect.name, config_registry(context.config))
    context.configure(connection=connection, **options)
    with context.begin_transaction():
        context.run_migrations()


async def run_migrations_online(url: str) -> None:
    """Connect to the database with an async engine and run the migrations."""
    engine = migration_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(run_migrations)
    finally:
        await engine.dispose()


def main() -> None:
    """Run the environment in the mode Alembic asked for."""
    url = config_database_url(context.config)
    if context.is_offline_mode():
        run_migrations_offline(url)
    else:
        asyncio.run(run_migrations_online(url))


main()
