"""Guilds: get (with counts), list and create channels."""

from __future__ import annotations

from aiohttp import web

from tatiana.testing.sandbox import serialize
from tatiana.testing.sandbox.rest import errors
from tatiana.testing.sandbox.rest.base import GUILDS, Context, Route, json_response
from tatiana.testing.sandbox.rest.channels import parse_overwrites
from tatiana.testing.sandbox.world import Perm

_CREATABLE_TYPES = {0, 2, 4, 5, 13, 15}


async def get_guild(ctx: Context) -> web.StreamResponse:
    """A guild the bot is in; ``with_counts=true`` adds the approximate member and presence counts."""
    guild = ctx.guild()
    return json_response(serialize.guild(ctx.world, guild, with_counts=ctx.query_bool("with_counts")))


async def list_channels(ctx: Context) -> web.StreamResponse:
    """The guild's channels (threads excluded)."""
    guild = ctx.guild()
    return json_response([serialize.channel(ctx.world, c) for c in guild.channels.values()])


async def create_channel(ctx: Context) -> web.StreamResponse:
    """Create a channel (MANAGE_CHANNELS; MANAGE_ROLES for overwrites); CHANNEL_CREATE, recorded."""
    guild = ctx.guild()
    ctx.require(guild, Perm.MANAGE_CHANNELS)
    body = await ctx.json()
    name = body.get("name")
    if not name:
        raise errors.required("name")
    if not 1 <= len(str(name)) <= 100:
        raise errors.bad_length("name", 1, 100)
    kind = int(body.get("type") or 0)
    if kind not in _CREATABLE_TYPES:
        raise errors.invalid_form_body(
            "type", "BASE_TYPE_CHOICES", f"Value must be one of {sorted(_CREATABLE_TYPES)}."
        )
    parent = int(body["parent_id"]) if body.get("parent_id") else None
    if parent is not None and (parent not in guild.channels or guild.channels[parent].type != 4):
        raise errors.bad_value("parent_id", "Category does not exist")
    overwrites = None
    if body.get("permission_overwrites"):
        ctx.require(guild, Perm.MANAGE_ROLES)
        overwrites = parse_overwrites(ctx, guild, body["permission_overwrites"])
    channel = ctx.world.add_channel(guild, str(name), type=kind, parent_id=parent)
    channel.topic = body.get("topic")
    channel.nsfw = bool(body.get("nsfw", False))
    channel.rate_limit_per_user = int(body.get("rate_limit_per_user") or 0)
    if body.get("position") is not None:
        channel.position = int(body["position"])
    if overwrites:
        channel.overwrites = overwrites
    ctx.record("channel_create", guild.id, channel.id, name=channel.name, type=kind)
    payload = serialize.channel(ctx.world, channel)
    await ctx.dispatch("CHANNEL_CREATE", payload, guild_id=guild.id, intents=GUILDS)
    return json_response(payload, 201)


ROUTES = [
    Route("GET", "/guilds/{guild_id}", get_guild),
    Route("GET", "/guilds/{guild_id}/channels", list_channels),
    Route("POST", "/guilds/{guild_id}/channels", create_channel),
]
