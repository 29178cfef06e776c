"""A plugin's failures stay inside the plugin, the gateway resumes without losing events, commands sync once.

The real bot on the sandbox, through the real hikari client.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

import hikari
import lightbulb
import pytest
from prometheus_client import REGISTRY

from tatiana import Plugin
from tatiana.bot.messages import message
from tatiana.registry import PluginStatus
from tatiana.testing.harness import sandbox_bot
from tatiana.testing.sandbox import rest
from tatiana.testing.sandbox.interactions import UnknownCommand
from tatiana.testing.sandbox.server import Sandbox
from tatiana.testing.sandbox.world import ApplicationCommand, World

DEMO = "Tatiana Dev"
OVERWRITE_GLOBAL = "PUT /applications/{application_id}/commands"
LIST_GLOBAL = "GET /applications/{application_id}/commands"


async def eventually(check: Callable[[], bool], timeout: float = 5.0) -> None:
    """Wait until ``check()`` holds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


def metric(name: str, **labels: str) -> float:
    """The current value of a Prometheus sample (0 before it was first counted)."""
    return REGISTRY.get_sample_value(name, labels) or 0.0


def calls(sandbox: Sandbox, route: str) -> int:
    """How many requests to ``route`` the sandbox answered, whatever the status."""
    return sum(count for (key, _), count in rest.state(sandbox).calls.items() if key == route)


def plugin_records(caplog: pytest.LogCaptureFixture, plugin: str) -> list[logging.LogRecord]:
    """Error records naming ``plugin``."""
    return [r for r in caplog.records if r.levelno >= logging.ERROR and f"plugin {plugin}" in r.getMessage()]


# --- failures ----------------------------------------------------------------------------------------------


async def test_a_command_that_raises_is_answered_logged_and_counted(
    sandbox: Sandbox, sqlite_url: str, probe: Any, act: Any, caplog: pytest.LogCaptureFixture
) -> None:
    boom, healthy = probe("boom", fail_command=True), probe("healthy")
    marta = act(sandbox, DEMO, "marta")
    errors_before = metric("tatiana_plugin_errors_total", plugin="boom", kind="command")
    runs_before = metric("tatiana_commands_total", plugin="boom", command="boom", outcome="error")
    async with sandbox_bot(sandbox, sqlite_url, plugins=[boom.plugin, healthy.plugin]):
        with caplog.at_level(logging.ERROR, logger="tatiana"):
            reply = await marta.slash("boom")
        assert reply.content == message("es", "plugin_error", plugin="boom")
        assert reply.ephemeral
        assert boom.runs == [marta.guild.id]
        [record] = plugin_records(caplog, "boom")
        assert record.exc_info is not None
        assert "boom command exploded" in str(record.exc_info[1])
        assert metric("tatiana_plugin_errors_total", plugin="boom", kind="command") == errors_before + 1
        assert (
            metric("tatiana_commands_total", plugin="boom", command="boom", outcome="error")
            == runs_before + 1
        )

        assert (await marta.slash("healthy")).content == "healthy ran"
        assert (await marta.slash("boom")).content == message("es", "plugin_error", plugin="boom")
        assert (await marta.slash("healthy")).content == "healthy ran"


async def test_a_listener_that_raises_does_not_take_the_shard_down(
    sandbox: Sandbox, sqlite_url: str, probe: Any, act: Any, caplog: pytest.LogCaptureFixture
) -> None:
    boom, healthy = probe("boom", fail_listener=True), probe("healthy")
    marta = act(sandbox, DEMO, "marta")
    errors_before = metric("tatiana_plugin_errors_total", plugin="boom", kind="listener")
    async with sandbox_bot(sandbox, sqlite_url, plugins=[boom.plugin, healthy.plugin]) as bot:
        with caplog.at_level(logging.ERROR, logger="tatiana"):
            for text in ("uno", "dos"):
                await marta.send(text)
            await eventually(
                lambda: (
                    metric("tatiana_plugin_errors_total", plugin="boom", kind="listener") == errors_before + 2
                )
            )
        await eventually(lambda: healthy.heard_in(bot.app) == ["uno", "dos"])
        assert boom.heard_in(bot.app) == ["uno", "dos"]
        assert len(plugin_records(caplog, "boom")) == 2

        assert (await marta.slash("healthy")).content == "healthy ran"
        assert (await marta.slash("boom")).content == "boom ran"
        [session] = sandbox.gateway.sessions
        assert session.connected
        assert session.resumes == 0
        assert len(sandbox.gateway.identifies) == 1


class ExplodingLoadable(lightbulb.Loadable):
    """A loader item that fails to load, like a plugin whose setup raises."""

    async def load(self, client: lightbulb.Client) -> None:
        raise RuntimeError("no database for me")

    async def unload(self, client: lightbulb.Client) -> None:
        return None


