"""A third-party plugin, end to end: written as its own package, pip-installed, found, loaded, migrated, removed.

Each test writes a small setuptools project in a temporary folder, installs it into this environment with pip
exactly as an operator would (``pip install <folder>``), and always uninstalls it again, even when it fails.
Package and plugin names are unique per run, so runs never see each other's leftovers.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import textwrap
import tomllib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from packaging.utils import canonicalize_name
from sqlalchemy import inspect

from tatiana import API_VERSION, Plugin, Translator
from tatiana.db import migrate
from tatiana.db.engine import create_engine
from tatiana.registry import PluginRegistry, PluginStatus
from tatiana.testing.harness import sandbox_bot
from tatiana.testing.sandbox.interactions import SandboxUser
from tatiana.testing.sandbox.seed import seed_demo
from tatiana.testing.sandbox.server import Sandbox

pytestmark = pytest.mark.slow

FIRST_PARTY = ("ai", "economy", "levels", "moderation")
TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789AB"

PYPROJECT = """\
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "{distribution}"
version = "{version}"
description = "A third-party Tatiana plugin, written by the end-to-end test."
requires-python = ">=3.11"
dependencies = ["tatiana-bot"]

[project.entry-points."tatiana.plugins"]
{name} = "{package}:plugin"

[tool.setuptools.package-data]
"*" = ["migrations/*.py", "locales/*.toml"]
"""

PLUGIN = '''\
"""The {name} plugin: greets people and keeps records, as a third-party author would write it."""

from pathlib import Path

import lightbulb
import sqlalchemy as sa
from pydantic import BaseModel, Field

from tatiana import ChannelId, Plugin, Translator, load_translations


class Settings(BaseModel):
    """Per-guild settings of {name}."""

    greeting: str = Field(default="Hello", min_length=1, max_length=50, description="How /{name} greets")
    channel_id: ChannelId | None = Field(default=None, description="Where greetings are posted")


metadata = sa.MetaData()
records = sa.Table(
    "{name}_records",
    metadata,
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("guild_id", sa.BigInteger(), nullable=False),
    sa.Column("text", sa.String(200), nullable=False),
)

loader = lightbulb.Loader()


@loader.command
class Greet(lightbulb.SlashCommand, name="{name}", description="Greet someone"):
    who = lightbulb.string("who", "Whom to greet")

    @lightbulb.invoke
    async def invoke(self, ctx: lightbulb.Context, settings: Settings, t: Translator) -> None:
        await ctx.respond(t("{name}.greeting", greeting=settings.greeting, who=self.who))


plugin = Plugin(
    name="{name}",
    version="{version}",
    description="Greets people and keeps records",
    requires="{requires}",
    loaders=[loader],
    settings=Settings,
    migrations=Path(__file__).parent / "migrations",
    metadata=metadata,
    translations=load_translations(__name__),
)
'''

LOCALES = {
    "es": '[{name}]\ngreeting = "¡{{greeting}}, {{who}}!"\n',
    "en": '[{name}]\ngreeting = "{{greeting}}, {{who}}!"\n',
}

REVISION = '''\
"""Create {name}_records."""

import sqlalchemy as sa
from alembic import op

revision = "{name}_0001"
down_revision = None
branch_labels = ("{name}",)
depends_on = "core"


def upgrade() -> None:
    op.create_table(
        "{name}_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("text", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("{name}_records")
'''

BROKEN_IMPORT = '''\
"""A plugin whose import fails, as when a dependency or a service is missing."""

raise RuntimeError("cannot reach the {name} service")
'''

BROKEN_LOAD = '''\
"""A plugin that imports but whose loading into the bot fails, as when a service is missing at start."""

import lightbulb

from tatiana import Plugin


class Exploding(lightbulb.Loadable):
    async def load(self, client: lightbulb.Client) -> None:
        raise RuntimeError("cannot start the {name} service")

    async def unload(self, client: lightbulb.Client) -> None:
        return None


loader = lightbulb.Loader()
loader.add(Exploding())
plugin = Plugin(name="{name}", version="{version}", description="Fails to load", requires="{requires}", loaders=[loader])
'''

TEMPLATES = {None: PLUGIN, "import": BROKEN_IMPORT, "load": BROKEN_LOAD}


@dataclass(frozen=True)
class PluginPackage:
    """A plugin project written to ``folder``: its plugin (and entry point) name, distribution and package."""

    name: str
    distribution: str
    package: str
    version: str
    folder: Path


def write_package(root: Path, *, requires: str = "1.*", broken: str | None = None) -> PluginPackage:
    """Write a plugin project with a unique name under ``root``; ``broken`` ("import" or "load") makes that raise."""
    suffix = uuid.uuid4().hex[:10]
    package = PluginPackage(
        name=f"tp_{suffix}",
        distribution=f"tatiana-tp-{suffix}",
        package=f"tatiana_tp_{suffix}",
        version="1.2.3",
        folder=root / f"tatiana-tp-{suffix}",
    )
    values = {
        "name": package.name,
        "distribution": package.distribution,
        "package": package.package,
        "version": package.version,
        "requires": requires,
    }
    source = package.folder / "src" / package.package
    (source / "migrations").mkdir(parents=True)
    (package.folder / "pyproject.toml").write_text(PYPROJECT.format(**values))
    (source / "__init__.py").write_text(TEMPLATES[broken].format(**values))
    (source / "migrations" / f"{package.name}_0001_records.py").write_text(REVISION.format(**values))
    if not broken:
        (source / "locales").mkdir()
        for language, text in LOCALES.items():
            (source / "locales" / f"{language}.toml").write_text(text.format(**values), encoding="utf-8")
    return package


def pip(*args: str) -> None:
    """Run pip in this interpreter's environment; a failure shows pip's output."""
    result = subprocess.run([sys.executable, "-m", "pip", *args], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise AssertionError(f"pip {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")


class Installer:
    """Installs plugin projects with pip and remembers them, so that the fixture can always remove them."""

    def __init__(self) -> None:
        self.installed: list[PluginPackage] = []

    def install(self, package: PluginPackage) -> None:
        """``pip install`` the project, like an operator; offline when setuptools is here to build it."""
        options = ["--no-deps", "--disable-pip-version-check", "--quiet"]
        if importlib.util.find_spec("setuptools") is not None:
            options.append("--no-build-isolation")
        self.installed.append(package)
        pip("install", *options, str(package.folder))

    def uninstall(self, package: PluginPackage) -> None:
        """``pip uninstall`` the distribution and forget its modules."""
        self.installed.remove(package)
        pip("uninstall", "--yes", "--disable-pip-version-check", "--quiet", package.distribution)
        for module in [m for m in sys.modules if m == package.package or m.startswith(f"{package.package}.")]:
            del sys.modules[module]


@pytest.fixture
def installer() -> Iterator[Installer]:
    installer = Installer()
    try:
        yield installer
    finally:
        for package in list(installer.installed):
            installer.uninstall(package)


def cli_plugins_list(cwd: Path) -> dict[str, dict[str, Any]]:
    """``tatiana plugins list --json`` as an operator runs it (the installed command, in a subprocess), by name."""
    tatiana = shutil.which("tatiana", path=str(Path(sys.executable).parent)) or "tatiana"
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DISCORD_", "TATIANA_", "DATABASE_", "REDIS_"))
    }
    result = subprocess.run(
        [tatiana, "plugins", "list", "--json"], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    return {row["name"]: row for row in json.loads(result.stdout)}


def assert_first_party_available(registry: PluginRegistry) -> None:
    for name in FIRST_PARTY:
        record = registry.record(name)
        assert record is not None and record.status is PluginStatus.AVAILABLE, (name, record)


async def table_names(database_url: str) -> set[str]:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            return set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))
    finally:
        await engine.dispose()


def assert_found_as_installed(registry: PluginRegistry, package: PluginPackage) -> Plugin:
    """The registry found the package's plugin, with its settings, texts and migrations from the installed copy."""
    record = registry.record(package.name)
    assert record is not None, f"{package.name} not discovered"
    assert record.status is PluginStatus.AVAILABLE, record.error
    assert canonicalize_name(record.distribution) == package.distribution
    assert record.distribution_version == package.version
    assert record.entry_point == f"{package.package}:plugin"
    plugin = registry.get(package.name)
    assert plugin.version == package.version
    assert plugin.settings_schema()["properties"]["greeting"]["default"] == "Hello"
    assert {"type": "string", "pattern": "^[1-9][0-9]{0,19}$", "format": "discord-channel-id"} in (
        plugin.settings_schema()["properties"]["channel_id"]["anyOf"]
    )
    greeting = f"{package.name}.greeting"
    assert Translator(plugin.translations)(greeting, greeting="Hola", who="Ana") == "¡Hola, Ana!", (
        "its locale files are read from the installed copy"
    )
    assert Translator(plugin.translations, "en")(greeting, greeting="Hi", who="Ann") == "Hi, Ann!"
    assert package.folder not in Path(str(plugin.migrations)).parents, "runs from the installed copy"
    return plugin


