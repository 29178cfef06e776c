"""Per-guild settings of the AI plugin, rendered by the dashboard as a form."""

from __future__ import annotations

from enum import StrEnum
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from tatiana import ChannelId

PROMPT_MAX_LENGTH = 4_000
"""The longest prompt ``/ask`` accepts at all; a guild may set a lower limit."""


class SafetyLevel(StrEnum):
    """How readily the model refuses harmful content (harassment, hate, sexual, dangerous)."""

    DEFAULT = "default"
    BLOCK_FEW = "block_few"
    BLOCK_SOME = "block_some"
    BLOCK_MOST = "block_most"


class AISettings(BaseModel):
    """Which model answers, in what voice, and how many tokens a server and a member may use per day."""

    model_config = ConfigDict(title="AI", str_strip_whitespace=True)

    model: str = Field(
        default="gemini-2.5-flash",
        min_length=1,
        max_length=64,
        pattern=r"^[a-z0-9][a-z0-9.\-]*$",
        description="Gemini model that answers, e.g. gemini-2.5-flash.",
    )
    system_prompt: str = Field(
        default="You are Tatiana, a friendly assistant in a Discord server. Answer briefly and kindly, "
        "in the language of the question.",
        max_length=4_000,
        description="The persona: instructions the model gets before every question.",
    )
    temperature: float = Field(
        default=0.7,
        ge=0.0,
        le=2.0,
        description="Randomness of answers: 0 is most predictable, 2 most varied.",
    )
    safety: SafetyLevel = Field(
        default=SafetyLevel.DEFAULT,
        description="How readily the model refuses harmful content: the model's default, few, some or most.",
    )
    max_output_tokens: int = Field(default=1_024, ge=16, le=8_192, description="Longest answer, in tokens.")
    max_prompt_chars: int = Field(
        default=1_500,
        ge=1,
        le=PROMPT_MAX_LENGTH,
        description="Longest question a member may ask, in characters.",
    )
    guild_daily_token_budget: int = Field(
        default=200_000,
        ge=0,
        le=100_000_000,
        description="Tokens the whole server may use per day; 0 turns AI off.",
    )
    member_daily_token_budget: int = Field(
        default=20_000,
        ge=0,
        le=100_000_000,
        description="Tokens one member may use per day (at most the server's).",
    )

    cooldown_seconds: int = Field(
        default=10, ge=0, le=3_600, description="Seconds a member waits between two questions; 0 for none."
    )

    ai_channel_ids: list[ChannelId] = Field(
        default=[],
        max_length=25,
        description="Channels where the bot answers every message (elsewhere, only when mentioned).",
    )
    memory_tokens: int = Field(
        default=2_000,
        ge=0,
        le=100_000,
        description="Tokens of a channel's recent conversation the bot remembers; 0 for none.",
    )

    @model_validator(mode="after")
    def _member_within_guild(self) -> Self:
        if self.member_daily_token_budget > self.guild_daily_token_budget:
            raise ValueError(
                f"member_daily_token_budget ({self.member_daily_token_budget}) must not exceed "
                f"guild_daily_token_budget ({self.guild_daily_token_budget})"
            )
        return self
