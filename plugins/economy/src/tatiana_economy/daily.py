"""The daily reward's rules: once every 24 hours, with a streak that a missed day resets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

CLAIM_INTERVAL = timedelta(hours=24)
"""Time between two claims."""
STREAK_WINDOW = timedelta(hours=48)
"""A claim later than this after the previous one has missed a day: the streak starts again."""


@dataclass(frozen=True)
class DailyRule:
    """How much a claim pays: ``amount``, plus ``streak_bonus`` per day of streak beyond the first, capped."""

    amount: int
    streak_bonus: int = 0
    max_streak_days: int = 7

    def reward(self, streak: int) -> int:
        """What the claim completing a streak of ``streak`` days pays."""
        return self.amount + self.streak_bonus * min(max(streak - 1, 0), self.max_streak_days)


def as_utc(moment: datetime) -> datetime:
    """``moment`` as an aware UTC datetime (SQLite hands timestamps back without their zone)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def next_claim_at(last_claim: datetime | None) -> datetime | None:
    """When the next claim is possible (None: now, there was none)."""
    return None if last_claim is None else as_utc(last_claim) + CLAIM_INTERVAL


def streak_after_claim(last_claim: datetime | None, streak: int, now: datetime) -> int:
    """The streak a claim at ``now`` completes: one more than before, or 1 after a missed day."""
    if last_claim is None or as_utc(now) - as_utc(last_claim) > STREAK_WINDOW:
        return 1
    return streak + 1
