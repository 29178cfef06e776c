"""What automod does about a hit: delete the message, punish the author if the bot outranks them, open the case.

Each hit is a case (source automod, no moderator), posted in the mod-log and told by DM like a command's, and a
moderation alert. A member the bot cannot act on (the owner, a role not below the bot's) only has the message
deleted; so does one Discord refuses to act on. An automod warning may escalate (``escalation.py``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import hikari
import lightbulb

from tatiana import Database, GuildSettings, LiveEvents, Translator
from tatiana_moderation.automod.alerts import send_alert
from tatiana_moderation.automod.escalation import next_step
from tatiana_moderation.automod.rules import Hit
from tatiana_moderation.automod.settings import AutomodSettings, Punishment, Rule
from tatiana_moderation.cases import Action, Case, GuildRef, Person, Source, open_case
from tatiana_moderation.hierarchy import Ranks, Refusal, refusal, top_position
from tatiana_moderation.reporting import direct_message, dm_text, publish
from tatiana_moderation.settings import ModerationSettings
from tatiana_moderation.texts import TRANSLATIONS

log = logging.getLogger(__name__)

ACTIONS = {
    Punishment.DELETE: Action.DELETE,
    Punishment.WARN: Action.WARN,
    Punishment.TIMEOUT: Action.TIMEOUT,
    Punishment.KICK: Action.KICK,
    Punishment.BAN: Action.BAN,
}
REMOVES = frozenset({Punishment.KICK, Punishment.BAN})
"""Punishments after which the member shares no server with the bot: told by DM before."""
AUDIT_REASON_MAX = 512


@dataclass(frozen=True)
class Sentence:
    """A punishment to carry out, why, and for how long."""

    punishment: Punishment
    reason: str
    duration: timedelta | None = None


def _guild_ref(event: hikari.GuildMessageCreateEvent) -> GuildRef:
    guild = event.get_guild()
    if guild is None:
        return GuildRef(int(event.guild_id), str(event.guild_id))
    return GuildRef(int(guild.id), guild.name, int(guild.owner_id))


async def bot_refusal(event: hikari.GuildMessageCreateEvent, guild: GuildRef) -> Refusal | None:
    """Why the bot may not act on the message's author (the owner, a role not below its own), or None."""
    app = event.app
    rest = app.rest
    owner_id = guild.owner_id
    if owner_id is None:
        owner_id = int((await rest.fetch_guild(guild.id)).owner_id)
    cache = app.cache if isinstance(app, hikari.CacheAware) else None
    me = cache.get_me() if cache is not None else None
    bot_id = int(me.id) if me is not None else int((await rest.fetch_my_user()).id)
    bot_member = cache.get_member(guild.id, bot_id) if cache is not None else None
    if bot_member is None:
        bot_member = await rest.fetch_member(guild.id, bot_id)
    target_roles = [int(r) for r in event.member.role_ids] if event.member is not None else []
    bot_roles = [int(r) for r in bot_member.role_ids]
    positions: dict[int, int] = {}
    if cache is not None:
        positions = {int(r.id): r.position for r in cache.get_roles_view_for_guild(guild.id).values()}
    if not {*target_roles, *bot_roles} <= positions.keys():
        positions = {int(r.id): r.position for r in await rest.fetch_roles(guild.id)}
    ranks = Ranks(
        owner_id=owner_id,
        bot_id=bot_id,
        moderator_id=bot_id,
        moderator_top=top_position(bot_roles, positions),
        bot_top=top_position(bot_roles, positions),
    )
    return refusal(ranks, int(event.author_id), top_position(target_roles, positions))


async def _delete(event: hikari.GuildMessageCreateEvent) -> bool:
    try:
        await event.app.rest.delete_message(event.channel_id, event.message_id)
    except (hikari.ForbiddenError, hikari.NotFoundError) as exc:
        log.info("automod could not delete message %s in %s: %s", event.message_id, event.channel_id, exc)
        return False
    return True


async def _carry_out(
    event: hikari.GuildMessageCreateEvent, sentence: Sentence, t: Translator, guild: GuildRef, dm: bool
) -> bool:
    """Time out, kick or ban the author (a kick or ban told by DM first); False when Discord refuses."""
    rest = event.app.rest
    audit = t("moderation.automod.audit", reason=sentence.reason)[:AUDIT_REASON_MAX]
    try:
        if sentence.punishment is Punishment.TIMEOUT:
            assert sentence.duration is not None
            until = datetime.now(UTC) + sentence.duration
            await rest.edit_member(
                guild.id, event.author_id, communication_disabled_until=until, reason=audit
            )
        elif sentence.punishment in REMOVES:
            if dm:
                preview = _preview(event, sentence, guild)
                await direct_message(rest, int(event.author_id), dm_text(preview, t, guild.name))
            if sentence.punishment is Punishment.KICK:
                await rest.kick_user(guild.id, event.author_id, reason=audit)
            else:
                await rest.ban_user(guild.id, event.author_id, reason=audit)
    except (hikari.ForbiddenError, hikari.NotFoundError) as exc:
        log.info("automod could not %s %s in %s: %s", sentence.punishment, event.author_id, guild.id, exc)
        return False
    return True


