"""Channels: get, modify (name, topic, slowmode, overwrites...), delete, and permission overwrites."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tatiana.testing.sandbox import serialize
from tatiana.testing.sandbox.rest import errors
from tatiana.testing.sandbox.rest.base import GUILDS, Context, Route, json_response, no_content
from tatiana.testing.sandbox.world import Channel, Guild, Overwrite, Perm


def _guild_of(ctx: Context, channel: Channel) -> Guild:
    if channel.guild_id is None:
        raise errors.DiscordError(403, 50003, "Cannot execute action on a DM channel")
    return ctx.world.guilds[channel.guild_id]


def parse_overwrites(
    ctx: Context, guild: Guild, raw: Any, field: str = "permission_overwrites"
) -> dict[int, Overwrite]:
    """Overwrites from a request body, checked: known targets, only permissions the bot has."""
    if not isinstance(raw, list):
        raise errors.invalid_form_body(field, "LIST_TYPE_CONVERT", "Only iterables may be used in a ListType")
    result: dict[int, Overwrite] = {}
    for index, item in enumerate(raw):
        overwrite = _overwrite(ctx, guild, int(item.get("id", 0)), item, f"{field}.{index}")
        result[overwrite.id] = overwrite
    return result


def _overwrite(ctx: Context, guild: Guild, target: int, item: dict[str, Any], where: str) -> Overwrite:
    kind = item.get("type")
    if kind in ("role", "member"):
        kind = 0 if kind == "role" else 1
    if kind not in (0, 1):
        raise errors.invalid_form_body(f"{where}.type", "BASE_TYPE_CHOICES", "Value must be one of {0, 1}.")
    if kind == 0 and target not in guild.roles:
        raise errors.unknown("Role")
    if kind == 1 and target not in guild.members:
        raise errors.unknown("Member")
    allow, deny = int(item.get("allow") or 0), int(item.get("deny") or 0)
    bot_permissions = ctx.guild_permissions(guild)
    if not bot_permissions & Perm.ADMINISTRATOR and (allow | deny) & ~bot_permissions:
        raise errors.missing_permissions()
    return Overwrite(id=target, type=int(kind), allow=allow, deny=deny)


async def _updated(ctx: Context, channel: Channel) -> None:
    await ctx.dispatch(
        "CHANNEL_UPDATE", serialize.channel(ctx.world, channel), guild_id=channel.guild_id, intents=GUILDS
    )


async def get_channel(ctx: Context) -> web.StreamResponse:
    """A channel the bot can see."""
    return json_response(serialize.channel(ctx.world, ctx.channel()))


def _string(body: dict[str, Any], key: str, low: int, high: int) -> str | None:
    value = body[key]
    if value is None:
        if low:
            raise errors.required(key)
        return None
    text = str(value)
    if not low <= len(text) <= high:
        raise errors.bad_length(key, low, high)
    return text


async def patch_channel(ctx: Context) -> web.StreamResponse:
    """Modify a guild channel (MANAGE_CHANNELS; MANAGE_ROLES for overwrites); CHANNEL_UPDATE, recorded."""
    channel = ctx.channel()
    guild = _guild_of(ctx, channel)
    ctx.require_in(channel, Perm.MANAGE_CHANNELS)
    body = await ctx.json()
    changes: dict[str, Any] = {}
    if "name" in body:
        changes["name"] = _string(body, "name", 1, 100)
    if "topic" in body:
        changes["topic"] = _string(body, "topic", 0, 1024)
    if "rate_limit_per_user" in body:
        slowmode = int(body["rate_limit_per_user"] or 0)
        if not 0 <= slowmode <= 21600:
            raise errors.invalid_form_body(
                "rate_limit_per_user",
                "NUMBER_TYPE_MAX" if slowmode > 0 else "NUMBER_TYPE_MIN",
                "Must be between 0 and 21600.",
            )
        changes["rate_limit_per_user"] = slowmode
    if "nsfw" in body:
        changes["nsfw"] = bool(body["nsfw"])
    if "position" in body and body["position"] is not None:
        changes["position"] = int(body["position"])
    if "parent_id" in body:
        parent = int(body["parent_id"]) if body["parent_id"] else None
        if parent is not None and (parent not in guild.channels or guild.channels[parent].type != 4):
            raise errors.bad_value("parent_id", "Category does not exist")
        changes["parent_id"] = parent
    if body.get("permission_overwrites") is not None:
        ctx.require_in(channel, Perm.MANAGE_ROLES)
        changes["overwrites"] = parse_overwrites(ctx, guild, body["permission_overwrites"])
    for key, value in changes.items():
        setattr(channel, key, value)
    if changes:
        recorded = {k: v for k, v in changes.items() if k != "overwrites"}
        if "overwrites" in changes:
            recorded["permission_overwrites"] = serialize.overwrite_list(channel)
        ctx.record("channel_update", guild.id, channel.id, **recorded)
        await _updated(ctx, channel)
    return json_response(serialize.channel(ctx.world, channel))


async def delete_channel(ctx: Context) -> web.StreamResponse:
    """Delete a guild channel (MANAGE_CHANNELS); CHANNEL_DELETE, recorded."""
    channel = ctx.channel()
    guild = _guild_of(ctx, channel)
    ctx.require_in(channel, Perm.MANAGE_CHANNELS)
    payload = serialize.channel(ctx.world, channel)
    del guild.channels[channel.id]
    del ctx.world.channels[channel.id]
    ctx.record("channel_delete", guild.id, channel.id, name=channel.name)
    await ctx.dispatch("CHANNEL_DELETE", payload, guild_id=guild.id, intents=GUILDS)
    return json_response(payload)


async def put_overwrite(ctx: Context) -> web.StreamResponse:
    """Set a role's (type 0) or member's (type 1) overwrite (MANAGE_ROLES); CHANNEL_UPDATE, recorded."""
    channel = ctx.channel()
    guild = _guild_of(ctx, channel)
    ctx.require_in(channel, Perm.MANAGE_ROLES)
    body = await ctx.json()
    if "type" not in body:
        raise errors.required("type")
    overwrite = _overwrite(ctx, guild, ctx.id("overwrite_id"), body, "")
    channel.overwrites[overwrite.id] = overwrite
    ctx.record(
        "overwrite_set",
        guild.id,
        overwrite.id,
        channel_id=channel.id,
        type=overwrite.type,
        allow=overwrite.allow,
        deny=overwrite.deny,
    )
    await _updated(ctx, channel)
    return no_content()


async def delete_overwrite(ctx: Context) -> web.StreamResponse:
    """Remove an overwrite (MANAGE_ROLES); CHANNEL_UPDATE, recorded."""
    channel = ctx.channel()
    guild = _guild_of(ctx, channel)
    ctx.require_in(channel, Perm.MANAGE_ROLES)
    if channel.overwrites.pop(ctx.id("overwrite_id"), None) is not None:
        ctx.record("overwrite_delete", guild.id, ctx.id("overwrite_id"), channel_id=channel.id)
        await _updated(ctx, channel)
    return no_content()


async def typing(ctx: Context) -> web.StreamResponse:
    """The bot is typing (SEND_MESSAGES)."""
    channel = ctx.channel()
    ctx.require_in(channel, Perm.SEND_MESSAGES)
    return no_content()


ROUTES = [
    Route("GET", "/channels/{channel_id}", get_channel),
    Route("PATCH", "/channels/{channel_id}", patch_channel),
    Route("DELETE", "/channels/{channel_id}", delete_channel),
    Route("PUT", "/channels/{channel_id}/permissions/{overwrite_id}", put_overwrite),
    Route("DELETE", "/channels/{channel_id}/permissions/{overwrite_id}", delete_overwrite),
    Route("POST", "/channels/{channel_id}/typing", typing),
]
