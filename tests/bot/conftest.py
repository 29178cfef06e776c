"""Fixtures for the bot's end-to-end tests: a sandbox world, plugins that record what they did, hikari's log.

Every test here runs the real TatianaBot on the sandbox through the real hikari client and fails on any
warning or error hikari logs that the test did not expect (hikari only logs a payload it cannot parse).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import hikari
import lightbulb
import pytest

from tatiana import Plugin
from tatiana.testing.log_capture import LogCapture
from tatiana.testing.sandbox.interactions import SandboxUser
from tatiana.testing.sandbox.seed import seed_demo
from tatiana.testing.sandbox.server import Sandbox
from tatiana.testing.sandbox.world import Guild, World


@pytest.fixture(autouse=True)
def _no_unexpected_hikari_warnings(hikari_log: LogCapture) -> LogCapture:
    """Every test of the bot fails on a hikari warning or error it did not expect."""
    return hikari_log


def demo_world() -> World:
    """The demo guild ("Tatiana Dev": ana, luis, marta, pablo, sofia) and a second guild with carla."""
    world = World()
    seed_demo(world)
    second = world.add_guild("Segundo")
    world.add_channel(second, "general")
    world.add_member(second, world.add_user("carla"))
    return world


@pytest.fixture
def world() -> World:
    """A fresh demo world."""
    return demo_world()


@pytest.fixture
async def sandbox(world: World) -> AsyncIterator[Sandbox]:
    """A running sandbox over ``world``."""
    async with Sandbox(world) as sandbox:
        yield sandbox


@pytest.fixture
async def other_sandbox() -> AsyncIterator[Sandbox]:
    """A second running sandbox, over a demo world of its own."""
    async with Sandbox(demo_world()) as sandbox:
        yield sandbox


def guild_named(world: World, name: str) -> Guild:
    """The guild called ``name``."""
    return next(g for g in world.guilds.values() if g.name == name)


def user_in(sandbox: Sandbox, guild_name: str, username: str) -> SandboxUser:
    """``username`` acting in ``guild_name``'s first text channel."""
    guild = guild_named(sandbox.world, guild_name)
    member = next(m for m in guild.members.values() if sandbox.world.users[m.user_id].username == username)
    return SandboxUser(sandbox, guild, member)


@pytest.fixture
def act() -> Callable[[Sandbox, str, str], SandboxUser]:
    """``act(sandbox, guild_name, username)``: a member of a guild, ready to run commands and send messages."""
    return user_in


@dataclass
class Probe:
    """A test plugin with one command and one message listener, recording every time its code ran."""

    plugin: Plugin
    runs: list[int] = field(default_factory=list)  # guild id of each command run
    heard: list[tuple[hikari.RESTAware, int, str]] = field(default_factory=list)  # (bot app, guild id, text)

    def heard_in(self, app: hikari.RESTAware) -> list[str]:
        """What the listener heard on ``app``'s shards, in order."""
        return [text for heard_by, _, text in self.heard if heard_by is app]


def make_probe(name: str = "probe", *, fail_command: bool = False, fail_listener: bool = False) -> Probe:
    """A plugin ``name`` with ``/name`` (answers "<name> ran") and a listener of members' guild messages.

    ``fail_command`` makes the command raise after recording its run; ``fail_listener`` the listener.
    """
    loader = lightbulb.Loader()
    probe = Probe(
        Plugin(name=name, version="1.0", description=f"{name} probe", requires="1.*", loaders=[loader])
    )

    @loader.command
    class Run(lightbulb.SlashCommand, name=name, description=f"Runs the {name} probe"):
        @lightbulb.invoke
        async def invoke(self, ctx: lightbulb.Context) -> None:
            probe.runs.append(int(ctx.guild_id or 0))
            if fail_command:
                raise RuntimeError(f"{name} command exploded")
            await ctx.respond(f"{name} ran")

    @loader.listener(hikari.GuildMessageCreateEvent)
    async def on_message(event: hikari.GuildMessageCreateEvent) -> None:
        if not event.is_human:
            return
        probe.heard.append((event.app, int(event.guild_id), event.content or ""))
        if fail_listener:
            raise RuntimeError(f"{name} listener exploded")

    return probe


@pytest.fixture
def probe() -> Callable[..., Probe]:
    """``probe(name, fail_command=False, fail_listener=False)``: a fresh recording test plugin."""
    return make_probe
