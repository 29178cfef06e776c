"""What the hierarchy checks look up about a guild: members' roles, role positions, the owner, the bot.

The gateway cache first, REST when the cache does not know.
"""

from __future__ import annotations

import hikari


async def bot_user_id(app: hikari.RESTAware) -> int:
    """The bot's own user id (from the cache when it has it)."""
    if isinstance(app, hikari.CacheAware) and (me := app.cache.get_me()) is not None:
        return int(me.id)
    return int((await app.rest.fetch_my_user()).id)


async def member_roles(app: hikari.RESTAware, guild_id: int, user_id: int) -> list[int] | None:
    """The member's role ids (cache, else REST); None when they are not a member of the guild."""
    if isinstance(app, hikari.CacheAware) and (cached := app.cache.get_member(guild_id, user_id)) is not None:
        return [int(r) for r in cached.role_ids]
    try:
        member = await app.rest.fetch_member(guild_id, user_id)
    except hikari.NotFoundError:
        return None
    return [int(r) for r in member.role_ids]


async def owner_id_of(app: hikari.RESTAware, guild_id: int) -> int:
    """The guild owner's user id."""
    if isinstance(app, hikari.CacheAware) and (guild := app.cache.get_guild(guild_id)) is not None:
        return int(guild.owner_id)
    return int((await app.rest.fetch_guild(guild_id)).owner_id)


async def role_positions(app: hikari.RESTAware, guild_id: int, role_ids: set[int]) -> dict[int, int]:
    """Positions of the guild's roles: from the cache when it knows every role in ``role_ids``, else REST."""
    if isinstance(app, hikari.CacheAware):
        cached = {int(r.id): r.position for r in app.cache.get_roles_view_for_guild(guild_id).values()}
        if cached and role_ids <= cached.keys():
            return cached
    return {int(r.id): r.position for r in await app.rest.fetch_roles(guild_id)}
