"""The hierarchy checks of ``hierarchy.py`` for a button press: may this moderator, and the bot, act on the member?"""

from __future__ import annotations

import hikari

from tatiana import Translator
from tatiana_moderation.guild_lookup import bot_user_id, member_roles, owner_id_of, role_positions
from tatiana_moderation.hierarchy import Ranks, refusal, top_position


async def action_refusal(
    interaction: hikari.ComponentInteraction, t: Translator, target_id: int
) -> str | None:
    """Why the moderator who pressed may not act on ``target_id`` (not a member, the owner, a higher role...)."""
    assert interaction.guild_id is not None and interaction.member is not None
    app, guild_id = interaction.app, int(interaction.guild_id)
    target_roles = await member_roles(app, guild_id, target_id)
    if target_roles is None:
        return t("moderation.errors.not_member", member=f"<@{target_id}>")
    me = await bot_user_id(app)
    owner_id = await owner_id_of(app, guild_id)
    moderator_id = int(interaction.user.id)
    moderator_roles = [int(r) for r in interaction.member.role_ids]
    bot_roles = await member_roles(app, guild_id, me) or []
    positions = await role_positions(app, guild_id, {*moderator_roles, *bot_roles, *target_roles})
    ranks = Ranks(
        owner_id=owner_id,
        bot_id=me,
        moderator_id=moderator_id,
        moderator_top=top_position(moderator_roles, positions, is_owner=moderator_id == owner_id),
        bot_top=top_position(bot_roles, positions),
    )
    found = refusal(ranks, target_id, top_position(target_roles, positions))
    return None if found is None else t(f"moderation.refusals.{found.value}", member=f"<@{target_id}>")
