"""XP for messages: the listener that grants it, announces level-ups and hands out role rewards."""

from __future__ import annotations

import hikari
import lightbulb

from tatiana import Counters, Database, GuildSettings, Translator
from tatiana_levels.announcements import announce_level_up, announcement_text
from tatiana_levels.cooldowns import XpCooldowns
from tatiana_levels.curve import level_for_xp
from tatiana_levels.earning import excluded, message_xp
from tatiana_levels.names import display_name
from tatiana_levels.rewards import apply_rewards
from tatiana_levels.settings import LevelsSettings
from tatiana_levels.texts import TRANSLATIONS
from tatiana_levels.xp import add_xp

# Joins, pins, boosts and the like are messages by the member too, but not conversation.
EARNING_TYPES = frozenset({hikari.MessageType.DEFAULT, hikari.MessageType.REPLY})


def _channels(event: hikari.GuildMessageCreateEvent) -> set[int]:
    """The message's channel and, from the cache, its parent (a thread's channel, a channel's category)."""
    if not isinstance(event.app, hikari.CacheAware):
        return {int(event.channel_id)}
    cache = event.app.cache
    channel = cache.get_thread(event.channel_id) or cache.get_guild_channel(event.channel_id)
    parent = getattr(channel, "parent_id", None)
    return {int(event.channel_id)} | ({int(parent)} if parent is not None else set())


async def grant_xp(
    event: hikari.GuildMessageCreateEvent,
    guild_settings: GuildSettings = lightbulb.di.INJECTED,
    counters: Counters = lightbulb.di.INJECTED,
    db: Database = lightbulb.di.INJECTED,
    cooldowns: XpCooldowns = lightbulb.di.INJECTED,
) -> None:
    """Give the author XP for their message (not bots, webhooks, excluded channels or roles, nor in cooldown)."""
    if not event.is_human or event.message.type not in EARNING_TYPES:
        return
    guild_id, user_id = int(event.guild_id), int(event.author_id)
    # Most messages come from members in cooldown: answered by one lookup, before anything else is built.
    if cooldowns.cooling(guild_id, user_id):
        return
    settings = await guild_settings.get(LevelsSettings, guild_id)
    role_ids = {int(r) for r in event.member.role_ids} if event.member is not None else set()
    # The parent channel is only looked up (a cache copy) when some rule names channels.
    by_channel = settings.no_xp_channel_ids or settings.channel_multipliers
    channels = _channels(event) if by_channel else {int(event.channel_id)}
    if excluded(settings, channels, role_ids):
        return
    if not cooldowns.try_start(guild_id, user_id, settings.cooldown_seconds):
        return
    amount = message_xp(settings, channels, role_ids)
    if amount <= 0:
        return
    total = await add_xp(db, counters, guild_id, user_id, amount)
    before, after = level_for_xp(total - amount), level_for_xp(total)
    if after > before:
        await level_up(event, settings, guild_settings, role_ids, after)


async def level_up(
    event: hikari.GuildMessageCreateEvent,
    settings: LevelsSettings,
    guild_settings: GuildSettings,
    role_ids: set[int],
    level: int,
) -> None:
    """Hand out the rewards of ``level`` and announce it."""
    t = Translator(TRANSLATIONS, await guild_settings.language(event.guild_id))
    rest = event.app.rest
    guild_id, user_id = int(event.guild_id), int(event.author_id)
    reason = t("levels.rewards.reason", level=level)
    await apply_rewards(
        rest,
        guild_id=guild_id,
        user_id=user_id,
        current=role_ids,
        settings=settings,
        level=level,
        sync=False,
        reason=reason,
    )
    guild = event.get_guild()
    name = display_name(event.member or event.author)
    text = announcement_text(
        settings, t, mention=event.author.mention, name=name, level=level, server=guild.name if guild else ""
    )
    await announce_level_up(rest, settings, text, channel_id=int(event.channel_id), user_id=user_id)
