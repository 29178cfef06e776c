"""The level curve: how much XP each level takes (5·L² + 50·L + 100 to go from level L to L + 1)."""

from __future__ import annotations


def xp_to_next_level(level: int) -> int:
    """XP needed to go from ``level`` to ``level + 1``."""
    if level < 0:
        raise ValueError(f"level must be 0 or more, not {level}")
    return 5 * level * level + 50 * level + 100


def total_xp_for_level(level: int) -> int:
    """Total XP a member needs to reach ``level`` from zero."""
    if level < 0:
        raise ValueError(f"level must be 0 or more, not {level}")
    # Sum of 5L² + 50L + 100 for L in 0..level-1, in closed form.
    n = level
    return (5 * (n - 1) * n * (2 * n - 1)) // 6 + 25 * (n - 1) * n + 100 * n


def level_for_xp(xp: int) -> int:
    """The level a member with ``xp`` total XP has reached."""
    if xp < 0:
        raise ValueError(f"xp must be 0 or more, not {xp}")
    level = 0
    while total_xp_for_level(level + 1) <= xp:
        level += 1
    return level