async def assert_migrates_alone(database_url: str, registry: PluginRegistry, package: PluginPackage) -> None:
    """Its migration creates its table (matching its metadata); going down removes only that table."""
    table = f"{package.name}_records"
    await migrate.upgrade(database_url, registry=registry)
    assert {table, "guilds"} <= await table_names(database_url)
    assert f"{package.name}_0001 ({package.name}) (head)" in await migrate.current(database_url, registry)
    differences = await migrate.pending_differences(database_url, registry)
    assert not [d for d in differences if table in str(d)], "its metadata matches its migration"

    await migrate.downgrade(database_url, f"{package.name}@base", registry=registry)
    remaining = await table_names(database_url)
    assert table not in remaining and "guilds" in remaining, "only the plugin's branch is removed"


async def test_an_installed_plugin_is_found_loaded_migrated_and_gone_after_uninstall(
    installer: Installer, tmp_path: Path, sqlite_url: str, postgres_url: str
) -> None:
    package = write_package(tmp_path)
    installer.install(package)

    registry = PluginRegistry.discover()
    assert_found_as_installed(registry, package)
    assert_first_party_available(registry)
    listed = cli_plugins_list(tmp_path)[package.name]
    assert (listed["version"], listed["status"], listed["error"]) == (package.version, "loaded", None)
    assert canonicalize_name(listed["distribution"]) == package.distribution

    economy = {"balance", "daily", "pay", "leaderboard", "shop", "buy", "inventory", "economy"}
    sandbox = await Sandbox().start()
    try:
        guild = seed_demo(sandbox.world)
        async with sandbox_bot(sandbox, sqlite_url, plugins=[package.name, "economy"]) as bot:
            loaded = bot.registry.record(package.name)
            assert loaded is not None and loaded.status is PluginStatus.LOADED, loaded
            assert {c.name for c in sandbox.world.commands.values()} == {package.name, *economy}
            member = SandboxUser(sandbox, guild, next(iter(guild.members.values())))
            reply = await member.slash(package.name, who="Ana")
            assert reply.content == "¡Hello, Ana!", "its command runs, in the guild's language (es)"
    finally:
        await sandbox.stop()

    for database_url in (sqlite_url, postgres_url):
        await assert_migrates_alone(database_url, registry, package)

    installer.uninstall(package)
    after = PluginRegistry.discover()
    assert after.record(package.name) is None
    assert package.name not in after
    assert_first_party_available(after)
    listed_after = cli_plugins_list(tmp_path)
    assert package.name not in listed_after
    assert all(listed_after[name]["status"] == "loaded" for name in FIRST_PARTY), listed_after

    sandbox = await Sandbox().start()
    try:
        seed_demo(sandbox.world)
        async with sandbox_bot(sandbox, sqlite_url) as bot:  # every installed plugin
            assert bot.registry.record(package.name) is None
            statuses = {name: getattr(bot.registry.record(name), "status", None) for name in FIRST_PARTY}
            assert set(statuses.values()) == {PluginStatus.LOADED}, statuses
            commands = {c.name for c in sandbox.world.commands.values()}
            assert package.name not in commands and economy <= commands, commands
    finally:
        await sandbox.stop()


