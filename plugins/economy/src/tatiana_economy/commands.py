"""The economy plugin's slash commands."""

import hikari
import lightbulb

from tatiana import Translator
from tatiana_economy.settings import EconomySettings

loader = lightbulb.Loader()


def balance_reply(t: Translator, settings: EconomySettings, member: hikari.User) -> str:
    """What ``/balance`` answers about ``member``: wallets are not stored yet, so the currency rules."""
    if member.is_bot:
        return t("economy.balance.bot", member=member.mention)
    best_daily = settings.daily_amount + settings.daily_streak_bonus * settings.daily_streak_max_days
    return "\n".join(
        (
            t("economy.balance.unavailable", member=member.mention),
            t(
                "economy.balance.rules",
                currency=settings.currency_name,
                symbol=settings.currency_symbol,
                starting=settings.amount(settings.starting_balance),
                daily=settings.amount(settings.daily_amount),
                bonus=settings.amount(settings.daily_streak_bonus),
                days=settings.daily_streak_max_days,
                best=settings.amount(best_daily),
            ),
        )
    )


@loader.command
class Balance(
    lightbulb.SlashCommand,
    name="economy.balance.name",
    description="economy.balance.description",
    localize=True,
    contexts=[hikari.ApplicationContextType.GUILD],
):
    """``/balance [member]``: a member's wallet, in this server's currency."""

    member = lightbulb.user(
        "economy.balance.member.name", "economy.balance.member.description", localize=True, default=None
    )

    @lightbulb.invoke
    async def invoke(
        self,
        ctx: lightbulb.Context,
        t: Translator = lightbulb.di.INJECTED,
        settings: EconomySettings | None = lightbulb.di.INJECTED,
    ) -> None:
        """Answer privately, in the server's language, with the member's wallet (yours when no member is given)."""
        reply = balance_reply(t, settings or EconomySettings(), self.member or ctx.user)
        await ctx.respond(reply, ephemeral=True, user_mentions=False)
