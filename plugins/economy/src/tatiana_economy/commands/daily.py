"""``/daily``: claim the daily reward, growing with each consecutive day."""

from __future__ import annotations

from datetime import UTC, datetime

import hikari
import lightbulb

from tatiana import Database, Translator
from tatiana_economy.commands.common import guild_profile, loader, refusal, with_wallets
from tatiana_economy.daily import DailyRule
from tatiana_economy.errors import EconomyError
from tatiana_economy.formatting import duration
from tatiana_economy.ledger import DailyClaim, Ledger
from tatiana_economy.settings import EconomySettings


def rule_of(settings: EconomySettings) -> DailyRule:
    """The guild's daily reward rule."""
    return DailyRule(settings.daily_amount, settings.daily_streak_bonus, settings.daily_streak_max_days)


def claim_reply(t: Translator, settings: EconomySettings, member: hikari.User, claim: DailyClaim) -> str:
    """What ``/daily`` answers for a reward paid."""
    rule = rule_of(settings)
    lines = [t("economy.daily.claimed", member=member.mention, amount=settings.amount(claim.amount))]
    bonus = claim.amount - rule.amount
    if claim.streak > 1:
        lines.append(t("economy.daily.streak", days=claim.streak, bonus=settings.amount(bonus)))
    lines.append(
        t(
            "economy.daily.balance",
            balance=settings.amount(claim.entry.balance_after),
            wait=duration(claim.next_claim_at - datetime.now(UTC)),
        )
    )
    return "\n".join(lines)


@loader.command
class Daily(
    lightbulb.SlashCommand,
    name="economy.daily.name",
    description="economy.daily.description",
    localize=True,
    contexts=[hikari.ApplicationContextType.GUILD],
):
    """``/daily``: the daily reward, once every 24 hours; the database, not a cooldown, keeps it to one."""

    @lightbulb.invoke
    async def invoke(
        self,
        ctx: lightbulb.Context,
        db: Database = lightbulb.di.INJECTED,
        t: Translator = lightbulb.di.INJECTED,
        settings: EconomySettings | None = lightbulb.di.INJECTED,
    ) -> None:
        """Pay the reward and say so in public; say privately when the next one is due."""
        settings = settings or EconomySettings()
        assert ctx.guild_id is not None
        ledger, guild_id, user_id = Ledger(db), int(ctx.guild_id), int(ctx.user.id)

        async def claim() -> DailyClaim:
            now = datetime.now(UTC)
            return await ledger.claim_daily(
                guild_id, user_id, rule_of(settings), now=now, key=int(ctx.interaction.id)
            )

        try:
            paid = await with_wallets(ledger, guild_profile(ctx.interaction), [ctx.user], settings, claim)
        except EconomyError as error:
            await ctx.respond(refusal(t, settings, error), ephemeral=True, user_mentions=False)
            return
        await ctx.respond(claim_reply(t, settings, ctx.user, paid), user_mentions=False)
