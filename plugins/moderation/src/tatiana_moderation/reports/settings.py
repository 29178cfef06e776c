"""Per-guild settings of reports and ban appeals: a nested part of the moderation settings."""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel, ConfigDict, Field

from tatiana import ChannelId
from tatiana_moderation.durations import MAX_TIMEOUT


class ReportSettings(BaseModel):
    """Where members' reports and banned users' appeals go, and what the queue's timeout button applies."""

    model_config = ConfigDict(title="Reports and appeals")

    queue_channel_id: ChannelId | None = Field(
        default=None,
        description="Channel where reported messages wait for a moderator; empty: members cannot report.",
    )
    appeals_enabled: bool = Field(
        default=False,
        description="Give banned members an Appeal button in their ban message.",
    )
    appeal_channel_id: ChannelId | None = Field(
        default=None,
        description="Channel where appeals wait for a decision; empty: the reports channel.",
    )
    timeout_minutes: int = Field(
        default=60,
        ge=1,
        le=int(MAX_TIMEOUT.total_seconds()) // 60,
        description="How long the Timeout button of a report keeps the author quiet, in minutes.",
    )

    @property
    def appeal_destination(self) -> int | None:
        """The channel appeals are posted in: the appeal channel, else the queue; None when neither is set."""
        return self.appeal_channel_id or self.queue_channel_id

    @property
    def takes_appeals(self) -> bool:
        """Whether a banned member gets an Appeal button: appeals on and somewhere to post them."""
        return self.appeals_enabled and self.appeal_destination is not None

    @property
    def timeout(self) -> timedelta:
        """The Timeout button's duration."""
        return timedelta(minutes=self.timeout_minutes)
