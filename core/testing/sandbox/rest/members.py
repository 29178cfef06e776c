"""Guild members: get, list, search, modify (nick, roles, timeout, mute, deaf), kick, add/remove a role."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from aiohttp import web

from tatiana.testing.sandbox import serialize
from tatiana.testing.sandbox.rest import errors
from tatiana.testing.sandbox.rest.base import GUILD_MEMBERS, Context, Route, json_response, no_content
from tatiana.testing.sandbox.world import Guild, Member, Perm, Role, utcnow

MAX_TIMEOUT = timedelta(days=28)


async def member_updated(ctx: Context, guild: Guild, member: Member) -> None:
    """GUILD_MEMBER_UPDATE for a changed member."""
    await ctx.dispatch(
        "GUILD_MEMBER_UPDATE",
        serialize.member(ctx.world, member, guild_id=True),
        guild_id=guild.id,
        intents=GUILD_MEMBERS,
    )


async def get_member(ctx: Context) -> web.StreamResponse:
    """One member (10007 when the user is not in the guild)."""
    guild = ctx.guild()
    return json_response(serialize.member(ctx.world, ctx.member(guild)))


async def list_members(ctx: Context) -> web.StreamResponse:
    """Members by user id, ``limit`` 1–1000 (1), ``after`` a user id."""
    guild = ctx.guild()
    limit = ctx.query_int("limit", 1, 1, 1000)
    after = ctx.query_snowflake("after") or 0
    ids = sorted(i for i in guild.members if i > after)[:limit]
    return json_response([serialize.member(ctx.world, guild.members[i]) for i in ids])


async def search_members(ctx: Context) -> web.StreamResponse:
    """Members whose username or nickname starts with ``query``."""
    guild = ctx.guild()
    query = ctx.query.get("query")
    if query is None:
        raise errors.required("query")
    limit = ctx.query_int("limit", 1, 1, 1000)
    prefix = query.lower()
    found = []
    for member in guild.members.values():
        user = ctx.world.users[member.user_id]
        names = [user.username, user.global_name or "", member.nick or ""]
        if any(name.lower().startswith(prefix) for name in names):
            found.append(member)
    return json_response([serialize.member(ctx.world, m) for m in found[:limit]])


def _role_change(ctx: Context, guild: Guild, role: Role) -> None:
    if role.id == guild.id:
        raise errors.DiscordError(400, 50028, "Invalid Role")
    ctx.require_role_below(guild, role)
    if role.managed:
        raise errors.missing_permissions()


def _timeout(ctx: Context, guild: Guild, member: Member, raw: Any) -> datetime | None:
    ctx.require(guild, Perm.MODERATE_MEMBERS)
    ctx.require_above(guild, member.user_id)
    if ctx.world.base_permissions(guild, member.user_id) & Perm.ADMINISTRATOR:
        raise errors.missing_permissions()
    if raw is None:
        return None
    try:
        until = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    except ValueError:
        raise errors.invalid_form_body(
            "communication_disabled_until",
            "DATE_TIME_TYPE_PARSE",
            "Could not interpret the value as a date-time.",
        ) from None
    if until.tzinfo is None:
        raise errors.invalid_form_body(
            "communication_disabled_until", "DATE_TIME_TYPE_PARSE", "The date-time needs a time zone."
        )
    if until - utcnow() > MAX_TIMEOUT:
        raise errors.invalid_form_body(
            "communication_disabled_until",
            "COMMUNICATION_DISABLED_UNTIL_TOO_LONG",
            "Cannot time out a member for more than 28 days.",
        )
    return until


async def patch_member(ctx: Context) -> web.StreamResponse:
    """Modify a member, every check before any change; recorded per change, one GUILD_MEMBER_UPDATE."""
    guild = ctx.guild()
    member = ctx.member(guild)
    body = await ctx.json()
    changes: dict[str, Any] = {}
    if "nick" in body:
        nick = body["nick"] or None
        if nick is not None and len(nick) > 32:
            raise errors.bad_length("nick", 1, 32)
        if member.user_id == ctx.world.bot.id:
            ctx.require(guild, Perm.CHANGE_NICKNAME)
        else:
            ctx.require(guild, Perm.MANAGE_NICKNAMES)
            ctx.require_above(guild, member.user_id)
        changes["nick"] = nick
    if body.get("roles") is not None:
        ctx.require(guild, Perm.MANAGE_ROLES)
        wanted = list(dict.fromkeys(int(r) for r in body["roles"]))
        for role_id in wanted:
            if role_id not in guild.roles:
                raise errors.unknown("Role")
        for role_id in set(wanted) ^ set(member.roles):
            if role_id in guild.roles:
                _role_change(ctx, guild, guild.roles[role_id])
        changes["roles"] = wanted
    if "communication_disabled_until" in body:
        changes["communication_disabled_until"] = _timeout(
            ctx, guild, member, body["communication_disabled_until"]
        )
    for key, permission in (("mute", Perm.MUTE_MEMBERS), ("deaf", Perm.DEAFEN_MEMBERS)):
        if body.get(key) is not None:
            ctx.require(guild, permission)
            changes[key] = bool(body[key])
    if body.get("channel_id") is not None:
        raise errors.DiscordError(400, 40032, "Target user is not connected to voice.")
    await apply_member_changes(ctx, guild, member, changes)
    return json_response(serialize.member(ctx.world, member))


async def apply_member_changes(ctx: Context, guild: Guild, member: Member, changes: dict[str, Any]) -> None:
    """Apply checked changes, record each (nick, role_add, role_remove, timeout, mute, deaf), send the update."""
    target = member.user_id
    if "nick" in changes and changes["nick"] != member.nick:
        member.nick = changes["nick"]
        ctx.record("nick", guild.id, target, nick=member.nick)
    if "roles" in changes:
        for role_id in changes["roles"]:
            if role_id not in member.roles:
                ctx.record("role_add", guild.id, target, role_id=role_id)
        for role_id in member.roles:
            if role_id not in changes["roles"]:
                ctx.record("role_remove", guild.id, target, role_id=role_id)
        member.roles = list(changes["roles"])
    if "communication_disabled_until" in changes:
        member.communication_disabled_until = changes["communication_disabled_until"]
        ctx.record("timeout", guild.id, target, until=member.communication_disabled_until)
    for key in ("mute", "deaf"):
        if key in changes and changes[key] != getattr(member, key):
            setattr(member, key, changes[key])
            ctx.record(key, guild.id, target, value=changes[key])
    if changes:
        await member_updated(ctx, guild, member)


async def patch_me(ctx: Context) -> web.StreamResponse:
    """The bot's own nickname (CHANGE_NICKNAME)."""
    guild = ctx.guild()
    member = guild.members[ctx.world.bot.id]
    body = await ctx.json()
    if "nick" in body:
        ctx.require(guild, Perm.CHANGE_NICKNAME)
        await apply_member_changes(ctx, guild, member, {"nick": body["nick"] or None})
    return json_response(serialize.member(ctx.world, member))


