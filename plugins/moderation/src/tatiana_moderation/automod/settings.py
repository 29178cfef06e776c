"""Per-guild automod settings: a sub-model of the moderation settings, every rule off by default."""

from __future__ import annotations

import enum
import re
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from tatiana import ChannelId, RoleId

MAX_TIMEOUT_MINUTES = 28 * 24 * 60
"""Discord's longest timeout, 28 days."""
MAX_WORDS = 2_000

_DOMAIN = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_EXTENSION = re.compile(r"^[a-z0-9]{1,16}$")

Word = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=64)]
Domain = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=3, max_length=253)]
Extension = Annotated[
    str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=17)
]


class Punishment(enum.StrEnum):
    """What automod does to the author of a message that breaks a rule (the message is deleted in every case)."""

    DELETE = "delete"
    WARN = "warn"
    TIMEOUT = "timeout"
    KICK = "kick"
    BAN = "ban"


class Rule(BaseModel):
    """What every rule has: on or off, and what a hit does."""

    model_config = ConfigDict(str_strip_whitespace=True)

    enabled: bool = Field(default=False, description="Whether this rule is checked.")
    action: Punishment = Field(
        default=Punishment.DELETE,
        description="What a hit does: the message is always deleted; warn, time out, kick or ban its author too.",
    )
    timeout_minutes: int = Field(
        default=10,
        ge=1,
        le=MAX_TIMEOUT_MINUTES,
        description="How long a timeout lasts, in minutes (when the action is a timeout; at most 28 days).",
    )


class SpamRule(Rule):
    """Too many messages from one member in a short time."""

    max_messages: int = Field(
        default=5, ge=2, le=50, description="Most messages a member may send within the window."
    )
    per_seconds: int = Field(default=5, ge=1, le=300, description="The window, in seconds.")


class DuplicatesRule(Rule):
    """The same message sent again and again."""

    max_repeats: int = Field(
        default=3, ge=2, le=20, description="Most times a member may send the same text within the window."
    )
    within_seconds: int = Field(default=60, ge=5, le=3_600, description="The window, in seconds.")


class MentionsRule(Rule):
    """Too many mentions in one message."""

    max_mentions: int = Field(
        default=5,
        ge=1,
        le=50,
        description="Most distinct members and roles one message may mention (@everyone and @here count as one).",
    )


class InvitesRule(Rule):
    """Invitations to other Discord servers."""


class LinksRule(Rule):
    """Links to sites on a deny list, or, with ``allowed_only``, to any site not on the allow list."""

    allowed_domains: list[Domain] = Field(
        default=[],
        max_length=200,
        description="Sites always allowed (their subdomains too), e.g. youtube.com.",
    )
    denied_domains: list[Domain] = Field(
        default=[], max_length=500, description="Sites never allowed (their subdomains too)."
    )
    allowed_only: bool = Field(
        default=False, description="Refuse every link whose site is not on the allow list."
    )

    @field_validator("allowed_domains", "denied_domains")
    @classmethod
    def _domains(cls, domains: list[str]) -> list[str]:
        for domain in domains:
            bare = domain.removeprefix("www.")
            if not _DOMAIN.match(bare):
                raise ValueError(f"{domain!r} is not a site's domain name like example.com")
        return [d.removeprefix("www.") for d in domains]


class WordsRule(Rule):
    """Words and phrases not allowed, found through the usual disguises (accents, look-alikes, leetspeak...)."""

    words: list[Word] = Field(
        default=[],
        max_length=MAX_WORDS,
        description="Words or phrases not allowed; each matches whole words, in any case, accents or leetspeak.",
    )


class CapsRule(Rule):
    """Messages written mostly in capital letters."""

    min_letters: int = Field(
        default=10, ge=1, le=500, description="Shorter messages (in letters) are never checked."
    )
    max_percent: int = Field(
        default=70, ge=50, le=100, description="Highest share of capital letters allowed, in percent."
    )


class AttachmentsRule(Rule):
    """Files of kinds not allowed, by their extension."""

    blocked_extensions: list[Extension] = Field(
        default=["exe", "bat", "cmd", "scr", "msi", "vbs", "js", "jar", "apk", "ps1"],
        max_length=100,
        description="File extensions not allowed, without the dot (exe, bat, scr...).",
    )

    @field_validator("blocked_extensions")
    @classmethod
    def _extensions(cls, extensions: list[str]) -> list[str]:
        cleaned = [e.removeprefix(".") for e in extensions]
        for extension in cleaned:
            if not _EXTENSION.match(extension):
                raise ValueError(f"{extension!r} is not a file extension like exe or pdf")
        return cleaned


class EscalationStep(BaseModel):
    """A harsher action once a member has collected enough automod warnings in a window."""

    warnings: int = Field(ge=2, le=50, description="Automod warnings that trigger this step.")
    within_hours: int = Field(default=24, ge=1, le=720, description="The window, in hours (at most 30 days).")
    action: Punishment = Field(description="The action: time out, kick or ban.")
    timeout_minutes: int = Field(
        default=60, ge=1, le=MAX_TIMEOUT_MINUTES, description="How long a timeout lasts, in minutes."
    )

    @field_validator("action")
    @classmethod
    def _harsher(cls, action: Punishment) -> Punishment:
        if action in (Punishment.DELETE, Punishment.WARN):
            raise ValueError("an escalation step times out, kicks or bans")
        return action


class AutomodSettings(BaseModel):
    """Rules checked on every message, what breaking each one does, and who they do not apply to."""

    model_config = ConfigDict(title="Automod")

    enabled: bool = Field(default=False, description="Check messages against the rules that are on.")
    exempt_role_ids: list[RoleId] = Field(
        default=[], max_length=100, description="Members with any of these roles are never checked."
    )
    exempt_channel_ids: list[ChannelId] = Field(
        default=[],
        max_length=200,
        description="Messages in these channels (or their threads) are never checked.",
    )
    spam: SpamRule = Field(
        default=SpamRule(action=Punishment.TIMEOUT),
        description="Too many messages from one member in a short time.",
    )
    duplicates: DuplicatesRule = Field(
        default=DuplicatesRule(), description="The same message sent again and again."
    )
    mentions: MentionsRule = Field(
        default=MentionsRule(action=Punishment.WARN), description="Too many mentions in one message."
    )
    invites: InvitesRule = Field(default=InvitesRule(), description="Invitations to other Discord servers.")
    links: LinksRule = Field(
        default=LinksRule(), description="Links to sites on a deny list, or not on an allow list."
    )
    words: WordsRule = Field(
        default=WordsRule(action=Punishment.WARN),
        description="Words and phrases not allowed, found through accents, look-alike letters and leetspeak.",
    )
    caps: CapsRule = Field(default=CapsRule(), description="Messages written mostly in capital letters.")
    attachments: AttachmentsRule = Field(
        default=AttachmentsRule(), description="Files of kinds not allowed, by their extension."
    )
    escalation: list[EscalationStep] = Field(
        default=[],
        max_length=10,
        description="Harsher actions after repeated automod warnings, e.g. 3 warnings in 24 h: a 1 h timeout.",
    )

    @model_validator(mode="after")
    def _distinct_steps(self) -> Self:
        counts = [(step.warnings, step.within_hours) for step in self.escalation]
        if len(set(counts)) != len(counts):
            raise ValueError("two escalation steps have the same number of warnings and window")
        return self
