"""``/ask`` run by members of the demo guild through the real hikari client, answered by the local Gemini."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from tatiana_ai.core_tables import conversations

from tatiana import Database
from tatiana.bot.app import TatianaBot
from tatiana.testing import Reply, Sandbox, SandboxUser
from tatiana.testing.gemini import FakeGemini
from tatiana.testing.sandbox.world import Guild, Member


def member_named(sandbox: Sandbox, guild: Guild, username: str) -> Member:
    return next(m for m in guild.members.values() if sandbox.world.users[m.user_id].username == username)


async def rows(bot: TatianaBot) -> list[sa.Row[Any]]:
    async with Database(bot.sessions).session() as session:
        return list((await session.execute(sa.select(conversations).order_by(conversations.c.id))).all())


async def test_ask_answers_in_the_channel_with_the_guilds_persona(
    bot: TatianaBot, guild: Guild, member: SandboxUser, gemini: FakeGemini
) -> None:
    await bot.service.update_settings(
        guild.id,
        "ai",
        {
            "system_prompt": "Eres un pirata.",
            "temperature": 1.5,
            "model": "gemini-2.5-pro",
            "safety": "block_most",
        },
    )
    gemini.reply("¡Arr! París.", prompt_tokens=12)
    reply = await member.slash("ask", prompt="¿Capital de Francia?")
    assert reply.deferred and not reply.ephemeral
    assert reply.content == "¡Arr! París."
    [sent] = gemini.requests
    assert (sent.model, sent.stream, sent.api_key) == ("gemini-2.5-pro", True, "test-key")
    assert sent.system_instruction == "Eres un pirata."
    assert sent.user_text == "¿Capital de Francia?"
    assert sent.generation_config["temperature"] == 1.5
    assert {(s["category"], s["threshold"]) for s in sent.body["safetySettings"]} == {
        (f"HARM_CATEGORY_{kind}", "BLOCK_LOW_AND_ABOVE")
        for kind in ("HARASSMENT", "HATE_SPEECH", "SEXUALLY_EXPLICIT", "DANGEROUS_CONTENT")
    }
    [row] = await recorded(bot, 1)
    assert (row.guild_id, row.user_id, row.message_id) == (guild.id, member.user.id, reply.message_id)
    assert (row.user_message, row.ai_response) == ("¿Capital de Francia?", "¡Arr! París.")
    assert row.tokens_used == 12 + len("¡Arr! París.") // 4
    assert 0 < row.response_time < 5
    assert (row.model, row.conversation_id) == ("gemini-2.5-pro", None), "/ask is not remembered"


async def recorded(bot: TatianaBot, count: int, timeout: float = 5.0) -> list[sa.Row[Any]]:
    """The usage rows, once there are ``count`` of them (the answer is recorded after its last edit)."""
    for _ in range(int(timeout / 0.02)):
        if len(found := await rows(bot)) >= count:
            return found
        await asyncio.sleep(0.02)
    return await rows(bot)


async def settled(reply: Reply, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    """Wait until the streaming answer satisfies ``predicate``."""
    interaction = reply.interaction
    assert await interaction.wait_for(predicate, timeout), f"not settled: {reply.content!r}"


def edits(reply: Reply) -> int:
    return reply.interaction.events.count("edit_original")


async def test_the_answer_is_edited_as_it_streams_at_most_once_a_second(
    bot: TatianaBot, member: SandboxUser, gemini: FakeGemini
) -> None:
    chunks = [f"part {i}. " for i in range(10)]
    gemini.reply("".join(chunks), chunks=chunks, delay=0.25)
    started = time.monotonic()
    reply = await member.slash("ask", prompt="Count to ten")
    first = reply.content
    assert first and "part 9" not in first, "the first edit shows the beginning while the rest streams"
    await settled(reply, lambda: reply.content == "".join(chunks))
    took = time.monotonic() - started
    assert took >= 2.2
    assert 2 <= edits(reply) <= int(took) + 2, "streamed in a few edits, not one per chunk"
    assert len(await recorded(bot, 1)) == 1


async def test_a_long_answer_is_split_into_followups_without_breaking_code(
    bot: TatianaBot, member: SandboxUser, gemini: FakeGemini
) -> None:
    code = "\n".join(f"print({i})  # a line of the program" for i in range(150))
    text = f"Here is the program:\n```python\n{code}\n```\nThat is all."
    gemini.reply(text, chunks=[text[i : i + 700] for i in range(0, len(text), 700)])
    reply = await member.slash("ask", prompt="Write a long program")
    await settled(
        reply, lambda: bool(reply.interaction.followup_ids) and "That is all." in reply.followups[-1].content
    )
    messages = [reply.content, *(m.content for m in reply.followups)]
    assert len(messages) == 3
    assert all(len(m) <= 2000 for m in messages)
    assert all(m.count("```") % 2 == 0 for m in messages), "every part closes the code blocks it opens"
    assert messages[1].startswith("```python\n"), "the cut code block is reopened with its language"
    lines = "\n".join(messages).splitlines()
    assert [line for line in lines if line.startswith("print(")] == code.splitlines()
    [row] = await recorded(bot, 1)
    assert row.ai_response == text


async def test_a_member_waits_between_questions(
    bot: TatianaBot, member: SandboxUser, gemini: FakeGemini
) -> None:
    first = await member.slash("ask", prompt="One")
    await settled(first, lambda: first.content == "Echo: One")
    again = await member.slash("ask", prompt="Two")
    assert again.ephemeral
    assert again.content in {
        "Espera 10 s antes de volver a preguntar.",
        "Espera 9 s antes de volver a preguntar.",
    }
    assert len(gemini.requests) == 1


async def test_daily_budgets_per_member_and_per_guild(
    bot: TatianaBot, sandbox: Sandbox, guild: Guild, member: SandboxUser, gemini: FakeGemini
) -> None:
    await bot.service.update_settings(
        guild.id,
        "ai",
        {"cooldown_seconds": 0, "member_daily_token_budget": 50, "guild_daily_token_budget": 90},
    )
    gemini.reply("Sure.", prompt_tokens=60)
    first = await member.slash("ask", prompt="Spend my budget")
    await settled(first, lambda: first.content == "Sure.")
    await recorded(bot, 1)
    spent = await member.slash("ask", prompt="More")
    assert spent.ephemeral
    assert spent.content == "Ya usaste tus 50 tokens de IA de hoy; vuelve a preguntar mañana (UTC)."
    pablo = SandboxUser(sandbox, guild, member_named(sandbox, guild, "pablo"))
    gemini.reply("Ok.", prompt_tokens=40)
    other = await pablo.slash("ask", prompt="My turn")
    await settled(other, lambda: other.content == "Ok.")
    await recorded(bot, 2)
    closed = await pablo.slash("ask", prompt="Again")
    assert (
        closed.content
        == "Este servidor ya usó sus 90 tokens de IA de hoy; las respuestas vuelven mañana (UTC)."
    )
    assert len(gemini.requests) == 2


async def test_without_an_api_key_ask_says_so(
    bot: TatianaBot, member: SandboxUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GEMINI_API_KEY", raising=False)
    reply = await member.slash("ask", prompt="Hello?")
    assert reply.ephemeral
    assert reply.content.startswith("Las respuestas de IA no están disponibles")


@pytest.mark.parametrize(
    "case",
    [
        (lambda g: g.fail(400, "model not found"), "El modelo de IA rechazó la petición", None),
        (lambda g: g.block(), "por motivos de seguridad", 10),
        (lambda g: g.reply(""), "respuesta vacía", 11),
        (lambda g: [g.fail(429) for _ in range(3)], "demasiadas preguntas", None),
    ],
    ids=["refused", "safety-block", "empty", "rate-limited"],
)
async def test_a_model_failure_gets_a_clear_sentence_and_its_tokens_count(
    bot: TatianaBot,
    member: SandboxUser,
    gemini: FakeGemini,
    case: tuple[Callable[[FakeGemini], object], str, int | None],
) -> None:
    script, sentence, tokens = case
    script(gemini)
    reply = await member.slash("ask", prompt="Anything")
    await settled(reply, lambda: sentence in reply.content)
    assert not reply.ephemeral
    recorded = await rows(bot)
    if tokens is None:
        assert recorded == [], "the model reported no usage: nothing to count"
    else:
        [row] = recorded
        assert (row.tokens_used, row.ai_response, row.conversation_id) == (tokens, "", None), (
            "the prompt's tokens were spent and count against the budgets"
        )
    assert len(gemini.requests) == (3 if "demasiadas" in sentence else 1), "retried three times at most"
