"""The pure rules of moderation: durations as moderators type them, and who may act on whom."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tatiana_moderation.durations import MAX_TIMEOUT, InvalidDuration, format_duration, parse_duration
from tatiana_moderation.hierarchy import OWNER_POSITION, Ranks, Refusal, refusal, top_position


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10m", timedelta(minutes=10)),
        ("2h", timedelta(hours=2)),
        ("7d", timedelta(days=7)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        (" 1H 30M ", timedelta(hours=1, minutes=30)),
        ("45s", timedelta(seconds=45)),
        ("2w", timedelta(days=14)),
    ],
)
def test_durations_read_as_moderators_write_them(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "10", "m", "ten minutes", "1h-30m", "0m", "1y", "5m!", "99999999d"])
def test_unreadable_or_empty_durations_say_how_to_write_them(text: str) -> None:
    with pytest.raises(InvalidDuration, match="like 10m, 2h, 7d or 1h30m") as caught:
        parse_duration(text)
    assert caught.value.limit is None


def test_a_duration_over_its_limit_names_the_limit() -> None:
    assert parse_duration("28d", limit=MAX_TIMEOUT) == MAX_TIMEOUT
    with pytest.raises(InvalidDuration, match="longer than 28d") as caught:
        parse_duration("28d1m", limit=MAX_TIMEOUT)
    assert caught.value.limit == MAX_TIMEOUT


def test_durations_are_shown_compactly() -> None:
    assert format_duration(timedelta(hours=1, minutes=30)) == "1h 30m"
    assert format_duration(timedelta(days=1, seconds=5)) == "1d 5s"
    assert format_duration(90) == "1m 30s"
    assert format_duration(0) == "0s"


OWNER, BOT, MOD, TARGET = 1, 2, 3, 4


def ranks(moderator_top: int = 5, bot_top: int = 10, moderator_id: int = MOD) -> Ranks:
    return Ranks(
        owner_id=OWNER, bot_id=BOT, moderator_id=moderator_id, moderator_top=moderator_top, bot_top=bot_top
    )


def test_a_moderator_acts_on_members_below_both_them_and_the_bot() -> None:
    assert refusal(ranks(), TARGET, target_top=4) is None
    assert refusal(ranks(), TARGET, target_top=0) is None
    assert refusal(ranks(), TARGET, target_top=None) is None, "not a member (a ban by id): no rank to compare"


def test_never_yourself_the_bot_or_the_owner() -> None:
    assert refusal(ranks(), MOD, target_top=5) is Refusal.SELF
    assert refusal(ranks(), BOT, target_top=10) is Refusal.BOT
    assert refusal(ranks(), OWNER, target_top=OWNER_POSITION) is Refusal.OWNER
    assert refusal(ranks(), OWNER, target_top=None) is Refusal.OWNER


def test_a_target_not_below_the_moderator_or_the_bot_is_refused() -> None:
    assert refusal(ranks(moderator_top=5), TARGET, target_top=5) is Refusal.ABOVE_MODERATOR, (
        "equal is not below"
    )
    assert refusal(ranks(moderator_top=5), TARGET, target_top=7) is Refusal.ABOVE_MODERATOR
    assert refusal(ranks(moderator_top=20, bot_top=10), TARGET, target_top=10) is Refusal.ABOVE_BOT
    owner_acting = ranks(moderator_top=OWNER_POSITION, bot_top=10, moderator_id=OWNER)
    assert refusal(owner_acting, TARGET, target_top=50) is Refusal.ABOVE_BOT, (
        "even the owner needs the bot above"
    )
    assert refusal(owner_acting, TARGET, target_top=9) is None


def test_top_position_is_the_highest_known_role() -> None:
    positions = {10: 1, 11: 5, 12: 3}
    assert top_position([10, 12], positions) == 3
    assert top_position([], positions) == 0
    assert top_position([99], positions) == 0, "a role the guild no longer has"
    assert top_position([10], positions, is_owner=True) == OWNER_POSITION
