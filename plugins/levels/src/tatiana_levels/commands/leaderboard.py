"""``/levels [page]``: the server's members by XP, ten per page."""

from __future__ import annotations

import math

import hikari
import lightbulb

from tatiana import Counters, Database, Translator
from tatiana_levels.commands.common import READ_COOLDOWN
from tatiana_levels.curve import level_for_xp
from tatiana_levels.store import member_key, members_with_xp, ranked_members
from tatiana_levels.xp import XP

PAGE_SIZE = 10


class Leaderboard(
    lightbulb.SlashCommand,
    name="levels.leaderboard.name",
    description="levels.leaderboard.description",
    localize=True,
    contexts=[hikari.ApplicationContextType.GUILD],
    hooks=[READ_COOLDOWN],
):
    """``/levels [page]``: who has the most XP in this server."""

    page = lightbulb.integer(
        "levels.leaderboard.page.name",
        "levels.leaderboard.page.description",
        localize=True,
        default=1,
        min_value=1,
        max_value=10_000,
    )

    @lightbulb.invoke
    async def invoke(
        self,
        ctx: lightbulb.Context,
        t: Translator = lightbulb.di.INJECTED,
        db: Database = lightbulb.di.INJECTED,
        counters: Counters = lightbulb.di.INJECTED,
    ) -> None:
        """Answer with one page of the leaderboard, XP still buffered included for the members shown."""
        guild_id = int(ctx.guild_id or 0)
        # What the flush has not written yet can reorder the page, not bring in members outside it.
        total = await members_with_xp(db, guild_id)
        if total == 0:
            await ctx.respond(t("levels.leaderboard.empty"), ephemeral=True)
            return
        pages = math.ceil(total / PAGE_SIZE)
        if self.page > pages:
            await ctx.respond(t("levels.leaderboard.no_page", page=self.page, pages=pages), ephemeral=True)
            return
        offset = (self.page - 1) * PAGE_SIZE
        rows = await ranked_members(db, guild_id, offset, PAGE_SIZE)
        pending = await counters.pending(XP, [member_key(guild_id, user_id) for user_id, _ in rows])
        ranked = sorted(
            ((user_id, xp + pending[member_key(guild_id, user_id)]) for user_id, xp in rows),
            key=lambda row: (-row[1], row[0]),
        )
        lines = [
            t(
                "levels.leaderboard.row",
                rank=offset + i,
                member=f"<@{user_id}>",
                level=level_for_xp(xp),
                xp=f"{xp:,}",
            )
            for i, (user_id, xp) in enumerate(ranked, start=1)
        ]
        guild = ctx.interaction.get_guild()
        embed = hikari.Embed(
            title=t("levels.leaderboard.title", server=guild.name if guild else ""),
            description="\n".join(lines),
            color=hikari.Color(0x5865F2),
        )
        embed.set_footer(t("levels.leaderboard.footer", page=self.page, pages=pages))
        await ctx.respond(embed=embed, user_mentions=False)
