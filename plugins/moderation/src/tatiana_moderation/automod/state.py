"""What automod remembers in this process: each member's recent messages, each guild's compiled rules, and the
channels that are not threads.

A guild's messages all reach the process holding its shard, so process memory is enough. Every table is bounded:
members quiet for longer than the longest window are forgotten first, and the compiled rules are rebuilt when a
guild's settings change (the settings object is replaced, never modified).
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import lightbulb

from tatiana_moderation.automod.settings import (
    AttachmentsRule,
    AutomodSettings,
    CapsRule,
    DuplicatesRule,
    InvitesRule,
    LinksRule,
    MentionsRule,
    Rule,
    SpamRule,
    WordsRule,
)
from tatiana_moderation.automod.words import WordList, compile_words

TRAIL_LENGTH = 64
"""Messages remembered per member: more than the largest threshold of the spam and duplicate rules."""
MAX_MEMBERS = 50_000
MAX_COMPILED = 1_024
MAX_CHANNELS = 100_000

RuleT = TypeVar("RuleT", bound=Rule)


@dataclass(frozen=True, slots=True)
class CompiledRules:
    """A guild's automod settings turned into what checking a message needs: each enabled rule (None when off),
    the rules' limits as plain numbers (a settings model's fields cost several times as much to read), sets, and
    the word index."""

    settings: AutomodSettings
    enabled: bool
    exempt_roles: frozenset[int]
    exempt_channels: frozenset[int]
    words: WordsRule | None
    invites: InvitesRule | None
    links: LinksRule | None
    mentions: MentionsRule | None
    attachments: AttachmentsRule | None
    caps: CapsRule | None
    duplicates: DuplicatesRule | None
    spam: SpamRule | None
    allowed_domains: frozenset[str]
    denied_domains: frozenset[str]
    blocked_extensions: frozenset[str]
    word_list: WordList
    remembers: bool
    """Whether the spam or duplicates rule needs the member's recent messages."""
    window: float
    """The longest of their windows, in seconds."""
    max_messages: int
    spam_seconds: int
    max_repeats: int
    repeats_seconds: int
    max_mentions: int
    caps_min_letters: int
    caps_max_percent: int
    links_allowed_only: bool

    @classmethod
    def of(cls, settings: AutomodSettings) -> CompiledRules:
        """Compile ``settings``."""
        windows = [
            float(rule_window)
            for rule_window, on in (
                (settings.spam.per_seconds, settings.spam.enabled),
                (settings.duplicates.within_seconds, settings.duplicates.enabled),
            )
            if on
        ]
        return cls(
            settings=settings,
            enabled=settings.enabled,
            exempt_roles=frozenset(settings.exempt_role_ids),
            exempt_channels=frozenset(settings.exempt_channel_ids),
            words=_on(settings.words),
            invites=_on(settings.invites),
            links=_on(settings.links),
            mentions=_on(settings.mentions),
            attachments=_on(settings.attachments),
            caps=_on(settings.caps),
            duplicates=_on(settings.duplicates),
            spam=_on(settings.spam),
            allowed_domains=frozenset(settings.links.allowed_domains),
            denied_domains=frozenset(settings.links.denied_domains),
            blocked_extensions=frozenset(settings.attachments.blocked_extensions),
            word_list=compile_words(tuple(settings.words.words) if settings.words.enabled else ()),
            remembers=bool(windows),
            window=max(windows, default=0.0),
            max_messages=settings.spam.max_messages,
            spam_seconds=settings.spam.per_seconds,
            max_repeats=settings.duplicates.max_repeats,
            repeats_seconds=settings.duplicates.within_seconds,
            max_mentions=settings.mentions.max_mentions,
            caps_min_letters=settings.caps.min_letters,
            caps_max_percent=settings.caps.max_percent,
            links_allowed_only=settings.links.allowed_only,
        )


def _on(rule: RuleT) -> RuleT | None:
    return rule if rule.enabled else None


class Trail:
    """A member's latest messages: when each was sent and its text's hash (0 for none), oldest first, and how many
    of them have each hash."""

    __slots__ = ("counts", "digests", "times")

    def __init__(self) -> None:
        self.times: deque[float] = deque(maxlen=TRAIL_LENGTH)
        self.digests: deque[int] = deque(maxlen=TRAIL_LENGTH)
        self.counts: dict[int, int] = {}
        """Messages of the trail by digest: the duplicates rule asks at every message, so no walk of the trail."""

    def count(self, digest: int) -> int:
        """How many messages of the trail have the text of ``digest``."""
        return self.counts.get(digest, 0)


