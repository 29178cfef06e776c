"""The automod listener: every guild message checked against the guild's rules, the cheap exits first."""

from __future__ import annotations

import hikari
import lightbulb

from tatiana import GuildSettings
from tatiana_moderation.automod.check import check
from tatiana_moderation.automod.enforce import enforce
from tatiana_moderation.automod.state import AutomodState, CompiledRules
from tatiana_moderation.settings import ModerationSettings


def _exempt(
    compiled: CompiledRules,
    state: AutomodState,
    event: hikari.GuildMessageCreateEvent,
    message: hikari.Message,
) -> bool:
    """Whether the author has an exempt role, or the channel (or a thread's parent) is exempt."""
    member = message.member
    if compiled.exempt_roles and member is not None and not compiled.exempt_roles.isdisjoint(member.role_ids):
        return True
    if not compiled.exempt_channels:
        return False
    channel_id = message.channel_id
    if channel_id in compiled.exempt_channels:
        return True
    if channel_id in state.plain_channels or not isinstance(event.app, hikari.CacheAware):
        return False
    cache = event.app.cache
    thread = cache.get_thread(channel_id)
    if thread is None:
        if cache.get_guild_channel(channel_id) is not None:
            state.plain_channel(channel_id)
        return False
    return thread.parent_id in compiled.exempt_channels


async def moderate_message(
    event: hikari.GuildMessageCreateEvent,
    guild_settings: GuildSettings = lightbulb.di.INJECTED,
    state: AutomodState = lightbulb.di.INJECTED,
) -> None:
    """Check a member's message against the guild's automod rules and act on the first one it breaks."""
    # The event's properties read from the message once: this runs for every message of every guild.
    message = event.message
    if message.author.is_bot or message.webhook_id is not None:  # what event.is_human checks
        return
    guild_id = event.guild_id
    settings = guild_settings.cached(ModerationSettings, guild_id)
    if settings is None:
        settings = await guild_settings.get(ModerationSettings, guild_id)
    automod = settings.automod
    if not automod.enabled:
        return
    compiled = state.compiled(automod)
    if (compiled.exempt_roles or compiled.exempt_channels) and _exempt(compiled, state, event, message):
        return
    found = check(compiled, state, guild_id, message)
    if found is None:
        return
    rule, hit = found
    if rule is automod.spam or rule is automod.duplicates:
        state.forget(guild_id, message.author.id)
    await enforce(event, hit, rule, automod=automod)
