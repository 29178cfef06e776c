"""Run the core's and every plugin's Alembic migrations, with no ``alembic.ini``.

One Alembic environment (``tatiana.migrations``) holds several branches: the core's, labelled ``core``,
and one per plugin, labelled with the plugin's name. ``upgrade(url)`` brings every branch to its head,
``downgrade(url, "base")`` removes everything, ``downgrade(url, "economy@base")`` only one plugin's tables.

Writing a plugin's migrations
-----------------------------
Give the plugin a folder of revision files and pass it as ``Plugin(migrations=...)``, together with
``Plugin(metadata=...)``, the ``MetaData`` of the tables those revisions create. The first revision of
the folder starts the plugin's branch::

    revision = "weather_0001"        # unique across every installed plugin: prefix it with the plugin's name
    down_revision = None             # a branch of its own, not stacked on the core's revisions
    branch_labels = ("weather",)     # exactly the plugin's name
    depends_on = "core"              # the core's tables exist first (foreign keys to users, guilds)

Each later revision has ``down_revision`` set to the previous one of the same folder and no branch
label. ``depends_on = "core"`` makes ``upgrade heads`` create the core's tables before the plugin's and
``downgrade base`` drop the plugin's before the core's; a revision that needs a later core revision
names that revision in ``depends_on`` instead. Revision ids live in one shared ``alembic_version``
table, so keep them at most 32 characters. Use ``op.batch_alter_table`` for changes to existing tables:
SQLite can only alter a table by copying it, and the environment runs with ``render_as_batch`` there.

To write a revision with autogenerate, against a database upgraded to heads and outside a running
event loop: ``alembic.command.revision(alembic_config(url, PluginRegistry.of(plugin)), message,
autogenerate=True, rev_id="weather_0002", head="weather@head", version_path=<the plugin's folder>)``;
for the first one ``head="base", branch_label="weather", depends_on="core"`` instead of ``head``.

Before uninstalling a plugin, run ``downgrade(url, "<plugin>@base")``: a database that records a
revision no installed package provides cannot be upgraded (``current`` names that revision).
"""

from __future__ import annotations

import asyncio
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import MetaData, event

import tatiana.migrations
from tatiana.db.engine import create_engine
from tatiana.db.models import NAMING_CONVENTION, Base
from tatiana.registry import PluginRegistry
from tatiana.settings import Settings, normalise_database_url

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy.engine import Connection
    from sqlalchemy.ext.asyncio import AsyncEngine

REGISTRY_ATTRIBUTE = "tatiana.registry"
DATABASE_URL_ATTRIBUTE = "tatiana.database_url"

# alembic.context and alembic.op are process-wide proxies: two commands at once would share them.
_command_lock = threading.Lock()


def script_location() -> Path:
    """The folder of the Alembic environment: the installed ``tatiana.migrations`` package.

    The path is resolved because an editable install links the package's files into a build folder,
    and a revision written there would not reach the source tree.
    """
    return Path(tatiana.migrations.__file__).resolve().parent


def alembic_config(database_url: str, registry: PluginRegistry | None = None) -> Config:
    """An Alembic configuration for ``database_url`` covering the core's and the plugins' revisions."""
    if registry is None:
        registry = PluginRegistry.discover()
    url = normalise_database_url(database_url)
    location = script_location()
    versions = [location / "versions", *registry.migration_locations().values()]
    config = Config(attributes={REGISTRY_ATTRIBUTE: registry, DATABASE_URL_ATTRIBUTE: url})
    config.set_main_option("script_location", _escape(str(location)))
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", _escape(_join_paths(versions)))
    config.set_main_option("sqlalchemy.url", _escape(url))
    return config


def config_registry(config: Config) -> PluginRegistry:
    """The plugin registry a configuration was made for (the installed plugins if none was given)."""
    registry = config.attributes.get(REGISTRY_ATTRIBUTE)
    if registry is None:
        registry = PluginRegistry.discover()
        config.attributes[REGISTRY_ATTRIBUTE] = registry
    return cast(PluginRegistry, registry)


def config_database_url(config: Config) -> str:
    """The database URL a configuration was made for (``sqlalchemy.url``, else the settings' URL)."""
    url = config.attributes.get(DATABASE_URL_ATTRIBUTE) or config.get_main_option("sqlalchemy.url")
    if not url:
        url = Settings().effective_database_url
    return normalise_database_url(str(url))


