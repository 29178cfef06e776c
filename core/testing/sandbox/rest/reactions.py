"""Reactions: add and remove the bot's own, remove another's, list who reacted, clear them."""

from __future__ import annotations

from aiohttp import web

from tatiana.testing.sandbox import serialize
from tatiana.testing.sandbox.rest import errors
from tatiana.testing.sandbox.rest.base import (
    DIRECT_MESSAGE_REACTIONS,
    GUILD_MESSAGE_REACTIONS,
    Context,
    Route,
    json_response,
    no_content,
)
from tatiana.testing.sandbox.world import Channel, Message, Perm


def _emoji_key(ctx: Context) -> str:
    raw = ctx.param("emoji").strip()
    name, _, emoji_id = raw.partition(":")
    if emoji_id and not emoji_id.isdigit():
        raise errors.unknown("Emoji")
    if not raw or (not emoji_id and raw.isascii()):
        raise errors.unknown("Emoji")
    return f"{name}:{emoji_id}" if emoji_id else raw


def _intents(channel: Channel) -> int:
    return GUILD_MESSAGE_REACTIONS if channel.guild_id is not None else DIRECT_MESSAGE_REACTIONS


def _event(ctx: Context, channel: Channel, message: Message, key: str, user_id: int) -> dict[str, object]:
    payload: dict[str, object] = {
        "user_id": str(user_id),
        "channel_id": str(channel.id),
        "message_id": str(message.id),
        "emoji": serialize.emoji(key),
        "burst": False,
        "type": 0,
    }
    if channel.guild_id is not None:
        payload["guild_id"] = str(channel.guild_id)
    return payload


async def add_own(ctx: Context) -> web.StreamResponse:
    """React as the bot: READ_MESSAGE_HISTORY, and ADD_REACTIONS for an emoji nobody used yet."""
    channel = ctx.channel()
    message = ctx.message(channel)
    key = _emoji_key(ctx)
    ctx.require_in(channel, Perm.READ_MESSAGE_HISTORY)
    users = message.reactions.get(key)
    if not users:
        ctx.require_in(channel, Perm.ADD_REACTIONS)
        if len([k for k, v in message.reactions.items() if v]) >= 20:
            raise errors.DiscordError(400, 30010, "Maximum number of reactions reached (20)")
    bot_id = ctx.world.bot.id
    if users is not None and bot_id in users:
        return no_content()
    message.reactions.setdefault(key, set()).add(bot_id)
    payload = _event(ctx, channel, message, key, bot_id)
    payload["message_author_id"] = str(message.author_id)
    if channel.guild_id is not None:
        guild = ctx.world.guilds[channel.guild_id]
        payload["member"] = serialize.member(ctx.world, guild.members[bot_id])
    await ctx.dispatch("MESSAGE_REACTION_ADD", payload, guild_id=channel.guild_id, intents=_intents(channel))
    return no_content()


async def _remove(ctx: Context, user_id: int) -> web.StreamResponse:
    channel = ctx.channel()
    message = ctx.message(channel)
    key = _emoji_key(ctx)
    if user_id != ctx.world.bot.id:
        if channel.guild_id is None:
            raise errors.DiscordError(403, 50003, "Cannot execute action on a DM channel")
        ctx.require_in(channel, Perm.MANAGE_MESSAGES)
    users = message.reactions.get(key)
    if users and user_id in users:
        users.discard(user_id)
        if not users:
            del message.reactions[key]
        await ctx.dispatch(
            "MESSAGE_REACTION_REMOVE",
            _event(ctx, channel, message, key, user_id),
            guild_id=channel.guild_id,
            intents=_intents(channel),
        )
    return no_content()


async def remove_own(ctx: Context) -> web.StreamResponse:
    """Take the bot's reaction back."""
    return await _remove(ctx, ctx.world.bot.id)


async def remove_user(ctx: Context) -> web.StreamResponse:
    """Remove another user's reaction (MANAGE_MESSAGES)."""
    return await _remove(ctx, ctx.id("user_id"))


async def list_users(ctx: Context) -> web.StreamResponse:
    """Who reacted with an emoji, by user id, ``limit`` 1–100 (25) ``after`` an id."""
    channel = ctx.channel()
    message = ctx.message(channel)
    key = _emoji_key(ctx)
    limit = ctx.query_int("limit", 25, 1, 100)
    after = ctx.query_snowflake("after") or 0
    ids = sorted(i for i in message.reactions.get(key, set()) if i > after)[:limit]
    return json_response([serialize.user(ctx.world.users[i]) for i in ids if i in ctx.world.users])


async def clear_all(ctx: Context) -> web.StreamResponse:
    """Remove every reaction of a message (MANAGE_MESSAGES)."""
    channel = ctx.channel()
    message = ctx.message(channel)
    ctx.require_in(channel, Perm.MANAGE_MESSAGES)
    message.reactions.clear()
    payload: dict[str, object] = {"channel_id": str(channel.id), "message_id": str(message.id)}
    if channel.guild_id is not None:
        payload["guild_id"] = str(channel.guild_id)
    await ctx.dispatch(
        "MESSAGE_REACTION_REMOVE_ALL", payload, guild_id=channel.guild_id, intents=_intents(channel)
    )
    return no_content()


async def clear_emoji(ctx: Context) -> web.StreamResponse:
    """Remove every reaction with one emoji (MANAGE_MESSAGES)."""
    channel = ctx.channel()
    message = ctx.message(channel)
    key = _emoji_key(ctx)
    ctx.require_in(channel, Perm.MANAGE_MESSAGES)
    if message.reactions.pop(key, None):
        payload: dict[str, object] = {
            "channel_id": str(channel.id),
            "message_id": str(message.id),
            "emoji": serialize.emoji(key),
        }
        if channel.guild_id is not None:
            payload["guild_id"] = str(channel.guild_id)
        await ctx.dispatch(
            "MESSAGE_REACTION_REMOVE_EMOJI", payload, guild_id=channel.guild_id, intents=_intents(channel)
        )
    return no_content()


_BASE = "/channels/{channel_id}/messages/{message_id}/reactions"
ROUTES = [
    Route("PUT", _BASE + "/{emoji}/@me", add_own),
    Route("DELETE", _BASE + "/{emoji}/@me", remove_own),
    Route("DELETE", _BASE + "/{emoji}/{user_id}", remove_user),
    Route("GET", _BASE + "/{emoji}", list_users),
    Route("DELETE", _BASE + "/{emoji}", clear_emoji),
    Route("DELETE", _BASE, clear_all),
]
