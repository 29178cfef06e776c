"""Conversation in channels: answers when mentioned or in an AI channel, per-channel memory and ``/ai reset``."""

from __future__ import annotations

import asyncio

from tatiana_ai.testing import FakeGemini

from tatiana.bot.app import TatianaBot
from tatiana.testing import Sandbox, SandboxUser
from tatiana.testing.sandbox.world import Channel, Guild, Message


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


def other_channel(guild: Guild, sandbox: Sandbox, but: Channel) -> Channel:
    return next(
        c
        for c in sandbox.world.channels.values()
        if c.guild_id == guild.id and c.type == 0 and c.id != but.id
    )


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
    await member.send("¿Cómo me llamo?")
    await answers(sandbox, channel.id, 2, "Echo: Marta: ¿Cómo me llamo?")
    remembered = gemini.requests[-1].body["contents"]
    assert [(c["role"], c["parts"][0]["text"]) for c in remembered] == [
        ("user", "Marta: Me llamo Marta."),
        ("model", "Echo: Marta: Me llamo Marta."),
        ("user", "Marta: ¿Cómo me llamo?"),
    ]
    elsewhere = other_channel(guild, sandbox, channel)
    await member.send(f"<@{sandbox.world.bot.id}> ¿y aquí?", channel=elsewhere)
    await answers(sandbox, elsewhere.id, 1)
    assert len(gemini.requests[-1].body["contents"]) == 1, "each channel has its own memory"

    reset = await member.slash("ai reset")
    assert reset.ephemeral and reset.content == "Hecho: he olvidado la conversación de este canal."
    await member.send("¿Y ahora?")
    await answers(sandbox, channel.id, 3, "Echo: Marta: ¿Y ahora?")
    assert len(gemini.requests[-1].body["contents"]) == 1
    await member.slash("ai reset")
    again = await member.slash("ai reset")
    assert again.content == "No había ninguna conversación que olvidar en este canal."


async def test_memory_keeps_only_the_recent_turns_within_the_token_budget(
    bot: TatianaBot, sandbox: Sandbox, guild: Guild, member: SandboxUser, gemini: FakeGemini
) -> None:
    channel = member.channel
    await conversational(bot, guild, ai_channel_ids=[str(channel.id)], memory_tokens=30)
    for index in range(4):
        await member.send(f"message number {index} " + "x" * 20)
        await answers(sandbox, channel.id, index + 1, f"Echo: Marta: message number {index} " + "x" * 20)
    contents = gemini.requests[-1].body["contents"]
    assert contents[0]["role"] == "user"
    assert len(contents) == 3, "only the latest exchange fits in 30 tokens"
    assert "message number 2" in contents[0]["parts"][0]["text"]


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
