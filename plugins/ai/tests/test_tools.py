"""Tools of the enabled plugins offered to the model and run with the asking member's rights."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import hikari
import pytest
from pydantic import BaseModel, Field

from tatiana import AITool, Plugin, ToolCall
from tatiana.bot.app import TatianaBot
from tatiana.testing import SandboxUser
from tatiana.testing.gemini import FakeGemini
from tatiana.testing.pytest_plugin import LoggedErrors
from tatiana.testing.sandbox.world import Guild


class Announcement(BaseModel):
    """Arguments of the test's announcement tool."""

    text: str = Field(min_length=1, max_length=50)


ran: list[tuple[int, str]] = []


async def announce(call: ToolCall) -> Mapping[str, Any]:
    assert isinstance(call.arguments, Announcement)
    ran.append((call.user_id, call.arguments.text))
    return {"announced": call.arguments.text}


async def explode(call: ToolCall) -> Mapping[str, Any]:
    raise RuntimeError("the tool broke")


notice = Plugin(
    name="notice",
    version="1.0.0",
    description="Announcements, for managers only.",
    requires="1.*",
    ai_tools=[
        AITool(
            name="announce",
            description="Announce something in the server.",
            run=announce,
            parameters=Announcement,
            permissions=hikari.Permissions.MANAGE_GUILD,
        ),
        AITool(name="explode", description="Always fails.", run=explode),
    ],
)


@pytest.fixture
def tatiana_plugins() -> list[Plugin | str]:
    """The AI plugin, the economy and a test plugin with a manager-only tool and a broken one."""
    return ["ai", "economy", notice]


@pytest.fixture(autouse=True)
async def ai_on(bot: TatianaBot, guild: Guild) -> None:
    ran.clear()
    for plugin in ("ai", "economy", "notice"):
        await bot.service.enable(guild.id, plugin)
    await bot.service.update_settings(guild.id, "ai", {"cooldown_seconds": 0})


async def test_the_economy_answers_what_is_my_balance(
    bot: TatianaBot, guild: Guild, member: SandboxUser, gemini: FakeGemini
) -> None:
    daily = await member.slash("daily")
    assert not daily.ephemeral or daily.content
    gemini.call("economy__balance")
    gemini.reply("Tienes 100 monedas.")
    reply = await member.slash("ask", prompt="¿Cuánto dinero tengo?")
    assert reply.content == "Tienes 100 monedas."
    first, second = gemini.requests
    assert "economy__balance" in first.tools and "notice__explode" in first.tools
    assert "notice__announce" not in first.tools, "marta may not manage the server"
    [(name, answer)] = second.function_responses
    assert name == "economy__balance"
    assert answer["balance"] > 0 and answer["daily_streak"] == 1


async def test_a_disabled_plugin_offers_no_tool(
    bot: TatianaBot, guild: Guild, member: SandboxUser, gemini: FakeGemini
) -> None:
    await bot.service.disable(guild.id, "economy")
    await member.slash("ask", prompt="¿Cuánto dinero tengo?")
    [request] = gemini.requests
    assert "economy__balance" not in request.tools


async def test_a_manager_tool_runs_for_the_owner_with_validated_arguments(
    bot: TatianaBot, guild: Guild, owner: SandboxUser, gemini: FakeGemini
) -> None:
    gemini.call("notice__announce", text="")
    gemini.call("notice__announce", text="¡Fiesta el viernes!")
    gemini.reply("Anunciado.")
    reply = await owner.slash("ask", prompt="Anuncia la fiesta del viernes")
    assert reply.content == "Anunciado."
    assert "notice__announce" in gemini.requests[0].tools
    refused = gemini.requests[1].function_responses[-1][1]
    assert refused["error"].startswith("invalid arguments")
    assert ran == [(owner.user.id, "¡Fiesta el viernes!")]


async def test_a_failing_tool_is_an_error_the_model_reads(
    bot: TatianaBot, member: SandboxUser, gemini: FakeGemini, tatiana_errors: LoggedErrors
) -> None:
    tatiana_errors.expect(r"plugin notice: AI tool explode raised")
    gemini.call("notice__explode")
    gemini.reply("La herramienta falló.")
    reply = await member.slash("ask", prompt="Rompe algo")
    assert reply.content == "La herramienta falló."
    assert gemini.requests[1].function_responses == [("notice__explode", {"error": "the tool failed"})]


async def test_calls_stop_after_three_rounds_and_the_model_must_answer(
    bot: TatianaBot, member: SandboxUser, gemini: FakeGemini
) -> None:
    for _ in range(3):
        gemini.call("economy__balance")
    gemini.reply("Ya está.")
    reply = await member.slash("ask", prompt="Mira mi saldo muchas veces")
    assert reply.content == "Ya está."
    assert [bool(r.tools) for r in gemini.requests] == [True, True, True, False]


async def test_in_a_conversation_the_tools_follow_the_members_server_permissions(
    bot: TatianaBot, guild: Guild, member: SandboxUser, owner: SandboxUser, gemini: FakeGemini
) -> None:
    bot_id = member.world.bot.id
    await member.send(f"<@{bot_id}> hola")
    await owner.send(f"<@{bot_id}> hola")
    async with asyncio.timeout(5):
        while len(gemini.requests) < 2:  # noqa: ASYNC110 - the server sets no event
            await asyncio.sleep(0.01)
    by_speaker = {r.user_text.split(":")[0]: r.tools for r in gemini.requests}
    assert "notice__announce" not in by_speaker["Marta"]
    assert "notice__announce" in by_speaker["Ana"] and "economy__balance" in by_speaker["Ana"]
