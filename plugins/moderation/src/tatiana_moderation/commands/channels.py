"""Actions on a channel: ``/purge``, ``/slowmode``, ``/lock`` and ``/unlock``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import hikari
import lightbulb

from tatiana import Translator
from tatiana_moderation.cases import Action
from tatiana_moderation.commands.common import (
    audit_reason,
    loader,
    missing_permissions,
    permission_names,
    record_channel,
    refuse,
)
from tatiana_moderation.durations import InvalidDuration, format_duration, parse_duration

P = hikari.Permissions
GUILD_ONLY = [hikari.ApplicationContextType.GUILD]
PURGE_MAX = 100
BULK_DELETE_AGE = timedelta(days=14)
"""Discord bulk-deletes only messages younger than two weeks."""
SLOWMODE_MAX = timedelta(hours=6)
OFF = frozenset({"0", "off", "no", "desactivar", "ninguno"})
TEXT_CHANNELS = [hikari.ChannelType.GUILD_TEXT, hikari.ChannelType.GUILD_NEWS]


async def _lacks(ctx: lightbulb.Context, t: Translator, needed: hikari.Permissions) -> bool:
    lacking = missing_permissions(ctx, needed)
    if lacking:
        await refuse(ctx, t("moderation.errors.bot_missing", permissions=permission_names(t, lacking)))
    return bool(lacking)


def _channel_option() -> hikari.PartialChannel | None:
    return lightbulb.channel(
        "moderation.options.channel.name",
        "moderation.options.channel.description",
        localize=True,
        channel_types=TEXT_CHANNELS,
        default=None,
    )


@loader.command
class Purge(
    lightbulb.SlashCommand,
    name="moderation.purge.name",
    description="moderation.purge.description",
    localize=True,
    contexts=GUILD_ONLY,
    default_member_permissions=P.MANAGE_MESSAGES,
):
    """``/purge count [member]``: delete the channel's last messages (of one member), up to 100."""

    count = lightbulb.integer(
        "moderation.purge.count.name",
        "moderation.purge.count.description",
        localize=True,
        min_value=1,
        max_value=PURGE_MAX,
    )
    member = lightbulb.user(
        "moderation.options.member.name", "moderation.purge.member", localize=True, default=None
    )

    @lightbulb.invoke
    async def invoke(self, ctx: lightbulb.Context, t: Translator = lightbulb.di.INJECTED) -> None:
        """Read back through the channel, pick the messages, delete those Discord still lets delete in bulk."""
        if await _lacks(ctx, t, P.MANAGE_MESSAGES | P.READ_MESSAGE_HISTORY | P.VIEW_CHANNEL):
            return
        await ctx.defer(ephemeral=True)
        oldest = datetime.now(UTC) - BULK_DELETE_AGE
        chosen: list[hikari.Snowflake] = []
        too_old = 0
        scanned = 0
        async for message in ctx.client.rest.fetch_messages(ctx.channel_id):
            scanned += 1
            if scanned > PURGE_MAX * 5 or len(chosen) + too_old >= self.count:
                break
            if self.member is not None and message.author.id != self.member.id:
                continue
            if message.created_at < oldest:
                too_old += 1
                continue
            chosen.append(message.id)
        if chosen:
            await ctx.client.rest.delete_messages(ctx.channel_id, chosen, reason=audit_reason(ctx.user, None))
        lines = [t("moderation.purge.done", count=len(chosen))]
        if too_old:
            lines.append(t("moderation.purge.too_old", count=too_old))
        if chosen:
            whose = self.member.mention if self.member is not None else None
            key = "moderation.purge.case_of" if whose else "moderation.purge.case"
            lines += await record_channel(
                ctx,
                t,
                action=Action.PURGE,
                channel_id=int(ctx.channel_id),
                reason=t(key, count=len(chosen), member=whose or ""),
            )
        await ctx.respond("\n".join(lines))


