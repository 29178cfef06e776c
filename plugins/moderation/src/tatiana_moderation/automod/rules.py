"""The automod rules, each a pure function of a message's facts: a ``Hit`` naming the rule, or None.

They take their limits as plain numbers (``CompiledRules`` copies them out of the settings): reading a field of
a settings model costs several times as much, and they run for every message.
"""

from __future__ import annotations

import functools
import itertools
import re
from dataclasses import dataclass, field

from tatiana_moderation.automod.words import WordList

INVITE = re.compile(
    r"(?:https?://)?(?:www\.)?(?:discord(?:app)?\.com/invite|discord\.(?:gg|io|me|li)|dsc\.gg)/[a-z0-9-]+",
    re.IGNORECASE,
)
HOST = re.compile(r"[^\s/?#<>\\]+")
"""A link's host part, after its ``://``."""
SCHEMES = ("http", "https")
_NOT_LETTERS = bytes(c for c in range(256) if not chr(c).isascii() or not chr(c).isalpha())
_CAPITALS_AS_A = bytes(65 if 65 <= c <= 90 else 32 for c in range(256))
"""Capital ASCII letters to ``A``, every other byte to a space: counting the ``A`` counts the capitals (a
translation without deletions is a plain loop in C)."""
# Custom emoji, mentions and timestamps are markup, not shouting.
MARKUP = re.compile(r"<[^<>\s]+>|https?://\S+")


@dataclass(frozen=True)
class Hit:
    """A rule the message broke, and the values its reason shows (``automod.reasons.<rule>``)."""

    rule: str
    details: dict[str, str | int] = field(default_factory=dict)


def spam(recent: int, max_messages: int, per_seconds: int) -> Hit | None:
    """More than ``max_messages`` messages (``recent``, this one included) within the window of ``per_seconds``."""
    if recent > max_messages:
        return Hit("spam", {"count": recent, "seconds": per_seconds})
    return None


def duplicates(repeats: int, max_repeats: int, within_seconds: int) -> Hit | None:
    """The same text more than ``max_repeats`` times (``repeats``, this one included) within the window."""
    if repeats > max_repeats:
        return Hit("duplicates", {"count": repeats, "seconds": within_seconds})
    return None


def mentions(users: int, roles: int, everyone: bool, max_mentions: int) -> Hit | None:
    """More distinct mentions than ``max_mentions`` (@everyone and @here count as one)."""
    count = users + roles + int(everyone)
    if count > max_mentions:
        return Hit("mentions", {"count": count, "limit": max_mentions})
    return None


def invites(content: str) -> Hit | None:
    """An invitation to a Discord server."""
    if "/" not in content:
        return None
    # The expression may start anywhere (its scheme is optional): only run where an invite's host may be.
    lowered = content.lower()
    if "discord" not in lowered and "dsc.gg" not in lowered:
        return None
    found = INVITE.search(content)
    return Hit("invites", {"link": found.group(0)}) if found else None


def _listed(host: str, domains: frozenset[str]) -> bool:
    """Whether ``host`` is one of ``domains`` or a subdomain of one."""
    labels = host.split(".")
    return any(".".join(labels[i:]) in domains for i in range(len(labels) - 1))


@functools.lru_cache(maxsize=4096)
def _refused_site(
    raw_host: str, allowed: frozenset[str], denied: frozenset[str], allowed_only: bool
) -> str | None:
    """The site of a link's host part (``user@www.site:port``) when the lists refuse it, else None.

    Cached: a guild's members link the same few sites again and again (the sets' hashes are cached too).
    """
    host = raw_host.rsplit("@", 1)[-1].split(":", 1)[0].lower().rstrip(".").removeprefix("www.")
    if _listed(host, allowed):
        return None
    return host if allowed_only or _listed(host, denied) else None


def links(content: str, allowed: frozenset[str], denied: frozenset[str], allowed_only: bool) -> Hit | None:
    """A link to a denied site, or, with ``allowed_only``, to a site not allowed (the allow list wins)."""
    if "://" not in content:
        return None
    # Cut at each "://" rather than searched for "https?://" in any case: a regular expression starting with a
    # letter in any case is tried at every position of the message.
    pieces = content.split("://")
    for before, after in itertools.pairwise(pieces):
        if not before[-5:].lower().endswith(SCHEMES) or (host := HOST.match(after)) is None:
            continue
        if (site := _refused_site(host.group(), allowed, denied, allowed_only)) is not None:
            return Hit("links", {"site": site})
    return None


def words(word_list: WordList, content: str) -> Hit | None:
    """A listed word or phrase, however disguised."""
    found = word_list.find(content)
    return Hit("words", {"word": found}) if found is not None else None


def caps(content: str, min_letters: int, max_percent: int, encoded: bytes | None = None) -> Hit | None:
    """At least ``min_letters`` letters, more than ``max_percent`` of them capitals (``encoded``: the content in
    UTF-8, when the caller has it)."""
    if len(content) < min_letters:
        return None
    # With at least min_letters letters, this many capitals stay within max_percent: no need to count letters.
    within = max_percent * min_letters
    raw = content.encode() if encoded is None else encoded
    # An upper bound first, cheap in C: capitals in ASCII, plus every character outside it (each takes two to four
    # bytes in UTF-8, so the extra bytes are at least as many). Removing markup only removes capitals, so a message
    # within the bound is within the rule.
    if 100 * (raw.translate(_CAPITALS_AS_A).count(65) + len(raw) - len(content)) <= within:
        return None
    if "<" in content or "://" in content:
        content = MARKUP.sub(" ", content)
        raw = content.encode()
    ascii_only = content.isascii()
    upper = raw.translate(_CAPITALS_AS_A).count(65) if ascii_only else sum(map(str.isupper, content))
    if 100 * upper <= within:
        return None
    letters = len(raw.translate(None, _NOT_LETTERS)) if ascii_only else sum(map(str.isalpha, content))
    if letters < min_letters:
        return None
    percent = 100 * upper // letters
    if percent > max_percent:
        return Hit("caps", {"percent": percent, "limit": max_percent})
    return None


def _extensions(filename: str) -> set[str]:
    """Every extension of a file name, lowercased, as ``PurePosixPath(name).suffixes`` reads them."""
    name = filename.rsplit("/", 1)[-1]
    if name.endswith("."):
        return set()
    return set(name.lstrip(".").lower().split(".")[1:])


def attachments(filenames: list[str], blocked: frozenset[str]) -> Hit | None:
    """A file whose extension (any of them: ``x.pdf.exe``) is blocked."""
    for name in filenames:
        bad = blocked.intersection(_extensions(name))
        if bad:
            return Hit("attachments", {"file": name, "extension": sorted(bad)[0]})
    return None
