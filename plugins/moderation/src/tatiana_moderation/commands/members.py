"""Actions on a member: ``/warn``, ``/timeout``, ``/untimeout``, ``/kick``, ``/ban`` and ``/unban``."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import hikari
import lightbulb
from sqlalchemy.ext.asyncio import AsyncSession

from tatiana import Database, Tasks, Translator
from tatiana_moderation import runner, schedule
from tatiana_moderation.cases import Action, Case, close_active
from tatiana_moderation.commands.common import (
    REASON_MAX_LENGTH,
    announce,
    audit_reason,
    clean_reason,
    loader,
    missing_permissions,
    permission_names,
    record,
    refuse,
)
from tatiana_moderation.commands.member_action import act_on_member, refused_by_discord
from tatiana_moderation.durations import MAX_TIMEOUT, InvalidDuration, format_duration, parse_duration
from tatiana_moderation.settings import ModerationSettings

log = logging.getLogger(__name__)

MAX_DELETE_MESSAGES = timedelta(days=7)
"""Discord deletes at most the last 7 days of a banned user's messages."""

P = hikari.Permissions
GUILD_ONLY = [hikari.ApplicationContextType.GUILD]


def _member_option() -> hikari.User:
    return lightbulb.user(
        "moderation.options.member.name", "moderation.options.member.description", localize=True
    )


def _reason_option() -> str | None:
    return lightbulb.string(
        "moderation.options.reason.name",
        "moderation.options.reason.description",
        localize=True,
        min_length=1,
        max_length=REASON_MAX_LENGTH,
        default=None,
    )


def _duration_error(t: Translator, error: InvalidDuration) -> str:
    if error.limit is not None:
        return t(
            "moderation.errors.duration_too_long", duration=error.text, limit=format_duration(error.limit)
        )
    return t("moderation.errors.duration", duration=error.text)


def _reason_text(t: Translator, reason: str | None) -> str:
    return reason or t("moderation.embed.no_reason")


@loader.command
class Warn(
    lightbulb.SlashCommand,
    name="moderation.warn.name",
    description="moderation.warn.description",
    localize=True,
    contexts=GUILD_ONLY,
    default_member_permissions=P.MODERATE_MEMBERS,
):
    """``/warn member reason``: warn a member, tell them by DM and post the case in the moderation log."""

    member = _member_option()
    reason = lightbulb.string(
        "moderation.options.reason.name",
        "moderation.warn.reason",
        localize=True,
        min_length=1,
        max_length=REASON_MAX_LENGTH,
    )

    @lightbulb.invoke
    async def invoke(self, ctx: lightbulb.Context, t: Translator = lightbulb.di.INJECTED) -> None:
        """Refuse bots and the usual hierarchy; otherwise open a warning case, told and logged."""
        member, reason = self.member, clean_reason(self.reason)
        if member.is_bot:
            await refuse(ctx, t("moderation.refusals.any_bot", member=member.mention))
            return
        if reason is None:
            await refuse(ctx, t("moderation.errors.empty_reason"))
            return
        await act_on_member(
            ctx,
            t,
            action=Action.WARN,
            target=member,
            reason=reason,
            bot_needs=P.NONE,
            done="moderation.warn.done",
        )


@loader.command
class Timeout(
    lightbulb.SlashCommand,
    name="moderation.timeout.name",
    description="moderation.timeout.description",
    localize=True,
    contexts=GUILD_ONLY,
    default_member_permissions=P.MODERATE_MEMBERS,
):
    """``/timeout member duration [reason]``: keep a member from talking for up to 28 days."""

    member = _member_option()
    duration = lightbulb.string(
        "moderation.options.duration.name", "moderation.timeout.duration", localize=True, max_length=32
    )
    reason = _reason_option()

    @lightbulb.invoke
    async def invoke(self, ctx: lightbulb.Context, t: Translator = lightbulb.di.INJECTED) -> None:
        """Check, set ``communication_disabled_until``, open the case."""
        member, reason = self.member, clean_reason(self.reason)
        try:
            duration = parse_duration(self.duration, limit=MAX_TIMEOUT)
        except InvalidDuration as error:
            await refuse(ctx, _duration_error(t, error))
            return

        async def silence(audit: str, until: datetime | None) -> None:
            await ctx.client.rest.edit_member(
                ctx.guild_id or 0, member, communication_disabled_until=until, reason=audit
            )

        await act_on_member(
            ctx,
            t,
            action=Action.TIMEOUT,
            target=member,
            reason=reason,
            bot_needs=P.MODERATE_MEMBERS,
            discord=silence,
            duration=duration,
            done="moderation.timeout.done",
        )


