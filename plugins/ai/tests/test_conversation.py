"""Conversation in channels: answers when mentioned or in an AI channel, per-channel memory and ``/ai reset``."""

from __future__ import annotations

import asyncio
from typing import TypeVar

import lightbulb
import sqlalchemy as sa
from sqlalchemy import select
from tatiana_ai.core_tables import conversations
from tatiana_ai.state import AIState
from tatiana_ai.tables import summaries

from tatiana import Database
from tatiana.bot.app import TatianaBot
from tatiana.testing import Sandbox, SandboxUser, sandbox_bot
from tatiana.testing.gemini import FakeGemini, GeminiRequest
from tatiana.testing.sandbox.world import Channel, Guild, Message, Overwrite, Perm

T = TypeVar("T")


def bot_messages(sandbox: Sandbox, channel_id: int) -> list[Message]:
    found = sandbox.world.messages.get(channel_id, {}).values()
    return [m for m in found if m.author_id == sandbox.world.bot.id and not m.deleted]


async def answers(sandbox: Sandbox, channel_id: int, count: int, text: str | None = None) -> list[Message]:
    """The bot's messages in the channel once there are ``count`` (the last one reading ``text``)."""
    for _ in range(250):
        found = bot_messages(sandbox, channel_id)
        if len(found) >= count and (text is None or found[-1].content == text):
            return found
        await asyncio.sleep(0.02)
    raise AssertionError(f"the bot posted {[m.content for m in bot_messages(sandbox, channel_id)]}")


async def recorded(bot: TatianaBot, count: int) -> None:
    """Wait until ``count`` exchanges are stored: an answer's whole text may show before its exchange is written
    (a one-chunk answer is posted whole), and the next question reads the conversation from the database."""
    db = await injected(bot, Database)
    for _ in range(250):
        async with db.session() as session:
            if await session.scalar(sa.select(sa.func.count()).select_from(conversations)) >= count:
                return
        await asyncio.sleep(0.02)
    raise AssertionError(f"fewer than {count} exchanges were recorded")


def other_channel(guild: Guild, sandbox: Sandbox, but: Channel) -> Channel:
    return next(
        c
        for c in sandbox.world.channels.values()
        if c.guild_id == guild.id and c.type == 0 and c.id != but.id
    )


async def injected(bot: TatianaBot, kind: type[T]) -> T:
    """What the bot injects as ``kind``."""
    async with bot.client.di.enter_context(lightbulb.di.Contexts.DEFAULT) as container:
        return await container.get(kind)


async def settled(bot: TatianaBot) -> None:
    """Wait for the AI plugin's background summaries."""
    await (await injected(bot, AIState)).settle()


async def conversational(bot: TatianaBot, guild: Guild, **settings: object) -> None:
    await bot.service.update_settings(guild.id, "ai", {"cooldown_seconds": 0, **settings})


async def test_a_mention_is_answered_as_a_reply_without_pinging(
    bot: TatianaBot, sandbox: Sandbox, guild: Guild, member: SandboxUser, gemini: FakeGemini
) -> None:
    gemini.reply("¡Hola, Marta!", chunks=["¡Hola, ", "Marta!"])
    asked = await member.send(f"<@{sandbox.world.bot.id}> hola, ¿qué tal?")
    [answer] = await answers(sandbox, member.channel.id, 1, "¡Hola, Marta!")
    assert answer.message_reference is not None
    assert int(answer.message_reference["message_id"]) == asked.id
    [sent] = gemini.requests
    assert sent.user_text == "Marta: hola, ¿qué tal?", "the mention is taken out, the speaker named"


async def test_a_message_not_addressed_to_the_bot_is_left_alone(
    bot: TatianaBot, sandbox: Sandbox, guild: Guild, member: SandboxUser, gemini: FakeGemini
) -> None:
    await conversational(bot, guild)
    await member.send("just chatting with friends")
    await member.send(f"<@{sandbox.world.bot.id}> now you")
    await answers(sandbox, member.channel.id, 1, "Echo: Marta: now you")
    assert [r.user_text for r in gemini.requests] == ["Marta: now you"]