@loader.command
class Slowmode(
    lightbulb.SlashCommand,
    name="moderation.slowmode.name",
    description="moderation.slowmode.description",
    localize=True,
    contexts=GUILD_ONLY,
    default_member_permissions=P.MANAGE_CHANNELS,
):
    """``/slowmode delay [channel]``: members wait ``delay`` between messages (``off`` or 0 ends it)."""

    delay = lightbulb.string(
        "moderation.slowmode.delay.name",
        "moderation.slowmode.delay.description",
        localize=True,
        max_length=32,
    )
    channel = _channel_option()

    @lightbulb.invoke
    async def invoke(self, ctx: lightbulb.Context, t: Translator = lightbulb.di.INJECTED) -> None:
        """Set the channel's ``rate_limit_per_user``."""
        text = self.delay.strip().lower()
        try:
            delay = timedelta(0) if text in OFF else parse_duration(text, limit=SLOWMODE_MAX)
        except InvalidDuration as error:
            key = "moderation.errors.duration_too_long" if error.limit else "moderation.errors.duration"
            await refuse(ctx, t(key, duration=error.text, limit=format_duration(SLOWMODE_MAX)))
            return
        if await _lacks(ctx, t, P.MANAGE_CHANNELS):
            return
        channel_id = self.channel.id if self.channel is not None else ctx.channel_id
        try:
            await ctx.client.rest.edit_channel(
                channel_id, rate_limit_per_user=delay, reason=audit_reason(ctx.user, None)
            )
        except hikari.ForbiddenError:
            await refuse(ctx, t("moderation.errors.channel_refused", channel=f"<#{channel_id}>"))
            return
        if delay:
            answer = t("moderation.slowmode.on", channel=f"<#{channel_id}>", delay=format_duration(delay))
        else:
            answer = t("moderation.slowmode.off", channel=f"<#{channel_id}>")
        problems = await record_channel(
            ctx,
            t,
            action=Action.SLOWMODE,
            channel_id=int(channel_id),
            reason=None if delay else t("moderation.slowmode.case_off"),
            duration=delay or None,
        )
        await ctx.respond("\n".join([answer, *problems]))


async def _set_everyone_send(ctx: lightbulb.Context, t: Translator, channel_id: int, *, locked: bool) -> None:
    """Deny (or stop denying) @everyone's SEND_MESSAGES in the channel, keeping its other overwrites."""
    if await _lacks(ctx, t, P.MANAGE_ROLES | P.MANAGE_CHANNELS):
        return
    guild_id = int(ctx.guild_id or 0)
    rest = ctx.client.rest
    channel = await rest.fetch_channel(channel_id)
    if not isinstance(channel, hikari.PermissibleGuildChannel):
        await refuse(ctx, t("moderation.errors.channel_refused", channel=f"<#{channel_id}>"))
        return
    current = channel.permission_overwrites.get(hikari.Snowflake(guild_id))
    allow = current.allow if current is not None else P.NONE
    deny = current.deny if current is not None else P.NONE
    sending = P.SEND_MESSAGES
    if locked == bool(deny & sending):
        key = "moderation.lock.already" if locked else "moderation.unlock.already"
        await refuse(ctx, t(key, channel=f"<#{channel_id}>"))
        return
    try:
        if locked:
            await rest.edit_permission_overwrite(
                channel_id,
                guild_id,
                target_type=hikari.PermissionOverwriteType.ROLE,
                allow=allow & ~sending,
                deny=deny | sending,
                reason=audit_reason(ctx.user, None),
            )
        elif allow or deny & ~sending:
            await rest.edit_permission_overwrite(
                channel_id,
                guild_id,
                target_type=hikari.PermissionOverwriteType.ROLE,
                allow=allow,
                deny=deny & ~sending,
                reason=audit_reason(ctx.user, None),
            )
        else:
            await rest.delete_permission_overwrite(channel_id, guild_id)
    except hikari.ForbiddenError:
        await refuse(ctx, t("moderation.errors.channel_refused", channel=f"<#{channel_id}>"))
        return
    problems = await record_channel(
        ctx, t, action=Action.LOCK if locked else Action.UNLOCK, channel_id=channel_id
    )
    done = t("moderation.lock.done" if locked else "moderation.unlock.done", channel=f"<#{channel_id}>")
    await ctx.respond("\n".join([done, *problems]))


@loader.command
class Lock(
    lightbulb.SlashCommand,
    name="moderation.lock.name",
    description="moderation.lock.description",
    localize=True,
    contexts=GUILD_ONLY,
    default_member_permissions=P.MANAGE_CHANNELS,
):
    """``/lock [channel]``: members can no longer send messages in the channel."""

    channel = _channel_option()

    @lightbulb.invoke
    async def invoke(self, ctx: lightbulb.Context, t: Translator = lightbulb.di.INJECTED) -> None:
        """Deny @everyone's SEND_MESSAGES."""
        channel_id = self.channel.id if self.channel is not None else ctx.channel_id
        await _set_everyone_send(ctx, t, int(channel_id), locked=True)


@loader.command
class Unlock(
    lightbulb.SlashCommand,
    name="moderation.unlock.name",
    description="moderation.unlock.description",
    localize=True,
    contexts=GUILD_ONLY,
    default_member_permissions=P.MANAGE_CHANNELS,
):
    """``/unlock [channel]``: members may send messages in the channel again."""

    channel = _channel_option()

    @lightbulb.invoke
    async def invoke(self, ctx: lightbulb.Context, t: Translator = lightbulb.di.INJECTED) -> None:
        """Stop denying @everyone's SEND_MESSAGES."""
        channel_id = self.channel.id if self.channel is not None else ctx.channel_id
        await _set_everyone_send(ctx, t, int(channel_id), locked=False)