@loader.command
class Untimeout(
    lightbulb.SlashCommand,
    name="moderation.untimeout.name",
    description="moderation.untimeout.description",
    localize=True,
    contexts=GUILD_ONLY,
    default_member_permissions=P.MODERATE_MEMBERS,
):
    """``/untimeout member [reason]``: let a timed-out member talk again."""

    member = _member_option()
    reason = _reason_option()

    @lightbulb.invoke
    async def invoke(
        self,
        ctx: lightbulb.Context,
        t: Translator = lightbulb.di.INJECTED,
        db: Database = lightbulb.di.INJECTED,
    ) -> None:
        """Check, clear ``communication_disabled_until``, close the timeout and open the case."""
        member, reason = self.member, clean_reason(self.reason)

        def not_timed_out(resolved: hikari.InteractionMember) -> str | None:
            until = resolved.communication_disabled_until()
            if until is None or until <= datetime.now(UTC):
                return t("moderation.untimeout.not_timed_out", member=member.mention)
            return None

        async def lift(audit: str, _ends_at: datetime | None) -> None:
            await ctx.client.rest.edit_member(
                ctx.guild_id or 0, member, communication_disabled_until=None, reason=audit
            )
            await close_active(db, int(ctx.guild_id or 0), int(member.id), Action.TIMEOUT)

        await act_on_member(
            ctx,
            t,
            action=Action.UNTIMEOUT,
            target=member,
            reason=reason,
            bot_needs=P.MODERATE_MEMBERS,
            member_refusal=not_timed_out,
            discord=lift,
            done="moderation.untimeout.done",
        )


@loader.command
class Kick(
    lightbulb.SlashCommand,
    name="moderation.kick.name",
    description="moderation.kick.description",
    localize=True,
    contexts=GUILD_ONLY,
    default_member_permissions=P.KICK_MEMBERS,
):
    """``/kick member [reason]``: remove a member from the server (they may join again)."""

    member = _member_option()
    reason = _reason_option()

    @lightbulb.invoke
    async def invoke(self, ctx: lightbulb.Context, t: Translator = lightbulb.di.INJECTED) -> None:
        """Check, DM, kick, open the case."""
        member, reason = self.member, clean_reason(self.reason)

        async def kick(audit: str, _ends_at: datetime | None) -> None:
            await ctx.client.rest.kick_user(ctx.guild_id or 0, member, reason=audit)

        await act_on_member(
            ctx,
            t,
            action=Action.KICK,
            target=member,
            reason=reason,
            bot_needs=P.KICK_MEMBERS,
            discord=kick,
            removes_member=True,
            done="moderation.kick.done",
        )


