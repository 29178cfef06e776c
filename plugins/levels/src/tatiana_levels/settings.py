"""Per-guild settings of the levels plugin, rendered by the dashboard as a form."""

from __future__ import annotations

from enum import StrEnum
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from tatiana import ChannelId


class Announce(StrEnum):
    """Where a level-up is announced."""

    OFF = "off"
    SAME_CHANNEL = "same_channel"
    CHANNEL = "channel"
    DM = "dm"


class LevelsSettings(BaseModel):
    """How members earn XP from their messages and how level-ups are announced."""

    model_config = ConfigDict(title="Levels")

    xp_min: int = Field(default=15, ge=0, le=1_000, description="Least XP a message earns.")
    xp_max: int = Field(default=25, ge=0, le=1_000, description="Most XP a message earns (at least XP min).")
    cooldown_seconds: int = Field(
        default=60,
        ge=0,
        le=86_400,
        description="Seconds after an XP-earning message before the next one earns XP.",
    )
    announce: Announce = Field(
        default=Announce.SAME_CHANNEL,
        description="Where level-ups go: nowhere, where the message was sent, one channel, or by DM.",
    )
    announce_channel_id: ChannelId | None = Field(
        default=None, description="The channel for level-up announcements when they go to one channel."
    )
    no_xp_channel_ids: list[ChannelId] = Field(
        default=[], max_length=100, description="Channels where messages earn no XP."
    )

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.xp_max < self.xp_min:
            raise ValueError(f"xp_max ({self.xp_max}) must be at least xp_min ({self.xp_min})")
        if self.announce is Announce.CHANNEL and self.announce_channel_id is None:
            raise ValueError("announce_channel_id is required when announce is 'channel'")
        return self
