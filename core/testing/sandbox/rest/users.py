"""Users: the current user (bot token or OAuth2 bearer), other users, the bot's DM channels, my guilds."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tatiana.testing.sandbox import serialize
from tatiana.testing.sandbox.rest import errors
from tatiana.testing.sandbox.rest.base import Context, Route, json_response


def _current_user_id(ctx: Context, scope: str) -> int:
    if ctx.bearer is None:
        return ctx.world.bot.id
    if scope not in ctx.bearer.scopes:
        raise errors.unauthorized()
    return ctx.bearer.user_id


async def get_me(ctx: Context) -> web.StreamResponse:
    """The bot (bot token) or the user who authorized (bearer with ``identify``)."""
    user = ctx.user(_current_user_id(ctx, "identify"))
    email = ctx.bearer is not None and "email" in ctx.bearer.scopes
    return json_response(serialize.my_user(user, email=email))


async def get_user(ctx: Context) -> web.StreamResponse:
    """Any user by id (10013 when unknown)."""
    return json_response(serialize.user(ctx.user()))


async def create_dm(ctx: Context) -> web.StreamResponse:
    """The bot's DM channel with ``recipient_id`` (created on first use)."""
    body = await ctx.json()
    raw = body.get("recipient_id")
    if raw is None:
        raise errors.required("recipient_id")
    try:
        user = ctx.user(int(raw))
    except ValueError:
        raise errors.invalid_form_body(
            "recipient_id", "NUMBER_TYPE_COERCE", "Value is not snowflake."
        ) from None
    return json_response(serialize.channel(ctx.world, ctx.world.dm_channel(user.id)))


async def my_guilds(ctx: Context) -> web.StreamResponse:
    """The current user's guilds (``guilds`` scope for a bearer), with ``owner`` and ``permissions``."""
    user_id = _current_user_id(ctx, "guilds")
    limit = ctx.query_int("limit", 200, 1, 200)
    before = ctx.query_snowflake("before") or 0
    after = ctx.query_snowflake("after") or 0
    with_counts = ctx.query_bool("with_counts")
    guilds = sorted((g for g in ctx.world.guilds.values() if user_id in g.members), key=lambda g: g.id)
    if before:
        guilds = [g for g in guilds if g.id < before][-limit:]
    else:
        guilds = [g for g in guilds if g.id > after][:limit]
    answer = []
    for guild in guilds:
        item: dict[str, Any] = {
            "id": str(guild.id),
            "name": guild.name,
            "icon": guild.icon,
            "banner": None,
            "owner": guild.owner_id == user_id,
            "permissions": str(ctx.world.base_permissions(guild, user_id)),
            "features": [],
        }
        if with_counts:
            item["approximate_member_count"] = len(guild.members)
            item["approximate_presence_count"] = 0
        answer.append(item)
    return json_response(answer)


async def my_guild_member(ctx: Context) -> web.StreamResponse:
    """The current user's membership of one guild (bearer with ``guilds.members.read``)."""
    user_id = _current_user_id(ctx, "guilds.members.read")
    guild = ctx.world.guilds.get(ctx.id("guild_id"))
    if guild is None or user_id not in guild.members:
        raise errors.unknown("Guild")
    return json_response(serialize.member(ctx.world, guild.members[user_id]))


async def leave_guild(ctx: Context) -> web.StreamResponse:
    """The bot leaves a guild."""
    guild = ctx.guild()
    if guild.owner_id == ctx.world.bot.id:
        raise errors.bad_value("guild_id", "The owner cannot leave the guild.")
    del guild.members[ctx.world.bot.id]
    ctx.record("leave", guild.id, ctx.world.bot.id)
    await ctx.dispatch("GUILD_DELETE", {"id": str(guild.id)}, guild_id=guild.id, intents=1)
    return web.Response(status=204)


ROUTES = [
    Route("GET", "/users/@me", get_me, auth="bot_or_bearer"),
    Route("POST", "/users/@me/channels", create_dm),
    Route("GET", "/users/@me/guilds", my_guilds, auth="bot_or_bearer"),
    Route("GET", "/users/@me/guilds/{guild_id}/member", my_guild_member, auth="bearer"),
    Route("DELETE", "/users/@me/guilds/{guild_id}", leave_guild),
    Route("GET", "/users/{user_id}", get_user),
]