async def test_a_plugin_that_raises_on_import_is_reported_and_the_others_stay(
    installer: Installer, tmp_path: Path
) -> None:
    package = write_package(tmp_path, broken="import")
    installer.install(package)

    registry = PluginRegistry.discover()
    record = registry.record(package.name)
    assert record is not None
    assert record.status is PluginStatus.FAILED
    assert canonicalize_name(record.distribution) == package.distribution
    assert record.error == f"import: RuntimeError: cannot reach the {package.name} service"
    assert record.detail is not None and "Traceback" in record.detail
    assert package.name not in registry.names
    assert_first_party_available(registry)

    listed = cli_plugins_list(tmp_path)
    assert (listed[package.name]["status"], listed[package.name]["error"]) == ("failed", record.error)
    assert canonicalize_name(listed[package.name]["distribution"]) == package.distribution
    assert all(listed[name]["status"] == "loaded" for name in FIRST_PARTY), listed


async def test_a_plugin_that_raises_on_load_is_reported_and_the_others_load(
    installer: Installer, tmp_path: Path, sqlite_url: str
) -> None:
    package = write_package(tmp_path, broken="load")
    installer.install(package)

    listed = cli_plugins_list(tmp_path)
    error = f"load: RuntimeError: cannot start the {package.name} service"
    assert (listed[package.name]["status"], listed[package.name]["error"]) == ("failed", error)
    assert (listed[package.name]["version"], listed[package.name]["default"]) == (package.version, False)
    assert canonicalize_name(listed[package.name]["distribution"]) == package.distribution
    assert all(listed[name]["status"] == "loaded" for name in FIRST_PARTY), listed

    sandbox = await Sandbox().start()
    try:
        seed_demo(sandbox.world)
        async with sandbox_bot(sandbox, sqlite_url, plugins=[package.name, "economy"]) as bot:
            record = bot.registry.record(package.name)
            assert record is not None and (record.status, record.error) == (PluginStatus.FAILED, error)
            economy = bot.registry.record("economy")
            assert economy is not None and economy.status is PluginStatus.LOADED
            assert "balance" in {c.name for c in sandbox.world.commands.values()}
    finally:
        await sandbox.stop()


