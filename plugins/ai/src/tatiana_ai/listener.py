"""Conversation in channels: the bot answers when mentioned, and every message in a server's AI channels and
in the threads started with ``/chat``."""

from __future__ import annotations

import re

import hikari
import lightbulb

from tatiana import Database, GuildSettings, GuildTools, Translator
from tatiana_ai import memory
from tatiana_ai.answering import Asker, answer, question_for, refusal
from tatiana_ai.gemini import GeminiConfig
from tatiana_ai.images import UnreadableImage, is_image, read_image
from tatiana_ai.settings import AISettings
from tatiana_ai.state import AIState
from tatiana_ai.streaming import NO_PINGS, ChannelSurface, StreamingReply
from tatiana_ai.summaries import summarise
from tatiana_ai.texts import TRANSLATIONS
from tatiana_ai.threads import ChatThreads
from tatiana_ai.tools import Toolbox, guild_permissions

MAX_IMAGES = 4
"""Images of one message sent to the model at most."""

TALK_TYPES = frozenset({hikari.MessageType.DEFAULT, hikari.MessageType.REPLY})


def _bot_id(event: hikari.GuildMessageCreateEvent) -> int | None:
    me = event.app.cache.get_me() if isinstance(event.app, hikari.CacheAware) else None
    return int(me.id) if me is not None else None


async def addressed_text(
    event: hikari.GuildMessageCreateEvent, settings: AISettings, db: Database, threads: ChatThreads
) -> str | None:
    """What the member says to the bot, without the bot's mention; None when the message is not for it."""
    mentions = event.message.user_mentions_ids
    in_ai_channel = int(event.channel_id) in settings.ai_channel_ids
    thread = (
        event.app.cache.get_thread(event.channel_id) if isinstance(event.app, hikari.CacheAware) else None
    )
    if not in_ai_channel and not mentions and thread is None:  # most messages: no need for the bot's own id
        return None
    bot_id = _bot_id(event)
    mentioned = bot_id is not None and mentions is not hikari.UNDEFINED and bot_id in mentions
    if not mentioned and not in_ai_channel:
        in_chat = (
            thread is not None
            and bot_id is not None
            and thread.owner_id == bot_id
            and await threads.is_chat(db, int(event.guild_id), int(event.channel_id))
        )
        if not in_chat:
            return None
    content = event.message.content or ""
    if bot_id is not None:
        content = re.sub(rf"<@!?{bot_id}>", "", content)
    return content.strip()


async def _images(message: hikari.Message) -> tuple[tuple[bytes, str], ...]:
    """The message's image attachments (at most four), downscaled; other files are ignored."""
    found = []
    for attachment in [a for a in message.attachments if is_image(a)][:MAX_IMAGES]:
        try:
            found.append(await read_image(attachment))
        except UnreadableImage:
            continue
    return tuple(found)


async def answer_message(
    event: hikari.GuildMessageCreateEvent,
    guild_settings: GuildSettings = lightbulb.di.INJECTED,
    db: Database = lightbulb.di.INJECTED,
    state: AIState = lightbulb.di.INJECTED,
    tools: GuildTools = lightbulb.di.INJECTED,
) -> None:
    """Answer a member's message addressed to the bot, remembering the channel's conversation."""
    if not event.is_human or event.message.type not in TALK_TYPES:
        return
    settings = await guild_settings.get(AISettings, event.guild_id)
    prompt = await addressed_text(event, settings, db, state.threads)
    if prompt is None:
        return
    t = Translator(TRANSLATIONS, await guild_settings.language(event.guild_id))
    guild = event.get_guild()
    asker = Asker(
        guild_id=int(event.guild_id),
        guild_name=guild.name if guild else str(event.guild_id),
        user_id=int(event.author_id),
        username=event.author.username,
    )
    config = GeminiConfig.from_environment()
    reason = await refusal(
        t, db, settings=settings, config=config, cooldowns=state.cooldowns, asker=asker, prompt=prompt
    )
    if reason is not None or config is None:
        await event.message.respond(reason, reply=event.message, mentions_reply=False, **NO_PINGS)
        return
    images = await _images(event.message)
    state.cooldowns.start(asker.guild_id, asker.user_id, settings.cooldown_seconds)
    channel_id = int(event.channel_id)
    question = f"{event.author.display_name}: {prompt}"
    past = await memory.recall(db, channel_id, settings.memory_tokens)
    if (
        past.unsummarised
    ):  # folded in beside the answer: the next question finds the summary, or summarises again
        state.spawn(
            summarise(
                db,
                config,
                model=settings.model,
                guild_id=asker.guild_id,
                conversation_id=channel_id,
                recollection=past,
            )
        )
    surface = ChannelSurface.replying_to(event.message)
    await answer(
        t,
        db,
        config=config,
        question=question_for(settings, question, past, images),
        reply=StreamingReply(surface),
        asker=asker,
        message_id=lambda: surface.first_message_id,
        conversation_id=channel_id,
        toolbox=await Toolbox.for_member(
            tools,
            guild_id=asker.guild_id,
            channel_id=channel_id,
            user_id=asker.user_id,
            permissions=guild_permissions(event.member, guild),
            database=db,
            rest=event.app.rest,
        ),
    )