@loader.command
class Ban(
    lightbulb.SlashCommand,
    name="moderation.ban.name",
    description="moderation.ban.description",
    localize=True,
    contexts=GUILD_ONLY,
    default_member_permissions=P.BAN_MEMBERS,
):
    """``/ban member [duration] [delete_messages] [reason]``: ban a user, for good or until the duration ends."""

    member = _member_option()
    duration = lightbulb.string(
        "moderation.options.duration.name",
        "moderation.ban.duration",
        localize=True,
        max_length=32,
        default=None,
    )
    delete_messages = lightbulb.string(
        "moderation.ban.delete_messages.name",
        "moderation.ban.delete_messages.description",
        localize=True,
        max_length=32,
        default=None,
    )
    reason = _reason_option()

    @lightbulb.invoke
    async def invoke(
        self,
        ctx: lightbulb.Context,
        t: Translator = lightbulb.di.INJECTED,
        tasks: Tasks = lightbulb.di.INJECTED,
    ) -> None:
        """Check, DM, ban, open the case; a temporary ban schedules its unban in the same transaction."""
        member, reason = self.member, clean_reason(self.reason)
        try:
            duration = parse_duration(self.duration) if self.duration else None
            wipe = (
                parse_duration(self.delete_messages, limit=MAX_DELETE_MESSAGES)
                if self.delete_messages
                else None
            )
        except InvalidDuration as error:
            await refuse(ctx, _duration_error(t, error))
            return

        async def ban(audit: str, _ends_at: datetime | None) -> None:
            await ctx.client.rest.ban_user(
                ctx.guild_id or 0,
                member,
                delete_message_seconds=int(wipe.total_seconds()) if wipe else hikari.UNDEFINED,
                reason=audit,
            )

        async def plan_unban(session: AsyncSession, case: Case) -> None:
            if case.expires_at is None:
                await schedule.cancel_in(session, case.guild_id, case.member_id, "unban")
                return
            await schedule.schedule(
                session,
                guild_id=case.guild_id,
                user_id=case.member_id,
                action="unban",
                due_at=case.expires_at,
                case_id=case.id,
            )

        async def wake_runner(case: Case) -> None:
            # On time; the periodic run is the safety net.
            if case.expires_at is not None:
                await tasks.run_at(case.expires_at, runner.TASK)

        await act_on_member(
            ctx,
            t,
            action=Action.BAN,
            target=member,
            reason=reason,
            bot_needs=P.BAN_MEMBERS,
            discord=ban,
            duration=duration,
            removes_member=True,
            must_be_member=False,
            then=plan_unban,
            recorded=wake_runner,
            done="moderation.ban.done" if duration is None else "moderation.ban.done_temporary",
        )


@loader.command
class Unban(
    lightbulb.SlashCommand,
    name="moderation.unban.name",
    description="moderation.unban.description",
    localize=True,
    contexts=GUILD_ONLY,
    default_member_permissions=P.BAN_MEMBERS,
):
    """``/unban user [reason]``: lift a ban (and the unban a temporary ban had scheduled)."""

    member = lightbulb.user("moderation.unban.user.name", "moderation.unban.user.description", localize=True)
    reason = _reason_option()

    @lightbulb.invoke
    async def invoke(
        self,
        ctx: lightbulb.Context,
        db: Database = lightbulb.di.INJECTED,
        t: Translator = lightbulb.di.INJECTED,
        settings: ModerationSettings | None = lightbulb.di.INJECTED,
    ) -> None:
        """Lift the ban, close the ban's case and its schedule, open the unban case."""
        settings = settings or ModerationSettings()
        user, reason = self.member, clean_reason(self.reason)
        lacking = missing_permissions(ctx, P.BAN_MEMBERS)
        if lacking:
            await refuse(ctx, t("moderation.errors.bot_missing", permissions=permission_names(t, lacking)))
            return
        await ctx.defer(ephemeral=not settings.public_notice)
        guild_id = int(ctx.guild_id or 0)
        try:
            await ctx.client.rest.unban_user(guild_id, user, reason=audit_reason(ctx.user, reason))
        except hikari.NotFoundError:
            await ctx.respond(t("moderation.unban.not_banned", member=user.mention), user_mentions=False)
            return
        except hikari.ForbiddenError:
            await refused_by_discord(ctx, t, user)
            return
        await close_active(db, guild_id, int(user.id), Action.BAN)
        await schedule.cancel(db, guild_id, int(user.id), "unban")
        case, problems = await record(ctx, db, t, settings, action=Action.UNBAN, target=user, reason=reason)
        text = t(
            "moderation.unban.done", member=user.mention, number=case.number, reason=_reason_text(t, reason)
        )
        await announce(ctx, settings, text, problems, user)
