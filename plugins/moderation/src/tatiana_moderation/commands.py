"""The moderation plugin's slash commands."""

import logging

import hikari
import lightbulb

from tatiana import Translator
from tatiana_moderation.settings import ModerationSettings

log = logging.getLogger(__name__)
loader = lightbulb.Loader()

REASON_MAX_LENGTH = 500


async def send_quietly(
    rest: hikari.api.RESTClient, channel: hikari.SnowflakeishOr[hikari.TextableChannel], content: str
) -> bool:
    """Post ``content`` in ``channel`` pinging no one; False when Discord refuses (closed DMs, no access)."""
    try:
        await rest.create_message(
            channel, content, user_mentions=False, role_mentions=False, mentions_everyone=False
        )
    except (hikari.ForbiddenError, hikari.NotFoundError) as exc:
        log.info("could not post in channel %s: %s", channel, exc)
        return False
    return True


async def direct_message(rest: hikari.api.RESTClient, user: hikari.User, content: str) -> bool:
    """Send ``user`` a direct message; False when they do not accept one from the bot."""
    try:
        channel = await rest.create_dm_channel(user)
    except (hikari.ForbiddenError, hikari.NotFoundError) as exc:
        log.info("could not open a DM with %s: %s", user.id, exc)
        return False
    return await send_quietly(rest, channel, content)


@loader.command
class Warn(
    lightbulb.SlashCommand,
    name="moderation.warn.name",
    description="moderation.warn.description",
    localize=True,
    contexts=[hikari.ApplicationContextType.GUILD],
    default_member_permissions=hikari.Permissions.MODERATE_MEMBERS,
):
    """``/warn member reason``: warn a member, tell them by DM and post it in the moderation log."""

    member = lightbulb.user(
        "moderation.warn.member.name", "moderation.warn.member.description", localize=True
    )
    reason = lightbulb.string(
        "moderation.warn.reason.name",
        "moderation.warn.reason.description",
        localize=True,
        min_length=1,
        max_length=REASON_MAX_LENGTH,
    )

    @lightbulb.invoke
    async def invoke(
        self,
        ctx: lightbulb.Context,
        t: Translator = lightbulb.di.INJECTED,
        settings: ModerationSettings | None = lightbulb.di.INJECTED,
    ) -> None:
        """Refuse self and bot targets; otherwise DM the member, log the warning and announce it.

        Everything is said in the server's language: the answers, the DM and the log entry.
        """
        settings = settings or ModerationSettings()
        member, moderator, reason = self.member, ctx.user, self.reason.strip()
        refusal = None
        if member.id == moderator.id:
            refusal = "moderation.warn.self"
        elif member.is_bot:
            refusal = "moderation.warn.bot"
        elif not reason:
            refusal = "moderation.warn.empty_reason"
        if refusal is not None:
            await ctx.respond(t(refusal, member=member.mention), ephemeral=True, user_mentions=False)
            return

        # The DM and the log entry are REST calls of their own: acknowledge first (Discord allows 3 s).
        await ctx.defer(ephemeral=not settings.public_notice)
        problems: list[str] = []
        if settings.dm_on_action:
            guild = ctx.interaction.get_guild()
            dm = t(
                "moderation.warn.dm" if guild is not None else "moderation.warn.dm_unnamed",
                guild=guild.name if guild is not None else "",
                reason=reason,
            )
            if not await direct_message(ctx.client.rest, member, dm):
                problems.append(t("moderation.warn.dm_failed", member=member.mention))
        if settings.mod_log_channel_id is not None:
            entry = t(
                "moderation.warn.log",
                member=member.mention,
                moderator=moderator.mention,
                member_id=member.id,
                reason=reason,
            )
            if not await send_quietly(ctx.client.rest, settings.mod_log_channel_id, entry):
                channel = f"<#{settings.mod_log_channel_id}>"
                problems.append(t("moderation.warn.log_failed", channel=channel))

        if settings.public_notice:
            notice = t("moderation.warn.notice", member=member.mention, reason=reason)
            await ctx.respond(notice, user_mentions=[member], role_mentions=False, mentions_everyone=False)
            if problems:
                await ctx.respond("\n".join(problems), ephemeral=True, user_mentions=False)
        else:
            done = t("moderation.warn.done", member=member.mention, reason=reason)
            await ctx.respond("\n".join([done, *problems]), ephemeral=True, user_mentions=False)
