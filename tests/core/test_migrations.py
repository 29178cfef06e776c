"""The Alembic environment and the core's migrations, on SQLite and the real PostgreSQL."""

from __future__ import annotations

import dataclasses
import textwrap
from typing import TYPE_CHECKING, Any, TypeVar

import pytest
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    insert,
    inspect,
    text,
)
from sqlalchemy.exc import IntegrityError

from tatiana import Plugin
from tatiana.db import migrate
from tatiana.db.engine import create_engine
from tatiana.db.models import NAMING_CONVENTION, Base, Guild, User, UserEconomy
from tatiana.registry import PluginRegistry

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from sqlalchemy.engine import Inspector

T = TypeVar("T")

CORE_TABLES = {
    "users",
    "guilds",
    "user_economy",
    "moderation_logs",
    "ai_conversations",
    "guild_plugins",
    "api_refresh_tokens",
    "command_usage",
    "shard_claims",
}

WEATHER_REVISION = '''
"""Weather cache."""

import sqlalchemy as sa
from alembic import op

revision = "weather_0001"
down_revision = None
branch_labels = ("weather",)
depends_on = "core"


def upgrade() -> None:
    op.create_table(
        "weather_cache",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("city", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["guild_id"],
            ["guilds.discord_id"],
            name=op.f("fk_weather_cache_guild_id_guilds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_weather_cache")),
    )


def downgrade() -> None:
    op.drop_table("weather_cache")
'''


CITIES_REVISIONS = {
    "cities_0001_tables.py": """
import sqlalchemy as sa
from alembic import op

revision = "cities_0001"
down_revision = None
branch_labels = ("cities",)
depends_on = "core"


def upgrade() -> None:
    op.create_table(
        "city",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(50), nullable=False),
    )
    op.create_table(
        "forecast",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("city_id", sa.Integer(), sa.ForeignKey("city.id", ondelete="CASCADE"), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("forecast")
    op.drop_table("city")
""",
    "cities_0002_nullable_name.py": """
import sqlalchemy as sa
from alembic import op

revision = "cities_0002"
down_revision = "cities_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("city") as batch:
        batch.alter_column("name", existing_type=sa.String(50), nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("city") as batch:
        batch.alter_column("name", existing_type=sa.String(50), nullable=False)
""",
}


def weather_metadata(city_length: int = 100) -> MetaData:
    """The tables the weather revision creates, as the plugin would declare them."""
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    Table(
        "weather_cache",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("guild_id", BigInteger, ForeignKey("guilds.discord_id", ondelete="CASCADE"), nullable=False),
        Column("city", String(city_length), nullable=False),
    )
    return metadata


@pytest.fixture
def weather(tmp_path: Path) -> Plugin:
    """A plugin with a migrations folder of its own, creating ``weather_cache``."""
    folder = tmp_path / "weather_migrations"
    folder.mkdir()
    (folder / "weather_0001_cache.py").write_text(textwrap.dedent(WEATHER_REVISION))
    return Plugin(
        name="weather",
        version="1.0.0",
        description="Weather lookups",
        requires="1.*",
        migrations=folder,
        metadata=weather_metadata(),
    )


async def inspect_database(url: str, look: Callable[[Inspector], T]) -> T:
    """Run ``look(inspector)`` on a fresh connection to ``url``."""
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(lambda sync: look(inspect(sync)))
    finally:
        await engine.dispose()


async def table_names(url: str) -> set[str]:
    """The tables in the database, Alembic's version table excluded."""
    names = await inspect_database(url, lambda inspector: inspector.get_table_names())
    return set(names) - {"alembic_version"}


async def test_upgrade_downgrade_upgrade_creates_and_drops_the_core_tables(database_url: str) -> None:
    core_only = PluginRegistry.of()
    assert await table_names(database_url) == set()

    await migrate.upgrade(database_url, registry=core_only)
    assert await table_names(database_url) == CORE_TABLES
    assert await migrate.current(database_url, registry=core_only) == ["core_0004 (core) (head)"]

    await migrate.downgrade(database_url, "base", registry=core_only)
    assert await table_names(database_url) == set()
    assert await migrate.current(database_url, registry=core_only) == []

    await migrate.upgrade(database_url, registry=core_only)
    assert await table_names(database_url) == CORE_TABLES


