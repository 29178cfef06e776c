"""Per-guild plugin gating, end to end: the real bot on the sandbox, switched per guild while it runs."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import hikari
import lightbulb
import pytest
from prometheus_client import REGISTRY

from tatiana import Plugin
from tatiana.bot.messages import message
from tatiana.testing.harness import sandbox_bot
from tatiana.testing.sandbox.interactions import NoResponse
from tatiana.testing.sandbox.server import Sandbox

DEMO, SECOND = "Tatiana Dev", "Segundo"


async def eventually(check: Callable[[], bool], timeout: float = 5.0) -> None:
    """Wait until ``check()`` holds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


def gated(plugin: str, kind: str) -> float:
    """How many commands or events of ``plugin`` the gate refused so far."""
    return REGISTRY.get_sample_value("tatiana_plugin_gated_total", {"plugin": plugin, "kind": kind}) or 0.0


async def test_a_switch_gates_commands_and_listeners_per_guild_without_restart(
    sandbox: Sandbox, database_url: str, probe: Any, act: Any
) -> None:
    tested = probe("probe")
    marta, carla = act(sandbox, DEMO, "marta"), act(sandbox, SECOND, "carla")
    demo_id = marta.guild.id
    async with sandbox_bot(sandbox, database_url, plugins=[tested.plugin]) as bot:
        reply = await marta.slash("probe")
        assert (reply.content, reply.ephemeral) == ("probe ran", False)
        await marta.send("uno")
        await eventually(lambda: tested.heard_in(bot.app) == ["uno"])

        await bot.service.disable(demo_id, "probe", by=marta.user.id)
        refused_events = gated("probe", "listener")
        reply = await marta.slash("probe")
        assert reply.content == message("es", "plugin_disabled", plugin="probe")
        assert reply.ephemeral
        assert tested.runs == [demo_id]
        await marta.send("dos")
        await eventually(lambda: gated("probe", "listener") == refused_events + 1)
        assert tested.heard_in(bot.app) == ["uno"]

        # The other guild never switched it off.
        reply = await carla.slash("probe")
        assert reply.content == "probe ran"
        await carla.send("hola")
        await eventually(lambda: tested.heard_in(bot.app) == ["uno", "hola"])

        await bot.service.enable(demo_id, "probe", by=marta.user.id)
        reply = await marta.slash("probe")
        assert (reply.content, reply.ephemeral) == ("probe ran", False)
        await marta.send("tres")
        await eventually(lambda: tested.heard_in(bot.app) == ["uno", "hola", "tres"])
        assert tested.runs == [demo_id, carla.guild.id, demo_id]
        assert len(sandbox.gateway.identifies) == 1


async def test_two_bots_in_one_process_each_gate_with_their_own_switches(
    sandbox: Sandbox, other_sandbox: Sandbox, tmp_path: Path, probe: Any, act: Any
) -> None:
    # One plugin object, so one loader, loaded by both bots: the loader's listeners are shared.
    tested = probe("probe")
    on_user, off_user = act(sandbox, DEMO, "marta"), act(other_sandbox, DEMO, "marta")
    on_url, off_url = (f"sqlite+aiosqlite:///{tmp_path / name}.db" for name in ("on", "off"))
    async with (
        sandbox_bot(sandbox, on_url, plugins=[tested.plugin]) as on_bot,
        sandbox_bot(other_sandbox, off_url, plugins=[tested.plugin]) as off_bot,
    ):
        await off_bot.service.disable(off_user.guild.id, "probe")
        assert await on_bot.service.is_enabled(on_user.guild.id, "probe")

        assert (await on_user.slash("probe")).content == "probe ran"
        reply = await off_user.slash("probe")
        assert (reply.content, reply.ephemeral) == (message("es", "plugin_disabled", plugin="probe"), True)
        assert tested.runs == [on_user.guild.id]

        refused_events = gated("probe", "listener")
        await on_user.send("para el bot encendido")
        await off_user.send("para el bot apagado")
        await eventually(lambda: tested.heard_in(on_bot.app) == ["para el bot encendido"])
        await eventually(lambda: gated("probe", "listener") == refused_events + 1)
        assert tested.heard_in(off_bot.app) == []

        # The first bot going away changes nothing for the second.
        await on_bot.stop()
        await off_user.send("otra vez")
        await eventually(lambda: gated("probe", "listener") == refused_events + 2)
        assert tested.heard_in(off_bot.app) == []


async def test_a_burst_of_messages_reaches_a_listener_in_order_before_anything_is_cached(
    sandbox: Sandbox, database_url: str, probe: Any, act: Any
) -> None:
    tested = probe("probe")
    marta = act(sandbox, DEMO, "marta")
    burst = [f"mensaje {n}" for n in range(30)]
    async with sandbox_bot(sandbox, database_url, plugins=[tested.plugin]) as bot:
        for text in burst:
            await marta.send(text)
        await eventually(lambda: len(tested.heard_in(bot.app)) == len(burst))
        assert tested.heard_in(bot.app) == burst


def buttons_plugin(pressed: list[int]) -> Plugin:
    """A plugin whose command answers with a button that its own InteractionCreateEvent listener handles."""
    loader = lightbulb.Loader()

    @loader.command
    class Buttons(lightbulb.SlashCommand, name="buttons", description="A button"):
        @lightbulb.invoke
        async def invoke(self, ctx: lightbulb.Context) -> None:
            row = ctx.client.rest.build_message_action_row().add_interactive_button(
                hikari.ButtonStyle.PRIMARY, "buttons:press", label="Press"
            )
            await ctx.respond("press it", components=[row])

    @loader.listener(hikari.InteractionCreateEvent)
    async def on_press(event: hikari.InteractionCreateEvent) -> None:
        interaction = event.interaction
        if isinstance(interaction, hikari.ComponentInteraction) and interaction.custom_id == "buttons:press":
            pressed.append(int(interaction.guild_id or 0))
            await interaction.create_initial_response(hikari.ResponseType.MESSAGE_CREATE, "pressed")

    return Plugin(name="buttons", version="1.0.0", description="Buttons", requires="1.*", loaders=[loader])


async def test_a_disabled_plugins_buttons_do_nothing_in_that_guild(
    sandbox: Sandbox, database_url: str, act: Any
) -> None:
    pressed: list[int] = []
    marta = act(sandbox, DEMO, "marta")
    async with sandbox_bot(sandbox, database_url, plugins=[buttons_plugin(pressed)]) as bot:
        offer = await marta.slash("buttons")
        assert (await offer.press("buttons:press")).content == "pressed"
        await bot.service.disable(marta.guild.id, "buttons")
        refused = gated("buttons", "listener")
        with pytest.raises(NoResponse):
            await offer.press("buttons:press", timeout=1.0)
        assert pressed == [marta.guild.id], "the listener did not run where the plugin is off"
        assert gated("buttons", "listener") == refused + 1
