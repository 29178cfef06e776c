"""Per-guild settings of the levels plugin, rendered by the dashboard as a form."""

from __future__ import annotations

import string
from enum import StrEnum
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from tatiana import ChannelId, RoleId

TEMPLATE_FIELDS = ("member", "name", "level", "server")
MAX_LEVEL = 1_000


class Announce(StrEnum):
    """Where a level-up is announced."""

    OFF = "off"
    SAME_CHANNEL = "same_channel"
    CHANNEL = "channel"
    DM = "dm"


class RoleMultiplier(BaseModel):
    """Members with this role earn XP multiplied by ``multiplier``."""

    role_id: RoleId = Field(description="The role.")
    multiplier: float = Field(default=1.0, ge=0, le=10, description="Factor applied to the XP of a message.")


class ChannelMultiplier(BaseModel):
    """Messages in this channel earn XP multiplied by ``multiplier``."""

    channel_id: ChannelId = Field(description="The channel.")
    multiplier: float = Field(default=1.0, ge=0, le=10, description="Factor applied to the XP of a message.")


class RoleReward(BaseModel):
    """The role a member gets on reaching ``level``."""

    level: int = Field(ge=1, le=MAX_LEVEL, description="Level that grants the role.")
    role_id: RoleId = Field(description="The role granted.")


class LevelsSettings(BaseModel):
    """How members earn XP from their messages, how level-ups are announced and which roles they bring."""

    model_config = ConfigDict(title="Levels", str_strip_whitespace=True)

    xp_min: int = Field(default=15, ge=0, le=1_000, description="Least XP a message earns.")
    xp_max: int = Field(default=25, ge=0, le=1_000, description="Most XP a message earns (at least XP min).")
    cooldown_seconds: int = Field(
        default=60,
        ge=0,
        le=86_400,
        description="Seconds after an XP-earning message before the next one earns XP.",
    )
    no_xp_channel_ids: list[ChannelId] = Field(
        default=[], max_length=100, description="Channels where messages earn no XP."
    )
    no_xp_role_ids: list[RoleId] = Field(
        default=[], max_length=100, description="Members with any of these roles earn no XP."
    )
    role_multipliers: list[RoleMultiplier] = Field(
        default=[],
        max_length=50,
        description="XP factors for members with a role; with several, the highest applies.",
    )
    channel_multipliers: list[ChannelMultiplier] = Field(
        default=[], max_length=50, description="XP factors for messages in a channel."
    )
    announce: Announce = Field(
        default=Announce.SAME_CHANNEL,
        description="Where level-ups go: nowhere, where the message was sent, one channel, or by DM.",
    )
    announce_channel_id: ChannelId | None = Field(
        default=None, description="The channel for level-up announcements when they go to one channel."
    )
    announce_template: str = Field(
        default="",
        max_length=500,
        description=(
            "The level-up message; {member} mentions the member, {name} is their name, {level} the new level"
            " and {server} the server's name. Empty uses the built-in message in the server's language."
        ),
    )
    role_rewards: list[RoleReward] = Field(
        default=[], max_length=50, description="Roles members get on reaching a level."
    )
    stack_role_rewards: bool = Field(
        default=True,
        description="Keep every reward role earned (on), or only the one of the highest level reached (off).",
    )

    @field_validator("announce_template")
    @classmethod
    def _known_placeholders(cls, template: str) -> str:
        try:
            parsed = list(string.Formatter().parse(template))
        except ValueError as exc:
            raise ValueError(
                f"the template is not valid: {exc} (write {{{{ and }}}} for literal braces)"
            ) from None
        allowed = ", ".join(f"{{{field}}}" for field in TEMPLATE_FIELDS)
        for _, name, spec, conversion in parsed:
            if name is None:
                continue
            if name not in TEMPLATE_FIELDS:
                raise ValueError(f"unknown placeholder {{{name}}} in the template; use {allowed}")
            if spec or conversion:
                raise ValueError(f"write {{{name}}} without a format or conversion")
        return template

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.xp_max < self.xp_min:
            raise ValueError(f"xp_max ({self.xp_max}) must be at least xp_min ({self.xp_min})")
        if self.announce is Announce.CHANNEL and self.announce_channel_id is None:
            raise ValueError("announce_channel_id is required when announce is 'channel'")
        roles = [reward.role_id for reward in self.role_rewards]
        if len(set(roles)) != len(roles):
            raise ValueError("a role can be the reward of one level only")
        return self

    def rewards_up_to(self, level: int) -> list[RoleReward]:
        """The role rewards of levels up to ``level``, lowest level first."""
        return sorted((r for r in self.role_rewards if r.level <= level), key=lambda r: r.level)
