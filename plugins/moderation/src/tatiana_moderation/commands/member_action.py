"""One moderation action on a member, from the checks to the answer: what ``/warn``, ``/timeout``,
``/untimeout``, ``/kick`` and ``/ban`` share."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import hikari
import lightbulb
from sqlalchemy.ext.asyncio import AsyncSession

from tatiana import Database, Translator
from tatiana_moderation.cases import Action, Case, Source
from tatiana_moderation.commands.common import (
    announce,
    audit_reason,
    check_action,
    guild_ref,
    is_member,
    record,
    refuse,
)
from tatiana_moderation.durations import format_duration
from tatiana_moderation.reporting import direct_message, dm_text
from tatiana_moderation.reports.appeals import appeal_button
from tatiana_moderation.settings import ModerationSettings

DiscordCall = Callable[[str, datetime | None], Awaitable[object]]
"""The action done through Discord, given the audit log's reason and when the action ends (None: it does not)."""

MemberRefusal = Callable[[hikari.InteractionMember], str | None]
"""Why the command may not act on this member as the interaction resolved them, or None."""


@lightbulb.di.with_di
async def act_on_member(
    ctx: lightbulb.Context,
    t: Translator,
    *,
    action: Action,
    target: hikari.User,
    reason: str | None,
    bot_needs: hikari.Permissions,
    done: str,
    discord: DiscordCall | None = None,
    duration: timedelta | None = None,
    removes_member: bool = False,
    must_be_member: bool = True,
    member_refusal: MemberRefusal | None = None,
    then: Callable[[AsyncSession, Case], Awaitable[None]] | None = None,
    recorded: Callable[[Case], Awaitable[None]] | None = None,
    db: Database = lightbulb.di.INJECTED,
    settings: ModerationSettings | None = lightbulb.di.INJECTED,
) -> None:
    """Check the target, act through Discord, record the case, post it, tell the member and answer.

    A refusal (the bot's permissions, the hierarchy, membership) is told only to the moderator. ``done`` is
    the key of the answer's text, filled in with the member, the case's number, the reason and the duration.
    ``removes_member``: the member is told before the action, since afterwards they share no server with
    the bot. ``then`` runs in the case's transaction, ``recorded`` once the case is stored.
    """
    settings = settings or ModerationSettings()
    problem = await check_action(ctx, t, target, bot_needs)
    if problem is None and must_be_member:
        problem = _membership_refusal(ctx, t, target, member_refusal)
    if problem is not None:
        await refuse(ctx, problem)
        return
    await ctx.defer(ephemeral=not settings.public_notice)
    told: list[str] = []
    if removes_member and is_member(ctx, target):
        told = await _tell_before_removal(ctx, t, settings, _preview(ctx, action, target, reason, duration))
    ends_at = datetime.now(UTC) + duration if duration is not None else None
    if discord is not None:
        try:
            await discord(audit_reason(ctx.user, reason), ends_at)
        except hikari.ForbiddenError:
            await refused_by_discord(ctx, t, target)
            return
    case, problems = await record(
        ctx,
        db,
        t,
        settings,
        action=action,
        target=target,
        reason=reason,
        duration=duration,
        expires_at=ends_at,
        dm=not removes_member,
        then=then,
    )
    if recorded is not None:
        await recorded(case)
    text = _notice(t, done, target=target, number=case.number, reason=reason, duration=duration)
    await announce(ctx, settings, text, told + problems, target)


async def refused_by_discord(ctx: lightbulb.Context, t: Translator, target: hikari.User) -> None:
    """Tell the moderator that Discord refused the action (a permission or the role order the bot lacks)."""
    await ctx.respond(t("moderation.errors.discord_refused", member=target.mention), user_mentions=False)


def _notice(
    t: Translator,
    key: str,
    *,
    target: hikari.User,
    number: int,
    reason: str | None,
    duration: timedelta | None,
) -> str:
    """The answer's text ``key``, filled in; a text leaves out the values it does not show (no duration)."""
    values: dict[str, object] = {
        "member": target.mention,
        "number": number,
        "reason": reason or t("moderation.embed.no_reason"),
    }
    if duration is not None:
        values["duration"] = format_duration(duration)
    return t(key, **values)


def _membership_refusal(
    ctx: lightbulb.Context, t: Translator, target: hikari.User, member_refusal: MemberRefusal | None
) -> str | None:
    resolved = ctx.interaction.resolved
    if resolved is None or target.id not in resolved.members:
        return t("moderation.errors.not_member", member=target.mention)
    if member_refusal is None:
        return None
    return member_refusal(resolved.members[target.id])


async def _tell_before_removal(
    ctx: lightbulb.Context, t: Translator, settings: ModerationSettings, preview: Case
) -> list[str]:
    """DM the member before a kick or ban: afterwards they share no server with the bot."""
    if not settings.dm_on_action:
        return []
    appeal = []
    if preview.action is Action.BAN and settings.reports.takes_appeals:
        appeal = [appeal_button(preview.guild_id, t)]
    text = dm_text(preview, t, guild_ref(ctx).name)
    if await direct_message(ctx.client.rest, preview.member_id, text, appeal):
        return []
    return [t("moderation.errors.dm_failed", member=f"<@{preview.user_id}>")]


def _preview(
    ctx: lightbulb.Context,
    action: Action,
    target: hikari.User,
    reason: str | None,
    duration: timedelta | None,
) -> Case:
    """The case as it will be, for the DM sent before it is recorded."""
    now = datetime.now(UTC)
    return Case(
        id=0,
        guild_id=int(ctx.guild_id or 0),
        number=0,
        user_id=int(target.id),
        moderator_id=int(ctx.user.id),
        action=action,
        reason=reason,
        duration=duration,
        created_at=now,
        expires_at=now + duration if duration is not None else None,
        source=Source.COMMAND,
        channel_id=int(ctx.channel_id),
        log_message_id=None,
    )
