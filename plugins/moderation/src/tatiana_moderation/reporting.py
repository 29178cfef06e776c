"""What a case tells people: its embed in the mod-log channel, and a direct message to the member."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import hikari

from tatiana import Database, LiveEvents, Translator, case_alert
from tatiana_moderation.cases import Action, Case, set_log_message
from tatiana_moderation.durations import format_duration
from tatiana_moderation.settings import ModerationSettings

log = logging.getLogger(__name__)

COLORS = {
    Action.WARN: 0xF1C40F,
    Action.TIMEOUT: 0xE67E22,
    Action.UNTIMEOUT: 0x2ECC71,
    Action.KICK: 0xE74C3C,
    Action.BAN: 0x992D22,
    Action.UNBAN: 0x2ECC71,
    Action.DELETE: 0x95A5A6,
    Action.PURGE: 0x95A5A6,
    Action.SLOWMODE: 0x3498DB,
    Action.LOCK: 0xE67E22,
    Action.UNLOCK: 0x2ECC71,
}
NO_DM = frozenset({Action.UNBAN})
"""Actions whose member is not told: an unbanned user shares no server with the bot."""


@dataclass(frozen=True)
class Published:
    """Whether the mod-log post and the DM went out (None: not wanted by the guild's settings)."""

    logged: bool | None
    dm_sent: bool | None


def case_embed(case: Case, t: Translator) -> hikari.Embed:
    """The mod-log embed of a case, in the guild's language."""
    embed = hikari.Embed(
        title=t("moderation.embed.title", number=case.number, action=t(f"moderation.actions.{case.action}")),
        color=COLORS[case.action],
        timestamp=case.created_at,
    )
    if case.user_id is not None:
        embed.add_field(t("moderation.embed.member"), f"<@{case.user_id}> (`{case.user_id}`)", inline=True)
    else:
        embed.add_field(t("moderation.embed.channel"), f"<#{case.channel_id}>", inline=True)
    moderator = f"<@{case.moderator_id}>" if case.moderator_id is not None else t("moderation.embed.automod")
    embed.add_field(t("moderation.embed.moderator"), moderator, inline=True)
    if case.duration is not None:
        embed.add_field(t("moderation.embed.duration"), format_duration(case.duration), inline=True)
    if case.expires_at is not None:
        embed.add_field(
            t("moderation.embed.expires"), f"<t:{int(case.expires_at.timestamp())}:R>", inline=True
        )
    embed.add_field(t("moderation.embed.reason"), case.reason or t("moderation.embed.no_reason"))
    embed.set_footer(t(f"moderation.sources.{case.source}"))
    return embed


def dm_text(case: Case, t: Translator, guild_name: str) -> str:
    """The direct message telling the member about a case."""
    lines = [t(f"moderation.dm.{case.action}", guild=guild_name)]
    lines[0] += " " + t("moderation.dm.reason", reason=case.reason or t("moderation.embed.no_reason"))
    if case.duration is not None:
        lines.append(t("moderation.dm.duration", duration=format_duration(case.duration)))
    return "\n".join(lines)


async def direct_message(
    rest: hikari.api.RESTClient,
    user_id: int,
    content: str,
    components: Sequence[hikari.api.ComponentBuilder] = (),
) -> bool:
    """Send a user a direct message (with buttons); False when they do not accept one from the bot."""
    try:
        channel = await rest.create_dm_channel(user_id)
        await rest.create_message(
            channel,
            content,
            components=components or hikari.UNDEFINED,
            user_mentions=False,
            role_mentions=False,
            mentions_everyone=False,
        )
    except (hikari.ForbiddenError, hikari.NotFoundError, hikari.BadRequestError) as exc:
        log.info("could not send a DM to %s: %s", user_id, exc)
        return False
    return True


async def post_to_log(
    rest: hikari.api.RESTClient, db: Database, case: Case, t: Translator, channel_id: int
) -> bool:
    """Post the case's embed in the mod-log channel and remember the post; False when Discord refuses."""
    try:
        message = await rest.create_message(channel_id, embed=case_embed(case, t), user_mentions=False)
    except (hikari.ForbiddenError, hikari.NotFoundError) as exc:
        log.info("could not post case %s of guild %s in %s: %s", case.number, case.guild_id, channel_id, exc)
        return False
    await set_log_message(db, case.id, int(message.id))
    return True


async def refresh_log(rest: hikari.api.RESTClient, case: Case, t: Translator, channel_id: int | None) -> bool:
    """Edit the case's mod-log post after the case changed; False when there is none or Discord refuses."""
    if case.log_message_id is None or channel_id is None:
        return False
    try:
        await rest.edit_message(channel_id, case.log_message_id, embed=case_embed(case, t))
    except (hikari.ForbiddenError, hikari.NotFoundError) as exc:
        log.info("could not edit the log post of case %s: %s", case.number, exc)
        return False
    return True


async def publish(
    rest: hikari.api.RESTClient,
    db: Database,
    case: Case,
    *,
    t: Translator,
    settings: ModerationSettings,
    guild_name: str,
    dm: bool = True,
    live: LiveEvents | None = None,
) -> Published:
    """After a case is committed: its mod-log post, its DM when ``dm`` and the settings want one, and its
    moderation alert to the guild's dashboards (through ``live``).

    Actions that remove the member (kick, ban) send the DM themselves before acting (``dm=False`` here):
    Discord refuses a DM to a user who shares no server with the bot.
    """
    logged = None
    if settings.mod_log_channel_id is not None:
        logged = await post_to_log(rest, db, case, t, settings.mod_log_channel_id)
    dm_sent = None
    if dm and settings.dm_on_action and case.action not in NO_DM and case.user_id is not None:
        dm_sent = await direct_message(rest, case.user_id, dm_text(case, t, guild_name))
    if live is not None:
        await alert(live, case)
    return Published(logged=logged, dm_sent=dm_sent)


def alert_data(case: Case) -> dict[str, object]:
    """A recorded case as the dashboard's moderation alert shows it (the core's ``case_alert`` of its row)."""
    if case.row is None:
        raise ValueError(f"case {case.number} was not recorded: it has no alert")
    return case_alert(case.row)


async def alert(live: LiveEvents, case: Case) -> None:
    """Tell the guild's dashboards about ``case``; a coordination outage only costs the alert."""
    try:
        await live.moderation_alert(case.guild_id, alert_data(case))
    except Exception:
        log.warning("could not publish the moderation alert of case %s", case.number, exc_info=True)
