"""The level curve: each level costs 5·L² + 50·L + 100 XP more than the last."""

from __future__ import annotations

import pytest
from tatiana_levels.curve import level_for_xp, total_xp_for_level, xp_to_next_level


def test_first_levels() -> None:
    assert [xp_to_next_level(level) for level in range(4)] == [100, 155, 220, 295]
    assert [total_xp_for_level(level) for level in range(5)] == [0, 100, 255, 475, 770]


def test_total_is_the_sum_of_the_steps() -> None:
    for level in range(300):
        assert total_xp_for_level(level) == sum(xp_to_next_level(step) for step in range(level))


@pytest.mark.parametrize(("xp", "level"), [(0, 0), (99, 0), (100, 1), (254, 1), (255, 2), (770, 4), (771, 4)])
def test_level_for_xp(xp: int, level: int) -> None:
    assert level_for_xp(xp) == level


def test_negative_values_are_refused() -> None:
    with pytest.raises(ValueError, match="level must be 0 or more"):
        total_xp_for_level(-1)
    with pytest.raises(ValueError, match="xp must be 0 or more"):
        level_for_xp(-5)
