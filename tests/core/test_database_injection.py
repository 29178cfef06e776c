"""Plugins reach the bot's database (``db: Database``) and components client (``components: miru.Client``)."""

from __future__ import annotations

import lightbulb
import miru
import pytest
import sqlalchemy as sa

from tatiana import Database, Plugin
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
