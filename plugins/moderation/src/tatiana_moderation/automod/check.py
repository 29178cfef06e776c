"""Every enabled rule run on one message, cheapest and surest first: the first rule it breaks, or None."""

from __future__ import annotations

import hikari

from tatiana_moderation.automod import rules
from tatiana_moderation.automod.rules import Hit
from tatiana_moderation.automod.settings import Rule
from tatiana_moderation.automod.state import AutomodState, CompiledRules


def check(
    compiled: CompiledRules, state: AutomodState, guild_id: int, message: hikari.Message
) -> tuple[Rule, Hit] | None:
    """The rule ``message`` breaks and the hit, or None; remembers the message for the spam and duplicates rules."""
    settings = compiled.settings
    content = message.content or ""
    trail = None
    digest = 0
    if compiled.remembers:
        stripped = content.strip()
        digest = hash(stripped.casefold()) if stripped else 0
        trail = state.record(guild_id, int(message.author.id), digest)
    if content:
        if settings.words.enabled and (hit := rules.words(compiled.word_list, content)):
            return settings.words, hit
        if settings.invites.enabled and (hit := rules.invites(content)):
            return settings.invites, hit
        if settings.links.enabled and (
            hit := rules.links(settings.links, content, compiled.allowed_domains, compiled.denied_domains)
        ):
            return settings.links, hit
    if settings.mentions.enabled and (
        hit := rules.mentions(
            settings.mentions,
            len(set(message.user_mentions_ids)) if message.user_mentions_ids else 0,
            len(set(message.role_mention_ids)) if message.role_mention_ids else 0,
            bool(message.mentions_everyone),
        )
    ):
        return settings.mentions, hit
    if settings.attachments.enabled and message.attachments:
        names = [attachment.filename for attachment in message.attachments]
        if hit := rules.attachments(names, compiled.blocked_extensions):
            return settings.attachments, hit
    if content and settings.caps.enabled and (hit := rules.caps(settings.caps, content)):
        return settings.caps, hit
    if trail is not None:
        if settings.duplicates.enabled and digest:
            duplicates = settings.duplicates
            repeats = state.repeats(trail, duplicates.within_seconds, digest, above=duplicates.max_repeats)
            if hit := rules.duplicates(settings.duplicates, repeats):
                return settings.duplicates, hit
        if settings.spam.enabled and (
            hit := rules.spam(
                settings.spam,
                state.recent(trail, settings.spam.per_seconds, above=settings.spam.max_messages),
            )
        ):
            return settings.spam, hit
    return None
