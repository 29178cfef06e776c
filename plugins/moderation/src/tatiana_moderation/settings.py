"""Per-guild settings of the moderation plugin, rendered by the dashboard as a form."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from tatiana import ChannelId
from tatiana_moderation.automod.settings import AutomodSettings
from tatiana_moderation.reports.settings import ReportSettings


class ModerationSettings(BaseModel):
    """Where moderation actions are reported and who is told about them."""

    model_config = ConfigDict(title="Moderation")

    mod_log_channel_id: ChannelId | None = Field(
        default=None,
        description="Channel where every moderation case is posted; empty for none.",
    )
    dm_on_action: bool = Field(
        default=True,
        description="Send the member a direct message with the action and its reason.",
    )
    public_notice: bool = Field(
        default=True,
        description="Announce a moderation action in the channel where it was taken; off, only the moderator sees it.",
    )
    automod: AutomodSettings = Field(
        default=AutomodSettings(),
        description="Rules checked on every message and what breaking them does; off until enabled.",
    )
    reports: ReportSettings = Field(
        default=ReportSettings(),
        description="Members' reports of messages and banned members' appeals.",
    )
