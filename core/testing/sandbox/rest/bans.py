"""Guild bans: list, get, ban (removing the member and their recent messages), unban."""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web

from tatiana.testing.sandbox import serialize
from tatiana.testing.sandbox.rest import errors
from tatiana.testing.sandbox.rest.base import (
    GUILD_MEMBERS,
    GUILD_MESSAGES,
    GUILD_MODERATION,
    Context,
    Route,
    json_response,
    no_content,
)
from tatiana.testing.sandbox.world import Guild, Perm, utcnow

MAX_DELETE_SECONDS = 7 * 24 * 3600


async def list_bans(ctx: Context) -> web.StreamResponse:
    """Bans by user id (BAN_MEMBERS), ``limit`` 1–1000 (1000), ``before`` / ``after`` a user id."""
    guild = ctx.guild()
    ctx.require(guild, Perm.BAN_MEMBERS)
    limit = ctx.query_int("limit", 1000, 1, 1000)
    ids = sorted(guild.bans)
    if (before := ctx.query_snowflake("before")) is not None:
        ids = [i for i in ids if i < before][-limit:]
    else:
        after = ctx.query_snowflake("after") or 0
        ids = [i for i in ids if i > after][:limit]
    return json_response([serialize.ban(ctx.world, i, guild.bans[i]) for i in ids if i in ctx.world.users])


async def get_ban(ctx: Context) -> web.StreamResponse:
    """One ban (10026 when the user is not banned)."""
    guild = ctx.guild()
    ctx.require(guild, Perm.BAN_MEMBERS)
    user_id = ctx.id("user_id")
    if user_id not in guild.bans:
        raise errors.unknown("Ban")
    return json_response(serialize.ban(ctx.world, user_id, guild.bans[user_id]))


def _delete_seconds(body: dict[str, object]) -> int:
    if body.get("delete_message_seconds") is not None:
        seconds = int(str(body["delete_message_seconds"]))
        if not 0 <= seconds <= MAX_DELETE_SECONDS:
            raise errors.invalid_form_body(
                "delete_message_seconds",
                "NUMBER_TYPE_MAX" if seconds > 0 else "NUMBER_TYPE_MIN",
                f"Must be between 0 and {MAX_DELETE_SECONDS}.",
            )
        return seconds
    if body.get("delete_message_days") is not None:
        days = int(str(body["delete_message_days"]))
        if not 0 <= days <= 7:
            raise errors.invalid_form_body(
                "delete_message_days", "NUMBER_TYPE_MAX", "Must be between 0 and 7."
            )
        return days * 86400
    return 0


async def _delete_recent_messages(ctx: Context, guild: Guild, user_id: int, seconds: int) -> list[int]:
    since = utcnow() - timedelta(seconds=seconds)
    deleted: list[int] = []
    for channel_id in guild.channels:
        ids = []
        for message in ctx.world.messages.get(channel_id, {}).values():
            if message.author_id == user_id and not message.deleted and message.timestamp >= since:
                message.deleted = True
                ids.append(message.id)
        if ids:
            deleted.extend(ids)
            await ctx.dispatch(
                "MESSAGE_DELETE_BULK",
                {"ids": [str(i) for i in ids], "channel_id": str(channel_id), "guild_id": str(guild.id)},
                guild_id=guild.id,
                intents=GUILD_MESSAGES,
            )
    return deleted


async def ban(ctx: Context) -> web.StreamResponse:
    """Ban a user (BAN_MEMBERS; a member must be below the bot, never the owner); recorded ``ban``."""
    guild = ctx.guild()
    user = ctx.user()
    ctx.require(guild, Perm.BAN_MEMBERS)
    if user.id == ctx.world.bot.id:
        raise errors.missing_permissions()
    if user.id in guild.members or user.id == guild.owner_id:
        ctx.require_above(guild, user.id)
    seconds = _delete_seconds(await ctx.json())
    guild.bans[user.id] = ctx.reason
    deleted = await _delete_recent_messages(ctx, guild, user.id, seconds) if seconds else []
    ctx.record("ban", guild.id, user.id, delete_message_seconds=seconds, deleted_message_ids=deleted)
    if guild.members.pop(user.id, None) is not None:
        await ctx.dispatch(
            "GUILD_MEMBER_REMOVE",
            {"guild_id": str(guild.id), "user": serialize.user(user)},
            guild_id=guild.id,
            intents=GUILD_MEMBERS,
        )
    await ctx.dispatch(
        "GUILD_BAN_ADD",
        {"guild_id": str(guild.id), "user": serialize.user(user)},
        guild_id=guild.id,
        intents=GUILD_MODERATION,
    )
    return no_content()


async def unban(ctx: Context) -> web.StreamResponse:
    """Lift a ban (BAN_MEMBERS; 10026 when there is none); recorded ``unban``."""
    guild = ctx.guild()
    ctx.require(guild, Perm.BAN_MEMBERS)
    user_id = ctx.id("user_id")
    if user_id not in guild.bans:
        raise errors.unknown("Ban")
    del guild.bans[user_id]
    ctx.record("unban", guild.id, user_id)
    if user_id in ctx.world.users:
        await ctx.dispatch(
            "GUILD_BAN_REMOVE",
            {"guild_id": str(guild.id), "user": serialize.user(ctx.world.users[user_id])},
            guild_id=guild.id,
            intents=GUILD_MODERATION,
        )
    return no_content()


ROUTES = [
    Route("GET", "/guilds/{guild_id}/bans", list_bans),
    Route("GET", "/guilds/{guild_id}/bans/{user_id}", get_ban),
    Route("PUT", "/guilds/{guild_id}/bans/{user_id}", ban),
    Route("DELETE", "/guilds/{guild_id}/bans/{user_id}", unban),
]
