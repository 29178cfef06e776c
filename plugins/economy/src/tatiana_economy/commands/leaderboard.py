"""``/leaderboard``: the guild's richest members, ten a page, turned with buttons."""

from __future__ import annotations

import contextlib
import math

import hikari
import lightbulb
import miru

from tatiana import Database, Translator
from tatiana_economy.commands.common import loader, member_cooldown
from tatiana_economy.commands.views import ActionButton, MemberView
from tatiana_economy.ledger import Ledger
from tatiana_economy.settings import EconomySettings

PAGE_SIZE = 10
PAGES_TIMEOUT = 120.0
"""Seconds of inactivity after which the page buttons go away."""


class Leaderboard:
    """The pages of one guild's leaderboard, read afresh for each page, as seen by one member."""

    def __init__(
        self,
        ledger: Ledger,
        t: Translator,
        settings: EconomySettings,
        *,
        guild_id: int,
        guild_name: str,
        viewer_id: int,
    ) -> None:
        self.ledger = ledger
        self.t = t
        self.settings = settings
        self.guild_id = guild_id
        self.guild_name = guild_name
        self.viewer_id = viewer_id
        self.pages = 1

    async def page(self, number: int) -> tuple[hikari.Embed, int]:
        """Page ``number`` (0-based, moved into range) as an embed, and the number it ended up being."""
        ranked = await self.ledger.ranked_count(self.guild_id)
        self.pages = max(1, math.ceil(ranked / PAGE_SIZE))
        number = min(max(number, 0), self.pages - 1)
        standings = await self.ledger.leaderboard(self.guild_id, offset=number * PAGE_SIZE, limit=PAGE_SIZE)
        lines = [
            self.t(
                "economy.leaderboard.line",
                rank=s.rank,
                member=f"<@{s.user_id}>",
                amount=self.settings.amount(s.balance),
            )
            for s in standings
        ]
        embed = hikari.Embed(
            title=self.t("economy.leaderboard.title", guild=self.guild_name),
            description="\n".join(lines) or self.t("economy.leaderboard.empty"),
        )
        footer = self.t("economy.leaderboard.page", page=number + 1, pages=self.pages)
        rank = await self.ledger.rank(self.guild_id, self.viewer_id)
        if rank is not None:
            footer = f"{footer} · {self.t('economy.leaderboard.your_rank', rank=rank)}"
        embed.set_footer(footer)
        return embed, number


class LeaderboardPages(MemberView):
    """Previous and next buttons over a ``Leaderboard``, for the member who asked for it."""

    def __init__(self, board: Leaderboard, ctx: lightbulb.Context) -> None:
        super().__init__(board.t, board.viewer_id, timeout=PAGES_TIMEOUT)
        self.board = board
        self.command = ctx
        self.response_id: hikari.Snowflakeish | None = None
        self.number = 0
        key = int(ctx.interaction.id)
        self.previous = ActionButton(
            self.go_previous,
            label=board.t("economy.leaderboard.previous"),
            custom_id=f"economy:leaderboard:previous:{key}",
        )
        self.next = ActionButton(
            self.go_next,
            label=board.t("economy.leaderboard.next"),
            custom_id=f"economy:leaderboard:next:{key}",
        )
        self.add_item(self.previous)
        self.add_item(self.next)
        self.sync()

    def sync(self) -> None:
        """Disable the buttons that lead off the ends."""
        self.previous.disabled = self.number <= 0
        self.next.disabled = self.number >= self.board.pages - 1

    async def go_previous(self, context: miru.ViewContext) -> None:
        """Show the page before."""
        await self.show(context, self.number - 1)

    async def go_next(self, context: miru.ViewContext) -> None:
        """Show the page after."""
        await self.show(context, self.number + 1)

    async def show(self, context: miru.ViewContext, number: int) -> None:
        """Replace the message's page with page ``number``."""
        embed, self.number = await self.board.page(number)
        self.sync()
        await context.edit_response(embed=embed, components=self)

    async def on_timeout(self) -> None:
        """Take the buttons away (the page stays)."""
        if self.response_id is None:
            return
        # The message was deleted: nothing to take away.
        with contextlib.suppress(hikari.HikariError):
            await self.command.edit_response(self.response_id, components=[])


@loader.command
class LeaderboardCommand(
    lightbulb.SlashCommand,
    name="economy.leaderboard.name",
    description="economy.leaderboard.description",
    localize=True,
    contexts=[hikari.ApplicationContextType.GUILD],
    hooks=[member_cooldown(3, 15)],
):
    """``/leaderboard``: the richest members of this server, in public."""

    @lightbulb.invoke
    async def invoke(
        self,
        ctx: lightbulb.Context,
        db: Database = lightbulb.di.INJECTED,
        components: miru.Client = lightbulb.di.INJECTED,
        t: Translator = lightbulb.di.INJECTED,
        settings: EconomySettings | None = lightbulb.di.INJECTED,
    ) -> None:
        """Show the first page, with buttons when there are more."""
        assert ctx.guild_id is not None
        guild = ctx.interaction.get_guild()
        board = Leaderboard(
            Ledger(db),
            t,
            settings or EconomySettings(),
            guild_id=int(ctx.guild_id),
            guild_name=guild.name if guild is not None else str(ctx.guild_id),
            viewer_id=int(ctx.user.id),
        )
        embed, _ = await board.page(0)
        if board.pages == 1:
            await ctx.respond(embed=embed)
            return
        view = LeaderboardPages(board, ctx)
        view.response_id = await ctx.respond(embed=embed, components=view)
        components.start_view(view)
