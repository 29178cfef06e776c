"""Plugins reach the bot's database (``db: Database``), components client (``components: miru.Client``) and the
dashboard's live events (``live: LiveEvents``)."""

from __future__ import annotations

import lightbulb
import miru
import pytest
import sqlalchemy as sa

from tatiana import Database, LiveEvents, Plugin
from tatiana.bot.app import TatianaBot
from tatiana.coordination import EVENTS_CHANNEL, EventKind, LiveEvent
from tatiana.testing import SandboxUser

loader = lightbulb.Loader()


@loader.command
class CountGuilds(lightbulb.SlashCommand, name="count-guilds", description="Counts stored guilds"):
    @lightbulb.invoke
    async def invoke(self, ctx: lightbulb.Context, db: Database) -> None:
        async with db.transaction() as session:
            count = await session.scalar(sa.text("SELECT count(*) FROM guilds"))
        await ctx.respond(f"{db.dialect}: {count}")


@pytest.fixture
def tatiana_plugins() -> list[Plugin]:
    return [Plugin(name="counter", version="1.0.0", description="Counts", requires="1.*", loaders=[loader])]


async def test_a_command_gets_the_database(member: SandboxUser) -> None:
    reply = await member.slash("count-guilds")
    assert reply.content.startswith("sqlite: ")
    assert int(reply.content.removeprefix("sqlite: ")) >= 0


class Confirm(miru.View):
    @miru.button(label="Sí", custom_id="yes")
    async def yes(self, ctx: miru.ViewContext, button: miru.Button) -> None:
        await ctx.edit_response("confirmed", components=[])
        self.stop()


@loader.command
class Ask(lightbulb.SlashCommand, name="confirm-me", description="Asks for a confirmation"):
    @lightbulb.invoke
    async def invoke(self, ctx: lightbulb.Context, components: miru.Client) -> None:
        view = Confirm(timeout=10)
        await ctx.respond("sure?", components=view)
        components.start_view(view)


async def test_a_command_gets_the_components_client(member: SandboxUser) -> None:
    reply = await member.slash("confirm-me")
    assert reply.content == "sure?" and reply.custom_ids == ["yes"]
    pressed = await reply.press("yes")
    assert pressed.content == "confirmed"


@loader.command
class Warn(lightbulb.SlashCommand, name="warn-someone", description="Raises a moderation alert"):
    @lightbulb.invoke
    async def invoke(self, ctx: lightbulb.Context, live: LiveEvents) -> None:
        assert ctx.guild_id is not None
        await live.moderation_alert(int(ctx.guild_id), {"action": "warn", "moderator_id": str(ctx.user.id)})
        await ctx.respond("warned")


async def test_a_command_publishes_live_events_for_the_dashboard(
    member: SandboxUser, bot: TatianaBot
) -> None:
    async with await bot.coordination.subscribe(EVENTS_CHANNEL) as events:
        reply = await member.slash("warn-someone")
        message = await events.get(timeout=5)

    assert reply.content == "warned"
    assert message is not None
    event = LiveEvent.from_message(message)
    assert event is not None
    assert event.kind is EventKind.MODERATION_ALERT
    assert member.guild is not None
    assert event.guild_id == member.guild.id
    assert event.data == {"action": "warn", "moderator_id": str(member.user.id)}