async def test_an_ai_channel_is_a_conversation_with_memory_until_reset(
    bot: TatianaBot, sandbox: Sandbox, guild: Guild, member: SandboxUser, gemini: FakeGemini
) -> None:
    channel = member.channel
    await conversational(bot, guild, ai_channel_ids=[str(channel.id)])
    await member.send("Me llamo Marta.")
    await answers(sandbox, channel.id, 1, "Echo: Marta: Me llamo Marta.")
    await recorded(bot, 1)
    await member.send("¿Cómo me llamo?")
    await answers(sandbox, channel.id, 2, "Echo: Marta: ¿Cómo me llamo?")
    await recorded(bot, 2)
    remembered = gemini.requests[-1].body["contents"]
    assert [(c["role"], c["parts"][0]["text"]) for c in remembered] == [
        ("user", "Marta: Me llamo Marta."),
        ("model", "Echo: Marta: Me llamo Marta."),
        ("user", "Marta: ¿Cómo me llamo?"),
    ]
    elsewhere = other_channel(guild, sandbox, channel)
    await member.send(f"<@{sandbox.world.bot.id}> ¿y aquí?", channel=elsewhere)
    await answers(sandbox, elsewhere.id, 1)
    await recorded(bot, 3)
    assert len(gemini.requests[-1].body["contents"]) == 1, "each channel has its own memory"

    reset = await member.slash("ai reset")
    assert reset.ephemeral and reset.content == "Hecho: he olvidado la conversación de este canal."
    await member.send("¿Y ahora?")
    await answers(sandbox, channel.id, 3, "Echo: Marta: ¿Y ahora?")
    assert len(gemini.requests[-1].body["contents"]) == 1
    await member.slash("ai reset")
    again = await member.slash("ai reset")
    assert again.content == "No había ninguna conversación que olvidar en este canal."


def summarising(gemini: FakeGemini) -> None:
    """The model writes "SUMMARY of N exchanges" when asked to summarise, and echoes otherwise."""

    def answer(request: GeminiRequest) -> str:
        if request.system_instruction.startswith("You keep the memory"):
            return f"SUMMARY of {request.user_text.count('Member — ')} exchanges"
        return f"Echo: {request.user_text}"

    gemini.answer = answer


def answering(gemini: FakeGemini) -> list[GeminiRequest]:
    return [r for r in gemini.requests if not r.system_instruction.startswith("You keep the memory")]


async def test_older_turns_beyond_the_token_budget_are_summarised(
    bot: TatianaBot, sandbox: Sandbox, guild: Guild, member: SandboxUser, gemini: FakeGemini
) -> None:
    db = await injected(bot, Database)
    summarising(gemini)
    channel = member.channel
    await conversational(bot, guild, ai_channel_ids=[str(channel.id)], memory_tokens=30)
    for index in range(4):
        await member.send(f"message number {index} " + "x" * 20)
        await answers(sandbox, channel.id, index + 1, f"Echo: Marta: message number {index} " + "x" * 20)
        await recorded(bot, index + 1)
        await settled(bot)
    last = answering(gemini)[-1]
    contents = last.body["contents"]
    assert [c["role"] for c in contents] == ["user", "model", "user"], (
        "only the latest exchange fits in 30 tokens"
    )
    assert "message number 2" in contents[0]["parts"][0]["text"]
    assert "Summary of the earlier conversation: SUMMARY of " in last.system_instruction
    async with db.session() as session:
        stored = (await session.execute(select(summaries.c.summary, summaries.c.through_id))).all()
    assert [row.summary for row in stored] == ["SUMMARY of 1 exchanges"], "each summary folds in the last one"

    assert (await member.slash("ai reset")).content.startswith("Hecho")
    async with db.session() as session:
        assert (await session.execute(select(summaries))).all() == []


