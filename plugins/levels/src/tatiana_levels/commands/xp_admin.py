"""``/xp set|add|reset``: managers change a member's XP; the member's reward roles follow the new level."""

from __future__ import annotations

import hikari
import lightbulb

from tatiana import Counters, Database, Translator
from tatiana_levels.curve import level_for_xp
from tatiana_levels.rewards import apply_rewards
from tatiana_levels.settings import LevelsSettings
from tatiana_levels.xp import change_member_xp

MAX_XP = 100_000_000

xp_group = lightbulb.Group(
    "levels.xp.name",
    "levels.xp.description",
    localize=True,
    contexts=[hikari.ApplicationContextType.GUILD],
    default_member_permissions=hikari.Permissions.MANAGE_GUILD,
)


async def _refusal(ctx: lightbulb.Context, t: Translator, member: hikari.User) -> str | None:
    """Why the change cannot be made, or None."""
    # Discord hides the command from members without the permission, unless the server overrode it.
    if ctx.member is None or not ctx.member.permissions & (
        hikari.Permissions.MANAGE_GUILD | hikari.Permissions.ADMINISTRATOR
    ):
        return t("levels.xp.no_permission")
    if member.is_bot:
        return t("levels.errors.bot", member=member.mention)
    if not isinstance(member, hikari.Member):
        return t("levels.errors.not_member", member=member.mention)
    return None


async def _change(
    ctx: lightbulb.Context,
    t: Translator,
    *,
    db: Database,
    counters: Counters,
    settings: LevelsSettings,
    member: hikari.User,
    set_to: int | None = None,
    add: int = 0,
) -> tuple[int, int] | None:
    """Apply the change and sync the reward roles; ``(xp, level)`` after it, or None when refused."""
    refusal = await _refusal(ctx, t, member)
    if refusal is not None or not isinstance(member, hikari.Member):
        await ctx.respond(refusal, ephemeral=True, user_mentions=False)
        return None
    guild_id = int(member.guild_id)
    xp = await change_member_xp(db, counters, guild_id, int(member.id), set_to=set_to, add=add)
    level = level_for_xp(xp)
    reason = t("levels.xp.reason", moderator=ctx.user.username, level=level)
    await apply_rewards(
        ctx.client.rest,
        guild_id=guild_id,
        user_id=int(member.id),
        current=[int(r) for r in member.role_ids],
        settings=settings,
        level=level,
        sync=True,
        reason=reason,
    )
    return xp, level


@xp_group.register
class XpSet(
    lightbulb.SlashCommand,
    name="levels.xp.set.name",
    description="levels.xp.set.description",
    localize=True,
):
    """``/xp set member amount``: a member's XP becomes ``amount``."""

    member = lightbulb.user("levels.xp.member.name", "levels.xp.member.description", localize=True)
    amount = lightbulb.integer(
        "levels.xp.amount.name",
        "levels.xp.set.amount_description",
        localize=True,
        min_value=0,
        max_value=MAX_XP,
    )

    @lightbulb.invoke
    async def invoke(
        self,
        ctx: lightbulb.Context,
        settings: LevelsSettings = lightbulb.di.INJECTED,
        t: Translator = lightbulb.di.INJECTED,
        db: Database = lightbulb.di.INJECTED,
        counters: Counters = lightbulb.di.INJECTED,
    ) -> None:
        """Set the XP and answer with the member's new level."""
        done = await _change(
            ctx, t, db=db, counters=counters, settings=settings, member=self.member, set_to=self.amount
        )
        if done is not None:
            xp, level = done
            text = t("levels.xp.done_set", member=self.member.mention, xp=f"{xp:,}", level=level)
            await ctx.respond(text, ephemeral=True, user_mentions=False)


@xp_group.register
class XpAdd(
    lightbulb.SlashCommand,
    name="levels.xp.add.name",
    description="levels.xp.add.description",
    localize=True,
):
    """``/xp add member amount``: add (or, negative, take) XP."""

    member = lightbulb.user("levels.xp.member.name", "levels.xp.member.description", localize=True)
    amount = lightbulb.integer(
        "levels.xp.amount.name",
        "levels.xp.add.amount_description",
        localize=True,
        min_value=-MAX_XP,
        max_value=MAX_XP,
    )

    @lightbulb.invoke
    async def invoke(
        self,
        ctx: lightbulb.Context,
        settings: LevelsSettings = lightbulb.di.INJECTED,
        t: Translator = lightbulb.di.INJECTED,
        db: Database = lightbulb.di.INJECTED,
        counters: Counters = lightbulb.di.INJECTED,
    ) -> None:
        """Change the XP (never below 0) and answer with the member's new level."""
        done = await _change(
            ctx, t, db=db, counters=counters, settings=settings, member=self.member, add=self.amount
        )
        if done is not None:
            xp, level = done
            text = t(
                "levels.xp.done_add",
                member=self.member.mention,
                amount=f"{self.amount:+,}",
                xp=f"{xp:,}",
                level=level,
            )
            await ctx.respond(text, ephemeral=True, user_mentions=False)


@xp_group.register
class XpReset(
    lightbulb.SlashCommand,
    name="levels.xp.reset.name",
    description="levels.xp.reset.description",
    localize=True,
):
    """``/xp reset member``: a member's XP goes back to 0."""

    member = lightbulb.user("levels.xp.member.name", "levels.xp.member.description", localize=True)

    @lightbulb.invoke
    async def invoke(
        self,
        ctx: lightbulb.Context,
        settings: LevelsSettings = lightbulb.di.INJECTED,
        t: Translator = lightbulb.di.INJECTED,
        db: Database = lightbulb.di.INJECTED,
        counters: Counters = lightbulb.di.INJECTED,
    ) -> None:
        """Reset the XP and answer."""
        done = await _change(
            ctx, t, db=db, counters=counters, settings=settings, member=self.member, set_to=0
        )
        if done is not None:
            await ctx.respond(
                t("levels.xp.done_reset", member=self.member.mention), ephemeral=True, user_mentions=False
            )