async def test_models_match_migrations(database_url: str) -> None:
    core_only = PluginRegistry.of()
    await migrate.upgrade(database_url, registry=core_only)

    assert await migrate.pending_differences(database_url, registry=core_only) == []


async def test_pending_differences_reports_a_model_without_migration(database_url: str) -> None:
    await migrate.upgrade(database_url, registry=PluginRegistry.of())
    unmigrated = Plugin(
        name="unmigrated",
        version="1.0.0",
        description="Tables only",
        requires="1.*",
        metadata=weather_metadata(),
    )

    differences = await migrate.pending_differences(database_url, registry=PluginRegistry.of(unmigrated))

    assert [(diff[0], diff[1].name) for diff in differences] == [("add_table", "weather_cache")]


async def test_pending_differences_reports_a_changed_column_type(database_url: str, weather: Plugin) -> None:
    await migrate.upgrade(database_url, registry=PluginRegistry.of(weather))
    widened = dataclasses.replace(weather, metadata=weather_metadata(city_length=200))

    differences = await migrate.pending_differences(database_url, registry=PluginRegistry.of(widened))

    assert [(change[0], change[2], change[3]) for diff in differences for change in diff] == [
        ("modify_type", "weather_cache", "city")
    ]


async def test_constraints_have_the_naming_convention_names(database_url: str) -> None:
    await migrate.upgrade(database_url, registry=PluginRegistry.of())

    def names(inspector: Inspector) -> dict[str, set[str | None]]:
        found: dict[str, set[str | None]] = {}
        for table in CORE_TABLES:
            found[table] = {
                inspector.get_pk_constraint(table)["name"],
                *(fk["name"] for fk in inspector.get_foreign_keys(table)),
                *(uq["name"] for uq in inspector.get_unique_constraints(table)),
                *(ck["name"] for ck in inspector.get_check_constraints(table)),
                *(ix["name"] for ix in inspector.get_indexes(table)),
            }
        return found

    expected = {
        table.name: {str(c.name) for c in table.constraints} | {str(ix.name) for ix in table.indexes}
        for table in Base.metadata.sorted_tables
    }
    assert await inspect_database(database_url, names) == expected
    assert "ck_user_economy_balance_not_negative" in expected["user_economy"]


async def test_the_spec_tables_carry_the_designs_corrections(database_url: str) -> None:
    await migrate.upgrade(database_url, registry=PluginRegistry.of())

    def columns(inspector: Inspector) -> dict[str, dict[str, Any]]:
        return {table: {c["name"]: c["type"] for c in inspector.get_columns(table)} for table in CORE_TABLES}

    found = await inspect_database(database_url, columns)
    assert "discriminator" not in found["users"], "Discord removed discriminators"
    for column in ("balance", "total_earned", "total_spent"):
        assert isinstance(found["user_economy"][column], BigInteger), f"money in BIGINT: {column}"
    assert set(found["guild_plugins"]) >= {
        "guild_id",
        "plugin",
        "enabled",
        "settings",
        "updated_by",
        "updated_at",
    }
    timestamps = {
        f"{table}.{name}": kind
        for table, cols in found.items()
        for name, kind in cols.items()
        if isinstance(kind, DateTime)
    }
    assert {"users.created_at", "guild_plugins.updated_at", "moderation_logs.created_at"} <= set(timestamps)
    if database_url.startswith("postgresql"):  # SQLite has no time zone type to reflect
        naive = [name for name, kind in timestamps.items() if not kind.timezone]
        assert naive == [], "timestamps with time zone"


async def test_negative_balance_is_rejected(database_url: str) -> None:
    await migrate.upgrade(database_url, registry=PluginRegistry.of())
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(insert(User).values(discord_id=1, username="ana"))
            await connection.execute(insert(Guild).values(discord_id=2, name="club"))
            await connection.execute(insert(UserEconomy).values(user_id=1, guild_id=2, balance=0))
        async with engine.begin() as connection:
            with pytest.raises(IntegrityError, match="ck_user_economy_balance_not_negative"):
                await connection.execute(insert(UserEconomy).values(user_id=1, guild_id=2, balance=-1))
    finally:
        await engine.dispose()


