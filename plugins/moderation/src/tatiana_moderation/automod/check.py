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
    # Every message of every guild comes through here: each test is guarded by what is cheapest to know.
    settings = compiled.settings
    content = message.content or ""
    trail = None
    digest, now = 0, 0.0
    if compiled.remembers:
        now = state.clock()
        stripped = content.strip()
        digest = hash(stripped.casefold()) if stripped else 0
        trail = state.record(guild_id, int(message.author.id), digest, now)
    if content:
        if settings.words.enabled and (found := compiled.word_list.find(content)) is not None:
            return settings.words, Hit("words", {"word": found})
        if "/" in content:
            if settings.invites.enabled and (hit := rules.invites(content)):
                return settings.invites, hit
            if settings.links.enabled and (
                hit := rules.links(settings.links, content, compiled.allowed_domains, compiled.denied_domains)
            ):
                return settings.links, hit
    mentions = settings.mentions
    if mentions.enabled:
        users, roles = message.user_mentions_ids, message.role_mention_ids
        everyone = bool(message.mentions_everyone)
        # Distinct mentions only matter past the limit: counted only when the raw count is beyond it.
        if len(users or ()) + len(roles or ()) + everyone > mentions.max_mentions and (
            hit := rules.mentions(mentions, len(set(users or ())), len(set(roles or ())), everyone)
        ):
            return mentions, hit
    if message.attachments and settings.attachments.enabled:
        names = [attachment.filename for attachment in message.attachments]
        if hit := rules.attachments(names, compiled.blocked_extensions):
            return settings.attachments, hit
    if content and settings.caps.enabled and (hit := rules.caps(settings.caps, content)):
        return settings.caps, hit
    if trail is not None:
        duplicates = settings.duplicates
        if digest and duplicates.enabled:
            repeats = state.repeats(trail, duplicates.within_seconds, digest, duplicates.max_repeats, now)
            if hit := rules.duplicates(duplicates, repeats):
                return duplicates, hit
        spam = settings.spam
        if spam.enabled and (
            hit := rules.spam(spam, state.recent(trail, spam.per_seconds, spam.max_messages, now))
        ):
            return spam, hit
    return None