async def test_the_memory_outlives_the_bot_process(
    sandbox: Sandbox, guild: Guild, gemini: FakeGemini, tatiana_database_url: str
) -> None:
    marta = next(m for m in guild.members.values() if sandbox.world.users[m.user_id].username == "marta")
    member = SandboxUser(sandbox, guild, marta)
    channel = member.channel
    async with sandbox_bot(sandbox, tatiana_database_url, plugins=["ai"]) as first:
        await conversational(first, guild, ai_channel_ids=[str(channel.id)])
        await member.send("Me llamo Marta.")
        await answers(sandbox, channel.id, 1, "Echo: Marta: Me llamo Marta.")
    async with sandbox_bot(sandbox, tatiana_database_url, plugins=["ai"]):
        await member.send("¿Cómo me llamo?")
        await answers(sandbox, channel.id, 2, "Echo: Marta: ¿Cómo me llamo?")
    remembered = gemini.requests[-1].body["contents"]
    assert [c["parts"][0]["text"] for c in remembered] == [
        "Marta: Me llamo Marta.",
        "Echo: Marta: Me llamo Marta.",
        "Marta: ¿Cómo me llamo?",
    ]


async def test_a_refusal_in_a_channel_is_a_reply_too(
    bot: TatianaBot, sandbox: Sandbox, guild: Guild, member: SandboxUser, gemini: FakeGemini
) -> None:
    await bot.service.update_settings(guild.id, "ai", {"cooldown_seconds": 60})
    bot_id = sandbox.world.bot.id
    await member.send(f"<@{bot_id}> first")
    await answers(sandbox, member.channel.id, 1, "Echo: Marta: first")
    await member.send(f"<@{bot_id}> second")
    [_, refused] = await answers(sandbox, member.channel.id, 2)
    assert refused.content.startswith("Espera ")
    assert len(gemini.requests) == 1


async def test_chat_opens_a_thread_where_every_message_is_answered(
    bot: TatianaBot, sandbox: Sandbox, guild: Guild, member: SandboxUser, gemini: FakeGemini
) -> None:
    await conversational(bot, guild)
    reply = await member.slash("chat", topic="Agujeros negros\nY algo más")
    [thread] = [c for c in sandbox.world.channels.values() if c.type == 11]
    assert (thread.name, thread.parent_id, thread.owner_id) == (
        "Agujeros negros",
        member.channel.id,
        sandbox.world.bot.id,
    )
    assert reply.ephemeral
    assert reply.content == f"Conversación abierta en <#{thread.id}>: allí respondo a cada mensaje."
    await answers(sandbox, thread.id, 1, "Echo: Marta: Agujeros negros\nY algo más")

    await member.send("¿Y qué pasa dentro?", channel=thread)  # no mention needed in the thread
    await answers(sandbox, thread.id, 2, "Echo: Marta: ¿Y qué pasa dentro?")
    contents = gemini.requests[-1].body["contents"]
    assert [c["parts"][0]["text"] for c in contents] == [
        "Marta: Agujeros negros\nY algo más",
        "Echo: Marta: Agujeros negros\nY algo más",
        "Marta: ¿Y qué pasa dentro?",
    ]
    public = [m for m in bot_messages(sandbox, member.channel.id) if not m.flags & 64]
    assert public == [], "nothing but the ephemeral answer in the parent channel"

    await member.send("solo charlando")  # the parent channel is not a conversation
    inside = SandboxUser(sandbox, guild, guild.members[member.user.id], channel=thread)
    refused = await inside.slash("chat", topic="otro")
    assert refused.content == "Usa /chat en un canal de texto: abre allí un hilo nuevo."
    assert len([c for c in sandbox.world.channels.values() if c.type == 11]) == 1
    assert len(gemini.requests) == 2


async def test_chat_without_the_thread_permission_says_which_is_missing(
    bot: TatianaBot, sandbox: Sandbox, guild: Guild, member: SandboxUser, gemini: FakeGemini
) -> None:
    await conversational(bot, guild)
    bot_role = next(r for r in guild.roles.values() if r.managed)
    member.channel.overwrites[bot_role.id] = Overwrite(
        id=bot_role.id, type=0, deny=Perm.CREATE_PUBLIC_THREADS
    )
    reply = await member.slash("chat", topic="Hola")
    assert reply.content == "No puedo crear un hilo en este canal (necesito el permiso Crear hilos públicos)."
    assert gemini.requests == []