async def test_a_plugin_raising_on_load_is_reported_and_the_others_work(
    sandbox: Sandbox, sqlite_url: str, probe: Any, act: Any, caplog: pytest.LogCaptureFixture
) -> None:
    broken, healthy = probe("broken"), probe("healthy")
    # Its command and listener load first, then the loader fails: both must be taken off again.
    broken.plugin.loaders[0].add(ExplodingLoadable())
    marta = act(sandbox, DEMO, "marta")
    with caplog.at_level(logging.INFO, logger="tatiana"):
        async with sandbox_bot(sandbox, sqlite_url, plugins=[broken.plugin, healthy.plugin]) as bot:
            failed, loaded = bot.registry.record("broken"), bot.registry.record("healthy")
            assert failed is not None
            assert (failed.status, failed.error) == (
                PluginStatus.FAILED,
                "load: RuntimeError: no database for me",
            )
            assert loaded is not None
            assert loaded.status is PluginStatus.LOADED
            assert any(
                r.levelno == logging.ERROR
                and "plugin broken" in r.getMessage()
                and "no database" in r.getMessage()
                for r in caplog.records
            )
            assert any("not loaded: broken" in r.getMessage() for r in caplog.records)

            assert (await marta.slash("healthy")).content == "healthy ran"
            with pytest.raises(UnknownCommand):
                marta.command("broken")
            await marta.send("hola")
            await eventually(lambda: healthy.heard_in(bot.app) == ["hola"])
            assert (await marta.slash("healthy")).content == "healthy ran"
            assert broken.heard == []


# --- gateway -------------------------------------------------------------------------------------------------


async def test_after_a_dropped_connection_the_bot_resumes_and_hears_every_message_once_in_order(
    sandbox: Sandbox, sqlite_url: str, probe: Any, act: Any, hikari_log: Any
) -> None:
    hikari_log.expect(r"hikari\.gateway\.0 WARNING: failed to communicate with server")
    tested = probe("probe")
    marta = act(sandbox, DEMO, "marta")
    async with sandbox_bot(sandbox, sqlite_url, plugins=[tested.plugin]) as bot:
        await marta.send("antes")
        await eventually(lambda: tested.heard_in(bot.app) == ["antes"])
        [before] = sandbox.gateway.sessions

        assert await sandbox.gateway.drop(0) == 1
        assert not sandbox.gateway.sessions[0].connected
        missed = [f"mensaje {n}" for n in range(1, 8)]
        for text in missed:
            await marta.send(text)
        assert not sandbox.gateway.sessions[0].connected  # they really were sent while it was away

        await eventually(lambda: len(tested.heard_in(bot.app)) >= 1 + len(missed), timeout=15)
        await asyncio.sleep(0.2)  # a duplicate would arrive right behind
        assert tested.heard_in(bot.app) == ["antes", *missed]

        [after] = sandbox.gateway.sessions
        assert after.session_id == before.session_id
        assert after.connected
        assert after.resumes == 1
        assert sandbox.gateway.resume_requests == [(before.session_id, before.seq)]
        assert len(sandbox.gateway.identifies) == 1
        assert (await marta.slash("probe")).content == "probe ran"


# --- command sync --------------------------------------------------------------------------------------------


async def restart(world: World, database_url: str, plugins: list[Plugin | str]) -> int:
    """Start a bot with ``plugins`` on a new sandbox over ``world`` and stop it; how many PUTs it made."""
    async with Sandbox(world) as sandbox, sandbox_bot(sandbox, database_url, plugins=plugins):
        assert calls(sandbox, LIST_GLOBAL) == 1
        return calls(sandbox, OVERWRITE_GLOBAL)


def janitor(permissions: hikari.Permissions) -> Plugin:
    """A plugin whose only command needs ``permissions`` by default."""
    loader = lightbulb.Loader()

    @loader.command
    class Purge(
        lightbulb.SlashCommand,
        name="purge",
        description="Deletes recent messages",
        default_member_permissions=permissions,
    ):
        count = lightbulb.integer("count", "How many", min_value=1, max_value=100, default=10)

        @lightbulb.invoke
        async def invoke(self, ctx: lightbulb.Context) -> None:
            await ctx.respond(f"{self.count} deleted")

    return Plugin(name="janitor", version="1.0", description="Cleans up", requires="1.*", loaders=[loader])


async def test_commands_are_overwritten_only_when_the_plugin_set_changed(
    world: World, sqlite_url: str, probe: Any
) -> None:
    # A restart is a new sandbox process over the same Discord world and a new bot over the same database.
    first, second = probe("first").plugin, probe("second").plugin
    # economy's commands are localized (es/en names and descriptions): those must compare equal too.
    assert await restart(world, sqlite_url, [first, "economy"]) == 1
    assert await restart(world, sqlite_url, [first, "economy"]) == 0
    assert await restart(world, sqlite_url, [first, second, "economy"]) == 1
    assert {"first", "second", "balance"} <= {c.name for c in world.commands.values()}
    assert await restart(world, sqlite_url, [first, second, "economy"]) == 0
    assert await restart(world, sqlite_url, [second, "economy"]) == 1
    assert "first" not in {c.name for c in world.commands.values()}


async def test_a_changed_command_is_overwritten_even_when_only_its_permissions_changed(
    world: World, sqlite_url: str
) -> None:
    def purge() -> ApplicationCommand:
        return next(c for c in world.commands.values() if c.name == "purge")

    assert await restart(world, sqlite_url, [janitor(hikari.Permissions.MANAGE_MESSAGES)]) == 1
    assert await restart(world, sqlite_url, [janitor(hikari.Permissions.MANAGE_MESSAGES)]) == 0
    assert await restart(world, sqlite_url, [janitor(hikari.Permissions.BAN_MEMBERS)]) == 1
    assert int(purge().default_member_permissions or 0) == hikari.Permissions.BAN_MEMBERS
    assert await restart(world, sqlite_url, [janitor(hikari.Permissions.NONE)]) == 1
    assert purge().default_member_permissions is None
    assert await restart(world, sqlite_url, [janitor(hikari.Permissions.NONE)]) == 0