def _preview(event: hikari.GuildMessageCreateEvent, sentence: Sentence, guild: GuildRef) -> Case:
    now = datetime.now(UTC)
    return Case(
        id=0,
        guild_id=guild.id,
        number=0,
        user_id=int(event.author_id),
        moderator_id=None,
        action=ACTIONS[sentence.punishment],
        reason=sentence.reason,
        duration=sentence.duration,
        created_at=now,
        expires_at=None,
        source=Source.AUTOMOD,
        channel_id=int(event.channel_id),
        log_message_id=None,
    )


async def _record(
    event: hikari.GuildMessageCreateEvent,
    db: Database,
    sentence: Sentence,
    *,
    t: Translator,
    guild: GuildRef,
    settings: ModerationSettings,
) -> Case:
    author = event.author
    expires_at = datetime.now(UTC) + sentence.duration if sentence.duration is not None else None
    case = await open_case(
        db,
        guild=guild,
        target=Person(int(author.id), author.username, author.global_name),
        moderator=None,
        action=ACTIONS[sentence.punishment],
        reason=sentence.reason,
        duration=sentence.duration,
        expires_at=expires_at,
        source=Source.AUTOMOD,
        channel_id=int(event.channel_id),
    )
    dm = sentence.punishment not in REMOVES
    await publish(event.app.rest, db, case, t=t, settings=settings, guild_name=guild.name, dm=dm)
    return case


async def _punish(
    event: hikari.GuildMessageCreateEvent,
    db: Database,
    sentence: Sentence,
    *,
    t: Translator,
    guild: GuildRef,
    settings: ModerationSettings,
    outranked: Refusal | None,
) -> Case:
    """Carry out ``sentence`` unless the bot is outranked or refused, then record it (as a deletion if not)."""
    if sentence.punishment is not Punishment.DELETE:
        kept = None
        if outranked is not None:
            kept = t(
                f"moderation.automod.kept.{outranked.value}",
                action=t(f"moderation.automod.punishments.{sentence.punishment}"),
            )
        elif not await _carry_out(event, sentence, t, guild, settings.dm_on_action):
            kept = t(
                "moderation.automod.kept.refused",
                action=t(f"moderation.automod.punishments.{sentence.punishment}"),
            )
        if kept is not None:
            sentence = Sentence(Punishment.DELETE, f"{sentence.reason} {kept}")
    return await _record(event, db, sentence, t=t, guild=guild, settings=settings)


@lightbulb.di.with_di
async def enforce(
    event: hikari.GuildMessageCreateEvent,
    hit: Hit,
    rule: Rule,
    *,
    automod: AutomodSettings,
    db: Database = lightbulb.di.INJECTED,
    guild_settings: GuildSettings = lightbulb.di.INJECTED,
    live: LiveEvents = lightbulb.di.INJECTED,
) -> list[Case]:
    """Act on a hit: delete the message, punish and record it, escalate a warning, alert; the cases opened."""
    settings = await guild_settings.get(ModerationSettings, event.guild_id)
    t = Translator(TRANSLATIONS, await guild_settings.language(event.guild_id))
    guild = _guild_ref(event)
    reason = t(f"moderation.automod.reasons.{hit.rule}", **hit.details)
    punishment = rule.action
    duration = timedelta(minutes=rule.timeout_minutes) if punishment is Punishment.TIMEOUT else None
    deleted = await _delete(event)
    outranked = await bot_refusal(event, guild) if punishment is not Punishment.DELETE else None
    sentence = Sentence(punishment, reason, duration)
    cases = [await _punish(event, db, sentence, t=t, guild=guild, settings=settings, outranked=outranked)]
    if cases[0].action is Action.WARN and automod.escalation:
        step = await next_step(db, guild.id, int(event.author_id), automod.escalation)
        if step is not None:
            escalated = Sentence(
                step.action,
                t("moderation.automod.escalated", count=step.warnings, hours=step.within_hours),
                timedelta(minutes=step.timeout_minutes) if step.action is Punishment.TIMEOUT else None,
            )
            cases.append(
                await _punish(event, db, escalated, t=t, guild=guild, settings=settings, outranked=None)
            )
    for case in cases:
        await send_alert(live, case, hit, deleted=deleted)
    return cases
