"""The automod rules, each a pure function of a message's facts: a ``Hit`` naming the rule, or None."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from tatiana_moderation.automod.settings import (
    CapsRule,
    DuplicatesRule,
    LinksRule,
    MentionsRule,
    SpamRule,
)
from tatiana_moderation.automod.words import WordList

INVITE = re.compile(
    r"(?:https?://)?(?:www\.)?(?:discord(?:app)?\.com/invite|discord\.(?:gg|io|me|li)|dsc\.gg)/[a-z0-9-]+",
    re.IGNORECASE,
)
URL_HOST = re.compile(r"https?://([^\s/?#<>\\]+)", re.IGNORECASE)
_NOT_LETTERS = bytes(c for c in range(256) if not chr(c).isascii() or not chr(c).isalpha())
_NOT_CAPITALS = bytes(c for c in range(256) if not (65 <= c <= 90))
# Custom emoji, mentions and timestamps are markup, not shouting.
MARKUP = re.compile(r"<[^<>\s]+>|https?://\S+")


@dataclass(frozen=True)
class Hit:
    """A rule the message broke, and the values its reason shows (``automod.reasons.<rule>``)."""

    rule: str
    details: dict[str, str | int] = field(default_factory=dict)


def spam(rule: SpamRule, recent: int) -> Hit | None:
    """More than ``max_messages`` messages (``recent``, this one included) within the window."""
    if recent > rule.max_messages:
        return Hit("spam", {"count": recent, "seconds": rule.per_seconds})
    return None


def duplicates(rule: DuplicatesRule, repeats: int) -> Hit | None:
    """The same text more than ``max_repeats`` times (``repeats``, this one included) within the window."""
    if repeats > rule.max_repeats:
        return Hit("duplicates", {"count": repeats, "seconds": rule.within_seconds})
    return None


def mentions(rule: MentionsRule, users: int, roles: int, everyone: bool) -> Hit | None:
    """More distinct mentions than allowed (@everyone and @here count as one)."""
    count = users + roles + int(everyone)
    if count > rule.max_mentions:
        return Hit("mentions", {"count": count, "limit": rule.max_mentions})
    return None


def invites(content: str) -> Hit | None:
    """An invitation to a Discord server."""
    if "/" not in content:
        return None
    found = INVITE.search(content)
    return Hit("invites", {"link": found.group(0)}) if found else None


def _hosts(content: str) -> list[str]:
    hosts = []
    for raw in URL_HOST.findall(content):
        host = raw.rsplit("@", 1)[-1].split(":", 1)[0].lower().rstrip(".")
        hosts.append(host.removeprefix("www."))
    return hosts


def _listed(host: str, domains: frozenset[str]) -> bool:
    """Whether ``host`` is one of ``domains`` or a subdomain of one."""
    labels = host.split(".")
    return any(".".join(labels[i:]) in domains for i in range(len(labels) - 1))


def links(rule: LinksRule, content: str, allowed: frozenset[str], denied: frozenset[str]) -> Hit | None:
    """A link to a denied site, or, with ``allowed_only``, to a site not allowed (the allow list wins)."""
    if "://" not in content:
        return None
    for host in _hosts(content):
        if _listed(host, allowed):
            continue
        if rule.allowed_only or _listed(host, denied):
            return Hit("links", {"site": host})
    return None


def words(word_list: WordList, content: str) -> Hit | None:
    """A listed word or phrase, however disguised."""
    found = word_list.find(content)
    return Hit("words", {"word": found}) if found is not None else None


def caps(rule: CapsRule, content: str) -> Hit | None:
    """At least ``min_letters`` letters, more than ``max_percent`` of them capitals."""
    if len(content) < rule.min_letters:
        return None
    if "<" in content or "://" in content:
        content = MARKUP.sub(" ", content)
    raw = content.encode() if content.isascii() else None
    upper = len(raw.translate(None, _NOT_CAPITALS)) if raw is not None else sum(map(str.isupper, content))
    # With at least min_letters letters, this few capitals stay within max_percent: no need to count letters.
    if 100 * upper <= rule.max_percent * rule.min_letters:
        return None
    letters = len(raw.translate(None, _NOT_LETTERS)) if raw is not None else sum(map(str.isalpha, content))
    if letters < rule.min_letters:
        return None
    percent = 100 * upper // letters
    if percent > rule.max_percent:
        return Hit("caps", {"percent": percent, "limit": rule.max_percent})
    return None


def attachments(filenames: list[str], blocked: frozenset[str]) -> Hit | None:
    """A file whose extension (any of them: ``x.pdf.exe``) is blocked."""
    for name in filenames:
        suffixes = {s.lstrip(".").lower() for s in PurePosixPath(name).suffixes}
        bad = suffixes & blocked
        if bad:
            return Hit("attachments", {"file": name, "extension": sorted(bad)[0]})
    return None
