"""The hierarchy checks of ``hierarchy.py`` for a button press: may this moderator, and the bot, act on the member?"""

from __future__ import annotations

import hikari

from tatiana import Translator
from tatiana_moderation.hierarchy import Ranks, refusal, top_position


async def _bot_id(app: hikari.RESTAware) -> int:
    if isinstance(app, hikari.CacheAware) and (me := app.cache.get_me()) is not None:
        return int(me.id)
    return int((await app.rest.fetch_my_user()).id)


async def _member_roles(app: hikari.RESTAware, guild_id: int, user_id: int) -> list[int] | None:
    if isinstance(app, hikari.CacheAware) and (cached := app.cache.get_member(guild_id, user_id)) is not None:
        return [int(r) for r in cached.role_ids]
    try:
        member = await app.rest.fetch_member(guild_id, user_id)
    except hikari.NotFoundError:
        return None
    return [int(r) for r in member.role_ids]


async def _owner_id(app: hikari.RESTAware, guild_id: int) -> int:
    if isinstance(app, hikari.CacheAware) and (guild := app.cache.get_guild(guild_id)) is not None:
        return int(guild.owner_id)
    return int((await app.rest.fetch_guild(guild_id)).owner_id)


async def _positions(app: hikari.RESTAware, guild_id: int, role_ids: set[int]) -> dict[int, int]:
    if isinstance(app, hikari.CacheAware):
        cached = {int(r.id): r.position for r in app.cache.get_roles_view_for_guild(guild_id).values()}
        if cached and role_ids <= cached.keys():
            return cached
    return {int(r.id): r.position for r in await app.rest.fetch_roles(guild_id)}


async def action_refusal(
    interaction: hikari.ComponentInteraction, t: Translator, target_id: int
) -> str | None:
    """Why the moderator who pressed may not act on ``target_id`` (not a member, the owner, a higher role...)."""
    assert interaction.guild_id is not None and interaction.member is not None
    app, guild_id = interaction.app, int(interaction.guild_id)
    target_roles = await _member_roles(app, guild_id, target_id)
    if target_roles is None:
        return t("moderation.errors.not_member", member=f"<@{target_id}>")
    me = await _bot_id(app)
    owner_id = await _owner_id(app, guild_id)
    moderator_id = int(interaction.user.id)
    moderator_roles = [int(r) for r in interaction.member.role_ids]
    bot_roles = await _member_roles(app, guild_id, me) or []
    positions = await _positions(app, guild_id, {*moderator_roles, *bot_roles, *target_roles})
    ranks = Ranks(
        owner_id=owner_id,
        bot_id=me,
        moderator_id=moderator_id,
        moderator_top=top_position(moderator_roles, positions, is_owner=moderator_id == owner_id),
        bot_top=top_position(bot_roles, positions),
    )
    found = refusal(ranks, target_id, top_position(target_roles, positions))
    return None if found is None else t(f"moderation.refusals.{found.value}", member=f"<@{target_id}>")
