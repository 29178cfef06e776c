"""The levels plugin's slash commands."""

import hikari
import lightbulb

from tatiana import Translator
from tatiana_levels.curve import total_xp_for_level
from tatiana_levels.settings import LevelsSettings

loader = lightbulb.Loader()

MILESTONES = (1, 5, 10, 25)


def rank_reply(t: Translator, settings: LevelsSettings, member: hikari.User) -> str:
    """What ``/rank`` answers about ``member``: XP is not stored yet, so how XP is earned on this server."""
    if member.is_bot:
        return t("levels.rank.bot", member=member.mention)
    earning = t(
        "levels.rank.earning_every_message" if settings.cooldown_seconds == 0 else "levels.rank.earning",
        min=settings.xp_min,
        max=settings.xp_max,
        seconds=settings.cooldown_seconds,
    )
    milestones = ", ".join(
        t("levels.rank.milestone", level=level, xp=total_xp_for_level(level)) for level in MILESTONES
    )
    return "\n".join(
        (
            t("levels.rank.unavailable", member=member.mention),
            earning,
            t("levels.rank.milestones", milestones=milestones),
        )
    )


@loader.command
class Rank(
    lightbulb.SlashCommand,
    name="levels.rank.name",
    description="levels.rank.description",
    localize=True,
    contexts=[hikari.ApplicationContextType.GUILD],
):
    """``/rank [member]``: a member's level and XP in this server."""

    member = lightbulb.user(
        "levels.rank.member.name", "levels.rank.member.description", localize=True, default=None
    )

    @lightbulb.invoke
    async def invoke(
        self,
        ctx: lightbulb.Context,
        t: Translator = lightbulb.di.INJECTED,
        settings: LevelsSettings | None = lightbulb.di.INJECTED,
    ) -> None:
        """Answer privately, in the server's language, with the member's rank (yours when no member is given)."""
        reply = rank_reply(t, settings or LevelsSettings(), self.member or ctx.user)
        await ctx.respond(reply, ephemeral=True, user_mentions=False)
