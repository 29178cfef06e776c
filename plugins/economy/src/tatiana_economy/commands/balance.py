"""``/balance [member]``: a member's wallet, their place on the leaderboard and their daily reward."""

from __future__ import annotations

from datetime import UTC, datetime

import hikari
import lightbulb

from tatiana import Database, Translator
from tatiana_economy.commands.common import loader, member_cooldown
from tatiana_economy.daily import next_claim_at
from tatiana_economy.formatting import duration
from tatiana_economy.ledger import Ledger
from tatiana_economy.settings import EconomySettings


async def balance_reply(
    ledger: Ledger,
    t: Translator,
    settings: EconomySettings,
    *,
    guild_id: int,
    member: hikari.User,
    asker_id: int,
) -> str:
    """What ``/balance`` answers about ``member``; a wallet never opened holds the starting balance."""
    if member.is_bot:
        return t("economy.balance.bot", member=member.mention)
    wallet = await ledger.wallet(guild_id, int(member.id))
    balance = wallet.balance if wallet is not None else settings.starting_balance
    own = int(member.id) == asker_id
    lines = [
        t("economy.balance.own", amount=settings.amount(balance))
        if own
        else t("economy.balance.other", member=member.mention, amount=settings.amount(balance))
    ]
    rank = await ledger.rank(guild_id, int(member.id))
    if rank is not None:
        lines.append(t("economy.balance.rank", rank=rank))
    if wallet is not None and wallet.daily_streak > 0 and wallet.last_daily is not None:
        lines.append(t("economy.balance.streak", days=wallet.daily_streak))
    if own:
        available_at = next_claim_at(wallet.last_daily if wallet is not None else None)
        now = datetime.now(UTC)
        if available_at is None or available_at <= now:
            lines.append(t("economy.balance.daily_ready"))
        else:
            lines.append(t("economy.balance.daily_wait", wait=duration(available_at - now)))
    return "\n".join(lines)


@loader.command
class Balance(
    lightbulb.SlashCommand,
    name="economy.balance.name",
    description="economy.balance.description",
    localize=True,
    contexts=[hikari.ApplicationContextType.GUILD],
    hooks=[member_cooldown(5, 10)],
):
    """``/balance [member]``: a member's wallet, in this server's currency."""

    member = lightbulb.user(
        "economy.balance.member.name", "economy.balance.member.description", localize=True, default=None
    )

    @lightbulb.invoke
    async def invoke(
        self,
        ctx: lightbulb.Context,
        db: Database = lightbulb.di.INJECTED,
        t: Translator = lightbulb.di.INJECTED,
        settings: EconomySettings | None = lightbulb.di.INJECTED,
    ) -> None:
        """Answer privately with the member's wallet (yours when no member is given)."""
        assert ctx.guild_id is not None
        reply = await balance_reply(
            Ledger(db),
            t,
            settings or EconomySettings(),
            guild_id=int(ctx.guild_id),
            member=self.member or ctx.user,
            asker_id=int(ctx.user.id),
        )
        await ctx.respond(reply, ephemeral=True, user_mentions=False)
