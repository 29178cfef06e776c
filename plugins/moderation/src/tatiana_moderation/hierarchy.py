"""Who may act on whom: the checks a moderator expects, on role positions alone (no Discord calls)."""

from __future__ import annotations

import enum
from dataclasses import dataclass

OWNER_POSITION = 1 << 30
"""The owner's rank: above every role."""


class Refusal(enum.Enum):
    """Why an action on a member is refused; the value is the last part of its translation key."""

    SELF = "self"
    BOT = "bot"
    OWNER = "owner"
    ABOVE_MODERATOR = "above_moderator"
    ABOVE_BOT = "above_bot"


@dataclass(frozen=True)
class Ranks:
    """The ids and top role positions of the three people in an action (the owner ranks ``OWNER_POSITION``)."""

    owner_id: int
    bot_id: int
    moderator_id: int
    moderator_top: int
    bot_top: int


def refusal(ranks: Ranks, target_id: int, target_top: int | None) -> Refusal | None:
    """Why the moderator may not act on ``target_id``, or None; ``target_top`` None: not a member (any rank)."""
    if target_id == ranks.moderator_id:
        return Refusal.SELF
    if target_id == ranks.bot_id:
        return Refusal.BOT
    if target_id == ranks.owner_id:
        return Refusal.OWNER
    if target_top is None:
        return None
    if ranks.moderator_id != ranks.owner_id and target_top >= ranks.moderator_top:
        return Refusal.ABOVE_MODERATOR
    if target_top >= ranks.bot_top:
        return Refusal.ABOVE_BOT
    return None


def top_position(role_ids: list[int], positions: dict[int, int], *, is_owner: bool = False) -> int:
    """A member's highest role position (0 with @everyone alone); ``OWNER_POSITION`` for the owner."""
    if is_owner:
        return OWNER_POSITION
    return max((positions[r] for r in role_ids if r in positions), default=0)