def target_metadata(registry: PluginRegistry) -> MetaData:
    """The tables the migrations must produce, the core's and every plugin's, in one ``MetaData``.

    One collection, so that a plugin's foreign key to a core table (``"guilds.discord_id"``) resolves;
    a table a plugin declares again (a stub to point a foreign key at) keeps the core's definition.
    """
    combined = MetaData(naming_convention=NAMING_CONVENTION)
    for metadata in (Base.metadata, *registry.metadatas().values()):
        for table in metadata.tables.values():
            if table.key not in combined.tables:
                table.to_metadata(combined)
    return combined


def context_options(dialect_name: str, registry: PluginRegistry) -> dict[str, Any]:
    """Options of the migration context, the same for migrating and for comparing."""
    return {
        "target_metadata": target_metadata(registry),
        "compare_type": True,
        "render_as_batch": dialect_name == "sqlite",
    }


def migration_engine(database_url: str) -> AsyncEngine:
    """An engine for running migrations; on SQLite without foreign key enforcement."""
    engine = create_engine(database_url)
    if engine.dialect.name == "sqlite":
        # A batch migration copies a table and drops the original, which with enforcement on would
        # cascade-delete the rows that reference it.
        event.listen(engine.sync_engine, "connect", _sqlite_foreign_keys_off)
    return engine


async def upgrade(database_url: str, revision: str = "heads", registry: PluginRegistry | None = None) -> None:
    """Upgrade the database to ``revision`` (default: the head of every branch)."""
    await _run_command(command.upgrade, database_url, revision, registry)


async def downgrade(database_url: str, revision: str, registry: PluginRegistry | None = None) -> None:
    """Downgrade the database to ``revision``: ``"base"`` removes everything, ``"<plugin>@base"`` a plugin."""
    await _run_command(command.downgrade, database_url, revision, registry)


async def current(database_url: str, registry: PluginRegistry | None = None) -> list[str]:
    """The revisions the database is at, one per branch: ``"<id> (<branch>)"``, then ``" (head)"`` if last."""
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            heads = await connection.run_sync(_current_heads)
    finally:
        await engine.dispose()
    return await asyncio.to_thread(_describe_revisions, database_url, registry, heads)


async def pending_differences(database_url: str, registry: PluginRegistry | None = None) -> list[Any]:
    """Alembic's autogenerate diff between the database and the models; empty when they match.

    Run it on a database upgraded to heads: a difference then means a model changed without a migration.
    """
    if registry is None:
        registry = await asyncio.to_thread(PluginRegistry.discover)
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(_compare, registry)
    finally:
        await engine.dispose()


async def _run_command(
    action: Callable[[Config, str], None], database_url: str, revision: str, registry: PluginRegistry | None
) -> None:
    # Alembic's commands are synchronous and env.py runs its own event loop, so they get a thread.
    def run() -> None:
        config = alembic_config(database_url, registry)
        with _command_lock:
            action(config, revision)

    await asyncio.to_thread(run)


def _current_heads(connection: Connection) -> tuple[str, ...]:
    return MigrationContext.configure(connection).get_current_heads()


def _describe_revisions(
    database_url: str, registry: PluginRegistry | None, heads: tuple[str, ...]
) -> list[str]:
    script = ScriptDirectory.from_config(alembic_config(database_url, registry))
    known, unknown = [], []
    for head in heads:
        try:
            script.get_revision(head)
        except CommandError:
            unknown.append(head)
        else:
            known.append(head)
    # The version table omits a branch's revision when another branch depends on it; this restores it.
    applied = sorted(
        script.get_all_current(tuple(known)), key=lambda s: (sorted(s.branch_labels), s.revision)
    )
    described = [
        f"{s.revision} ({', '.join(sorted(s.branch_labels))})" + ("" if s.nextrev else " (head)")
        for s in applied
    ]
    return described + [f"{head} (unknown: its migrations are not installed)" for head in sorted(unknown)]


def _compare(connection: Connection, registry: PluginRegistry) -> list[Any]:
    options = context_options(connection.dialect.name, registry)
    context = MigrationContext.configure(connection, opts=options)
    return list(compare_metadata(context, options["target_metadata"]))


def _sqlite_foreign_keys_off(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=OFF")
    cursor.close()


def _join_paths(paths: list[Path]) -> str:
    return os.pathsep.join(str(path) for path in paths)


def _escape(value: str) -> str:
    # Config main options go through ConfigParser interpolation, where "%" starts a reference.
    return value.replace("%", "%%")
