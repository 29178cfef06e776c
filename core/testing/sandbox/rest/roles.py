"""Guild roles: list, get, create, modify, delete, with Discord's hierarchy rules."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tatiana.testing.sandbox import serialize
from tatiana.testing.sandbox.rest import errors
from tatiana.testing.sandbox.rest.base import GUILDS, Context, Route, json_response, no_content
from tatiana.testing.sandbox.world import Guild, Perm, Role


def _grantable(ctx: Context, guild: Guild, permissions: int) -> int:
    bot_permissions = ctx.guild_permissions(guild)
    if not bot_permissions & Perm.ADMINISTRATOR and permissions & ~bot_permissions:
        raise errors.missing_permissions()
    return permissions


def _apply(ctx: Context, guild: Guild, role: Role, body: dict[str, Any]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if "name" in body:
        name = str(body["name"] or "new role")
        if len(name) > 100:
            raise errors.bad_length("name", 1, 100)
        changes["name"] = name
    if body.get("permissions") is not None:
        changes["permissions"] = _grantable(ctx, guild, int(body["permissions"]))
    if "color" in body:
        changes["color"] = int(body["color"] or 0)
    if "colors" in body and isinstance(body["colors"], dict):
        changes["color"] = int(body["colors"].get("primary_color") or 0)
    for key in ("hoist", "mentionable"):
        if key in body:
            changes[key] = bool(body[key])
    for key, value in changes.items():
        setattr(role, key, value)
    return changes


async def _event(ctx: Context, event: str, guild: Guild, role: Role) -> None:
    await ctx.dispatch(
        event, {"guild_id": str(guild.id), "role": serialize.role(role)}, guild_id=guild.id, intents=GUILDS
    )


async def list_roles(ctx: Context) -> web.StreamResponse:
    """The guild's roles."""
    guild = ctx.guild()
    return json_response([serialize.role(r) for r in sorted(guild.roles.values(), key=lambda r: r.position)])


async def get_role(ctx: Context) -> web.StreamResponse:
    """One role."""
    guild = ctx.guild()
    return json_response(serialize.role(ctx.role(guild)))


async def create_role(ctx: Context) -> web.StreamResponse:
    """A new role at the bottom (position 1) (MANAGE_ROLES, only permissions the bot has); recorded."""
    guild = ctx.guild()
    ctx.require(guild, Perm.MANAGE_ROLES)
    body = await ctx.json()
    for other in guild.roles.values():
        if other.id != guild.id:
            other.position += 1
    role = ctx.world.add_role(guild, "new role", position=1)
    try:
        _apply(ctx, guild, role, body)
    except errors.DiscordError:
        del guild.roles[role.id]
        for other in guild.roles.values():
            if other.id != guild.id:
                other.position -= 1
        raise
    ctx.record("role_create", guild.id, role.id, name=role.name, permissions=role.permissions)
    await _event(ctx, "GUILD_ROLE_CREATE", guild, role)
    return json_response(serialize.role(role))


async def patch_role(ctx: Context) -> web.StreamResponse:
    """Modify a role below the bot's highest (MANAGE_ROLES); GUILD_ROLE_UPDATE, recorded."""
    guild = ctx.guild()
    ctx.require(guild, Perm.MANAGE_ROLES)
    role = ctx.role(guild)
    ctx.require_role_below(guild, role)
    changes = _apply(ctx, guild, role, await ctx.json())
    if changes:
        ctx.record("role_update", guild.id, role.id, **changes)
        await _event(ctx, "GUILD_ROLE_UPDATE", guild, role)
    return json_response(serialize.role(role))


async def delete_role(ctx: Context) -> web.StreamResponse:
    """Delete a role below the bot's highest, not @everyone nor managed (MANAGE_ROLES); recorded."""
    guild = ctx.guild()
    ctx.require(guild, Perm.MANAGE_ROLES)
    role = ctx.role(guild)
    if role.id == guild.id:
        raise errors.DiscordError(400, 50028, "Invalid Role")
    ctx.require_role_below(guild, role)
    if role.managed:
        raise errors.bad_value("role_id", "Cannot delete a managed role")
    del guild.roles[role.id]
    for member in guild.members.values():
        if role.id in member.roles:
            member.roles.remove(role.id)
    ctx.record("role_delete", guild.id, role.id, name=role.name)
    await ctx.dispatch(
        "GUILD_ROLE_DELETE",
        {"guild_id": str(guild.id), "role_id": str(role.id)},
        guild_id=guild.id,
        intents=GUILDS,
    )
    return no_content()


ROUTES = [
    Route("GET", "/guilds/{guild_id}/roles", list_roles),
    Route("POST", "/guilds/{guild_id}/roles", create_role),
    Route("GET", "/guilds/{guild_id}/roles/{role_id}", get_role),
    Route("PATCH", "/guilds/{guild_id}/roles/{role_id}", patch_role),
    Route("DELETE", "/guilds/{guild_id}/roles/{role_id}", delete_role),
]