class AutomodState:
    """Per-member message trails for the spam and duplicates rules, and the compiled rules of each guild."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, max_members: int = MAX_MEMBERS) -> None:
        self.clock = clock
        self.max_members = max_members
        self._trails: OrderedDict[tuple[int, int], Trail] = OrderedDict()
        self._compiled: dict[int, CompiledRules] = {}
        self.plain_channels: set[int] = set()
        """Channels known not to be threads (a channel never becomes one): no thread to look up for them."""

    def plain_channel(self, channel_id: int) -> None:
        """Remember that ``channel_id`` is a channel, not a thread."""
        if len(self.plain_channels) >= MAX_CHANNELS:
            self.plain_channels.clear()
        self.plain_channels.add(channel_id)

    def compiled(self, settings: AutomodSettings) -> CompiledRules:
        """The compiled form of ``settings``, built once per settings object."""
        found = self._compiled.get(id(settings))
        if found is not None and found.settings is settings:
            return found
        if len(self._compiled) >= MAX_COMPILED:
            self._compiled.clear()
        compiled = CompiledRules.of(settings)
        self._compiled[id(settings)] = compiled
        return compiled

    def record(self, guild_id: int, user_id: int, digest: int, now: float | None = None) -> Trail:
        """Remember a message of the member (``digest``: its text's hash, 0 for none) sent ``now`` (by default
        the clock's time); their trail."""
        key = (guild_id, user_id)
        trails = self._trails
        trail = trails.get(key)
        if trail is None:
            if len(trails) >= self.max_members:
                trails.popitem(last=False)
            trail = trails[key] = Trail()
        else:
            trails.move_to_end(key)
        # The message joins the trail here rather than in a method of Trail: this runs for every message.
        digests, counts = trail.digests, trail.counts
        if len(digests) == TRAIL_LENGTH:  # the oldest is forgotten
            oldest = digests[0]
            left = counts[oldest] - 1
            if left:
                counts[oldest] = left
            else:
                del counts[oldest]
        trail.times.append(self.clock() if now is None else now)
        digests.append(digest)
        counts[digest] = counts.get(digest, 0) + 1
        return trail

    def forget(self, guild_id: int, user_id: int) -> None:
        """Start the member's trail afresh (after automod acted on them, so one burst is one hit)."""
        self._trails.pop((guild_id, user_id), None)

    def __len__(self) -> int:
        return len(self._trails)

    def recent(self, trail: Trail, seconds: float, above: int = 0, now: float | None = None) -> int:
        """How many messages of the trail are at most ``seconds`` old (0 at once if ``above`` or fewer are: the
        caller only wants to know past that)."""
        times = trail.times
        if len(times) <= above:
            return 0
        since = (self.clock() if now is None else now) - seconds
        if times[-above - 1] < since:
            return 0
        count = 0
        for moment in reversed(times):
            if moment < since:
                break
            count += 1
        return count

    def repeats(
        self, trail: Trail, seconds: float, digest: int, above: int = 0, now: float | None = None
    ) -> int:
        """How many messages of the trail at most ``seconds`` old have the text of ``digest`` (0 at once if the
        trail holds ``above`` or fewer of them)."""
        if trail.count(digest) <= above:
            return 0
        since = (self.clock() if now is None else now) - seconds
        count = 0
        for moment, other in zip(reversed(trail.times), reversed(trail.digests), strict=True):
            if moment < since:
                break
            count += other == digest
        return count


class StateLoadable(lightbulb.Loadable):
    """Gives each bot (lightbulb client) that loads the plugin its own ``AutomodState`` to inject."""

    async def load(self, client: lightbulb.Client) -> None:
        """Register a fresh ``AutomodState`` with the client, once."""
        registry = client.di.registry_for(lightbulb.di.Contexts.DEFAULT)
        if AutomodState not in registry:
            registry.register_value(AutomodState, AutomodState())

    async def unload(self, client: lightbulb.Client) -> None:
        """Nothing to undo: the value goes with the client."""
