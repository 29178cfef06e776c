"""How much XP a message earns under a guild's settings, before the cooldown."""

from __future__ import annotations

import random
from collections.abc import Collection

from tatiana_levels.settings import LevelsSettings


def excluded(settings: LevelsSettings, channel_ids: Collection[int], role_ids: Collection[int]) -> bool:
    """Whether a message in these channels (its own and its thread's parent) by a member with these roles earns nothing."""
    return any(c in settings.no_xp_channel_ids for c in channel_ids) or any(
        r in settings.no_xp_role_ids for r in role_ids
    )


def multiplier(settings: LevelsSettings, channel_ids: Collection[int], role_ids: Collection[int]) -> float:
    """The factor on a message's XP: the highest of the member's role factors times the channel's factor."""
    roles = [m.multiplier for m in settings.role_multipliers if m.role_id in role_ids]
    channels = [m.multiplier for m in settings.channel_multipliers if m.channel_id in channel_ids]
    return max(roles, default=1.0) * (channels[0] if channels else 1.0)


def message_xp(
    settings: LevelsSettings,
    channel_ids: Collection[int],
    role_ids: Collection[int],
    rng: random.Random | None = None,
) -> int:
    """XP for one message: random between the guild's least and most, times the multipliers, rounded."""
    base = (rng or random).randint(settings.xp_min, settings.xp_max)
    return round(base * multiplier(settings, channel_ids, role_ids))
