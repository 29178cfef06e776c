"""The daily reward's rules and how durations read, without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from tatiana_economy.daily import DailyRule, next_claim_at, streak_after_claim
from tatiana_economy.formatting import duration

NOON = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_the_reward_grows_by_the_bonus_per_day_of_streak_up_to_the_cap() -> None:
    rule = DailyRule(amount=100, streak_bonus=10, max_streak_days=7)
    assert [rule.reward(day) for day in (1, 2, 3, 8, 9, 365)] == [100, 110, 120, 170, 170, 170]


def test_a_streak_continues_within_48_hours_and_starts_again_after() -> None:
    assert streak_after_claim(None, 0, NOON) == 1
    assert streak_after_claim(NOON, 4, NOON + timedelta(hours=47, minutes=59)) == 5
    assert streak_after_claim(NOON, 4, NOON + timedelta(hours=48, seconds=1)) == 1
    assert streak_after_claim(NOON.replace(tzinfo=None), 2, NOON + timedelta(hours=30)) == 3, (
        "SQLite's naive UTC"
    )


def test_the_next_claim_is_24_hours_after_the_last() -> None:
    assert next_claim_at(None) is None
    assert next_claim_at(NOON) == NOON + timedelta(hours=24)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0.2, "1 s"),
        (42, "42 s"),
        (60, "1 min"),
        (61, "2 min"),
        (3600, "1 h"),
        (11_520, "3 h 12 min"),
        (86_399, "24 h"),
    ],
)
def test_durations_round_up_to_what_a_member_reads(seconds: float, text: str) -> None:
    assert duration(timedelta(seconds=seconds)) == text
