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
    content = message.content or ""
    # Encoded once for the rules that read bytes (lowercasing and counting capitals are cheaper on bytes).
    encoded = content.encode()
    trail = None
    digest, now = 0, 0.0
    if compiled.remembers:
        now = state.clock()
        # The same text in other (ASCII) case or spacing around it is the same message.
        stripped = encoded.strip()
        digest = hash(stripped.lower()) if stripped else 0
        trail = state.record(guild_id, message.author.id, digest, now)
    if content:
        if compiled.words is not None and (found := compiled.word_list.find(content, encoded)) is not None:
            return compiled.words, Hit("words", {"word": found})
        if "/" in content:
            if compiled.invites is not None and (hit := rules.invites(content)):
                return compiled.invites, hit
            if compiled.links is not None and (
                hit := rules.links(
                    content, compiled.allowed_domains, compiled.denied_domains, compiled.links_allowed_only
                )
            ):
                return compiled.links, hit
    if (mentions := compiled.mentions) is not None:
        # The users mentioned are a mapping by id, so distinct already (``user_mentions_ids`` copies it).
        users, roles = len(message.user_mentions or ()), message.role_mention_ids or ()
        everyone = bool(message.mentions_everyone)
        # Distinct roles only matter past the limit: counted only when the raw count is beyond it.
        limit = compiled.max_mentions
        if users + len(roles) + everyone > limit and (
            hit := rules.mentions(users, len(set(roles)), everyone, limit)
        ):
            return mentions, hit
    if message.attachments and compiled.attachments is not None:
        names = [attachment.filename for attachment in message.attachments]
        if hit := rules.attachments(names, compiled.blocked_extensions):
            return compiled.attachments, hit
    if (
        content
        and compiled.caps is not None
        and (hit := rules.caps(content, compiled.caps_min_letters, compiled.caps_max_percent, encoded))
    ):
        return compiled.caps, hit
    if trail is not None:
        # Most members have sent too few messages for either rule to count: their windows are not walked.
        duplicates = compiled.duplicates
        if (
            digest
            and duplicates is not None
            and trail.counts.get(digest, 0) > (limit := compiled.max_repeats)
        ):
            seconds = compiled.repeats_seconds
            if hit := rules.duplicates(state.repeats(trail, seconds, digest, limit, now), limit, seconds):
                return duplicates, hit
        spam, times = compiled.spam, trail.times
        # Nor is the spam window counted while the latest message but ``limit`` is older than the window.
        if (
            spam is not None
            and len(times) > (limit := compiled.max_messages)
            and times[-limit - 1] >= now - (seconds := compiled.spam_seconds)
            and (hit := rules.spam(state.recent(trail, seconds, limit, now), limit, seconds))
        ):
            return spam, hit
    return None
