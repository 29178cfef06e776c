"""Per-guild settings of the economy plugin, rendered by the dashboard as a form."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

MAX_AMOUNT = 1_000_000_000


class EconomySettings(BaseModel):
    """How a server's currency is called and how much members earn."""

    model_config = ConfigDict(title="Economy", str_strip_whitespace=True)

    currency_name: str = Field(
        default="coins",
        min_length=1,
        max_length=32,
        description="Name of the currency, shown after every amount.",
    )
    currency_symbol: str = Field(
        default="🪙",
        min_length=1,
        max_length=64,
        description="Symbol or emoji shown before every amount (a custom emoji like <:coin:123> works too).",
    )
    starting_balance: int = Field(
        default=0, ge=0, le=MAX_AMOUNT, description="Coins in a member's wallet when it is opened."
    )
    daily_amount: int = Field(
        default=100, ge=1, le=MAX_AMOUNT, description="Coins a member can claim once per day."
    )
    daily_streak_bonus: int = Field(
        default=10,
        ge=0,
        le=MAX_AMOUNT,
        description="Extra coins per consecutive day the reward is claimed; a missed day resets it.",
    )
    daily_streak_max_days: int = Field(
        default=7, ge=1, le=365, description="Streak length after which the bonus stops growing."
    )
    pay_confirm_threshold: int = Field(
        default=1_000,
        ge=0,
        le=MAX_AMOUNT,
        description="Payments of at least this amount ask the payer to confirm first; 0 never asks.",
    )

    def amount(self, value: int) -> str:
        """``value`` in this server's currency, thousands set apart by a thin space: ``🪙 1 500 coins``."""
        number = f"{value:,}".replace(",", "\u202f")
        return f"{self.currency_symbol} {number} {self.currency_name}"
