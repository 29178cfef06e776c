"""The rules behind levels, without a bot: settings the form must refuse, XP amounts, reward roles."""

from __future__ import annotations

import re
from typing import Any

import pytest
from pydantic import ValidationError
from tatiana_levels.earning import excluded, multiplier
from tatiana_levels.rewards import reward_changes
from tatiana_levels.settings import LevelsSettings
from tatiana_levels.store import member_key, parse_member_key


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (
            {"announce_template": "¡{user} sube!"},
            "unknown placeholder {user} in the template; use {member}, {name}",
        ),
        ({"announce_template": "{member.__class__}"}, "unknown placeholder {member.__class__}"),
        ({"announce_template": "{level:>10}"}, "write {level} without a format or conversion"),
        ({"announce_template": "llaves { sueltas"}, "the template is not valid"),
        (
            {"role_rewards": [{"level": 1, "role_id": 5}, {"level": 2, "role_id": 5}]},
            "a role can be the reward of one level only",
        ),
        ({"role_rewards": [{"level": 0, "role_id": 5}]}, "greater than or equal to 1"),
        ({"role_multipliers": [{"role_id": 5, "multiplier": 11}]}, "less than or equal to 10"),
    ],
)
def test_settings_refuse_with_a_clear_message(values: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=re.escape(message)):
        LevelsSettings.model_validate(values)


def test_a_template_may_use_every_placeholder_and_literal_braces() -> None:
    template = "{{🎉}} {member} ({name}) nivel {level} en {server}"
    assert LevelsSettings(announce_template=template).announce_template == template


def test_exclusions_and_multipliers() -> None:
    settings = LevelsSettings.model_validate(
        {
            "no_xp_channel_ids": [10],
            "no_xp_role_ids": [20],
            "role_multipliers": [{"role_id": 1, "multiplier": 0.5}, {"role_id": 2, "multiplier": 3}],
            "channel_multipliers": [{"channel_id": 11, "multiplier": 2}],
        }
    )
    assert excluded(settings, {12, 10}, set()), "a thread under an excluded channel"
    assert excluded(settings, {12}, {20})
    assert not excluded(settings, {12}, {1})
    assert multiplier(settings, {12}, {1}) == 0.5, "a lone role factor applies even below 1"
    assert multiplier(settings, {11}, {1, 2}) == 6.0


@pytest.mark.parametrize(
    ("stack", "level", "current", "sync", "expected"),
    [
        (True, 5, [], False, ([100, 101], [])),
        (
            True,
            1,
            [101],
            False,
            ([100], []),
        ),
        (True, 1, [101], True, ([100], [101])),
        (False, 5, [100], False, ([101], [100])),
        (False, 0, [100, 101], True, ([], [100, 101])),
        (False, 0, [100, 101], False, ([], [])),
    ],
)
def test_reward_changes(
    stack: bool, level: int, current: list[int], sync: bool, expected: tuple[list[int], list[int]]
) -> None:
    settings = LevelsSettings.model_validate(
        {
            "stack_role_rewards": stack,
            "role_rewards": [{"level": 5, "role_id": 101}, {"level": 1, "role_id": 100}],
        }
    )
    assert reward_changes(settings, level, current, sync=sync) == expected


def test_member_keys_round_trip() -> None:
    assert parse_member_key(member_key(1_180_000_000_000_000_001, 42)) == (1_180_000_000_000_000_001, 42)
