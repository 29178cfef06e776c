"""``/rank [member]``: a member's rank card."""

from __future__ import annotations

import asyncio

import hikari
import lightbulb

from tatiana import Counters, Database, Translator
from tatiana_levels.commands.common import READ_COOLDOWN
from tatiana_levels.curve import level_for_xp, total_xp_for_level, xp_to_next_level
from tatiana_levels.names import display_name
from tatiana_levels.store import rank_of
from tatiana_levels.xp import total_xp


class Rank(
    lightbulb.SlashCommand,
    name="levels.rank.name",
    description="levels.rank.description",
    localize=True,
    contexts=[hikari.ApplicationContextType.GUILD],
    hooks=[READ_COOLDOWN],
):
    """``/rank [member]``: a member's level, rank and progress in this server, as an image."""

    member = lightbulb.user(
        "levels.rank.member.name", "levels.rank.member.description", localize=True, default=None
    )

    @lightbulb.invoke
    async def invoke(
        self,
        ctx: lightbulb.Context,
        t: Translator = lightbulb.di.INJECTED,
        db: Database = lightbulb.di.INJECTED,
        counters: Counters = lightbulb.di.INJECTED,
    ) -> None:
        """Answer with the rank card of the member (yours when no member is given)."""
        # Pillow comes with the first rank card, not with the plugin: a bot never asked for one does not load it.
        from tatiana_levels.avatars import avatar
        from tatiana_levels.rank_card import RankCard, render_rank_card

        user = self.member or ctx.member or ctx.user
        if user.is_bot:
            await ctx.respond(
                t("levels.errors.bot", member=user.mention), ephemeral=True, user_mentions=False
            )
            return
        if not isinstance(user, hikari.Member) or ctx.guild_id is None:
            await ctx.respond(
                t("levels.errors.not_member", member=user.mention), ephemeral=True, user_mentions=False
            )
            return
        guild_id = int(ctx.guild_id)
        xp = await total_xp(db, counters, guild_id, int(user.id))
        level = level_for_xp(xp)
        rank = await rank_of(db, guild_id, xp)
        into, needed = xp - total_xp_for_level(level), xp_to_next_level(level)
        card = RankCard(
            name=display_name(user),
            level=level,
            rank=rank,
            xp_into_level=into,
            xp_for_level=needed,
            level_label=t("levels.card.level"),
            rank_label=t("levels.card.rank"),
            xp_label=t("levels.card.progress", current=f"{into:,}", needed=f"{needed:,}"),
            avatar=await avatar(user),
        )
        png = await asyncio.to_thread(render_rank_card, card)
        await ctx.respond(
            t("levels.rank.summary", member=user.mention, level=level, rank=rank, xp=f"{xp:,}"),
            attachment=hikari.Bytes(png, "rank.png"),
            user_mentions=False,
        )