async def test_a_plugin_for_another_api_version_is_rejected_with_both_versions(
    installer: Installer, tmp_path: Path
) -> None:
    package = write_package(tmp_path, requires="2.*")
    installer.install(package)

    registry = PluginRegistry.discover()
    record = registry.record(package.name)
    assert record is not None
    assert record.status is PluginStatus.REJECTED
    assert canonicalize_name(record.distribution) == package.distribution
    assert record.error is not None and "'2.*'" in record.error and API_VERSION in record.error
    assert package.name not in registry.names
    assert_first_party_available(registry)


def test_package_templates_write_a_valid_project(tmp_path: Path) -> None:
    """The generated project is what the other tests install: check its shape without pip."""
    package = write_package(tmp_path)
    source = package.folder / "src" / package.package
    compile((source / "__init__.py").read_text(), "__init__.py", "exec")
    compile(next((source / "migrations").glob("*.py")).read_text(), "revision.py", "exec")
    for language in ("es", "en"):
        texts = tomllib.loads((source / "locales" / f"{language}.toml").read_text(encoding="utf-8"))
        greeting = texts[package.name]["greeting"]
        assert "{greeting}" in greeting and "{who}" in greeting, f"{language}: {greeting!r}"
    assert f'{package.name} = "{package.package}:plugin"' in (package.folder / "pyproject.toml").read_text()
    assert len(f"{package.name}_0001") <= 32, "Alembic keeps revision ids in a VARCHAR(32)"
    assert textwrap.dedent(PLUGIN) == PLUGIN