async def kick(ctx: Context) -> web.StreamResponse:
    """Kick a member below the bot (KICK_MEMBERS, never the owner); GUILD_MEMBER_REMOVE, recorded."""
    guild = ctx.guild()
    member = ctx.member(guild)
    ctx.require(guild, Perm.KICK_MEMBERS)
    ctx.require_above(guild, member.user_id)
    del guild.members[member.user_id]
    ctx.record("kick", guild.id, member.user_id)
    await ctx.dispatch(
        "GUILD_MEMBER_REMOVE",
        {"guild_id": str(guild.id), "user": serialize.user(ctx.world.users[member.user_id])},
        guild_id=guild.id,
        intents=GUILD_MEMBERS,
    )
    return no_content()


async def add_role(ctx: Context) -> web.StreamResponse:
    """Give a member a role below the bot's highest (MANAGE_ROLES); recorded ``role_add``."""
    guild = ctx.guild()
    member = ctx.member(guild)
    role = ctx.role(guild)
    ctx.require(guild, Perm.MANAGE_ROLES)
    _role_change(ctx, guild, role)
    if role.id not in member.roles:
        await apply_member_changes(ctx, guild, member, {"roles": [*member.roles, role.id]})
    return no_content()


async def remove_role(ctx: Context) -> web.StreamResponse:
    """Take a role below the bot's highest from a member (MANAGE_ROLES); recorded ``role_remove``."""
    guild = ctx.guild()
    member = ctx.member(guild)
    role = ctx.role(guild)
    ctx.require(guild, Perm.MANAGE_ROLES)
    _role_change(ctx, guild, role)
    if role.id in member.roles:
        await apply_member_changes(ctx, guild, member, {"roles": [r for r in member.roles if r != role.id]})
    return no_content()


ROUTES = [
    Route("GET", "/guilds/{guild_id}/members", list_members),
    Route("GET", "/guilds/{guild_id}/members/search", search_members),
    Route("PATCH", "/guilds/{guild_id}/members/@me", patch_me),
    Route("GET", "/guilds/{guild_id}/members/{user_id}", get_member),
    Route("PATCH", "/guilds/{guild_id}/members/{user_id}", patch_member),
    Route("DELETE", "/guilds/{guild_id}/members/{user_id}", kick),
    Route("PUT", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}", add_role),
    Route("DELETE", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}", remove_role),
]