async def test_plugin_migrations_are_a_branch_of_their_own(database_url: str, weather: Plugin) -> None:
    registry = PluginRegistry.of(weather)

    await migrate.upgrade(database_url, registry=registry)
    assert await table_names(database_url) == CORE_TABLES | {"weather_cache"}
    assert await migrate.current(database_url, registry=registry) == [
        "core_0004 (core) (head)",
        "weather_0001 (weather) (head)",
    ]
    assert await migrate.pending_differences(database_url, registry=registry) == []

    await migrate.downgrade(database_url, "weather@base", registry=registry)
    assert await table_names(database_url) == CORE_TABLES
    assert await migrate.current(database_url, registry=registry) == ["core_0004 (core) (head)"]

    await migrate.upgrade(database_url, registry=registry)
    await migrate.downgrade(database_url, "base", registry=registry)
    assert await table_names(database_url) == set()
    assert await migrate.current(database_url, registry=registry) == []


async def test_altering_a_referenced_table_keeps_the_referencing_rows(
    database_url: str, tmp_path: Path
) -> None:
    folder = tmp_path / "cities_migrations"
    folder.mkdir()
    for name, source in CITIES_REVISIONS.items():
        (folder / name).write_text(source)
    cities = Plugin(name="cities", version="1.0.0", description="Cities", requires="1.*", migrations=folder)
    registry = PluginRegistry.of(cities)
    await migrate.upgrade(database_url, "cities_0001", registry=registry)
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("INSERT INTO city (id, name) VALUES (1, 'Lima')"))
            await connection.execute(text("INSERT INTO forecast (id, city_id) VALUES (1, 1)"))

        # On SQLite this copies `city` and drops the original, which must not cascade to `forecast`.
        await migrate.upgrade(database_url, registry=registry)

        async with engine.connect() as connection:
            assert (await connection.execute(text("SELECT count(*) FROM forecast"))).scalar_one() == 1
    finally:
        await engine.dispose()
    assert await migrate.current(database_url, registry=registry) == [
        "cities_0002 (cities) (head)",
        "core_0004 (core) (head)",
    ]


async def test_plugin_branch_upgrades_alone_after_the_core(database_url: str, weather: Plugin) -> None:
    registry = PluginRegistry.of(weather)

    await migrate.upgrade(database_url, "weather@head", registry=registry)

    # The plugin depends on the core's first revision only, not on the later ones.
    later = {"api_refresh_tokens", "command_usage", "shard_claims"}
    assert await table_names(database_url) == CORE_TABLES - later | {"weather_cache"}


async def test_a_plugin_uninstalled_before_its_downgrade_is_reported(
    database_url: str, weather: Plugin
) -> None:
    await migrate.upgrade(database_url, registry=PluginRegistry.of(weather))
    core_only = PluginRegistry.of()

    # The core's first revision is implied by the plugin's (depends_on); its head is listed on its own.
    assert await migrate.current(database_url, registry=core_only) == [
        "core_0004 (core) (head)",
        "weather_0001 (unknown: its migrations are not installed)",
    ]
    with pytest.raises(CommandError, match="weather_0001"):
        await migrate.upgrade(database_url, registry=core_only)


async def test_installed_plugins_migrate_up_and_down(database_url: str) -> None:
    await migrate.upgrade(database_url)
    assert await table_names(database_url) >= CORE_TABLES
    assert any(line.startswith("core_0004 (core)") for line in await migrate.current(database_url))

    await migrate.downgrade(database_url, "base")
    assert await table_names(database_url) == set()


def test_config_needs_no_ini_file(sqlite_url: str, weather: Plugin) -> None:
    config = migrate.alembic_config(sqlite_url, PluginRegistry.of(weather))

    assert config.config_file_name is None
    assert migrate.script_location().joinpath("env.py").is_file()
    assert set(ScriptDirectory.from_config(config).get_heads()) == {"core_0004", "weather_0001"}
