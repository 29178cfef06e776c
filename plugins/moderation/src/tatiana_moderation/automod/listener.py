"""The automod listener: every guild message checked against the guild's rules, the cheap exits first."""

from __future__ import annotations

import hikari
import lightbulb

from tatiana import GuildSettings
from tatiana_moderation.automod.check import check
from tatiana_moderation.automod.enforce import enforce
from tatiana_moderation.automod.state import AutomodState, CompiledRules
from tatiana_moderation.settings import ModerationSettings


def _in_exempt_thread(
    compiled: CompiledRules, state: AutomodState, event: hikari.GuildMessageCreateEvent, channel_id: int
) -> bool:
    """Whether the channel, not itself exempt nor known to be a plain channel, is a thread of an exempt one."""
    if not isinstance(event.app, hikari.CacheAware):
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
    guild_id = message.guild_id or event.guild_id  # always set on a guild message: the property is not called
    settings = guild_settings.cached(ModerationSettings, guild_id)
    if settings is None:
        settings = await guild_settings.get(ModerationSettings, guild_id)
    automod = settings.automod
    compiled = state.compiled(automod)
    if not compiled.enabled:
        return
    # Exempt: the author has an exempt role, or the channel (or a thread's parent) is exempt.
    exempt_roles, exempt_channels = compiled.exempt_roles, compiled.exempt_channels
    if (
        exempt_roles
        and (member := message.member) is not None
        and not exempt_roles.isdisjoint(member.role_ids)
    ):
        return
    if exempt_channels:
        channel_id = message.channel_id
        if channel_id in exempt_channels or (
            channel_id not in state.plain_channels and _in_exempt_thread(compiled, state, event, channel_id)
        ):
            return
    found = check(compiled, state, guild_id, message)
    if found is None:
        return
    rule, hit = found
    if rule is automod.spam or rule is automod.duplicates:
        state.forget(guild_id, message.author.id)
    await enforce(event, hit, rule, automod=automod)
