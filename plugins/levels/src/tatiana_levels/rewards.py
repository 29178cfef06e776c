"""Role rewards: the roles a member's level earns them, given and taken through Discord's REST API."""

from __future__ import annotations

import logging
from collections.abc import Collection

import hikari

from tatiana_levels.settings import LevelsSettings

log = logging.getLogger(__name__)


def reward_changes(
    settings: LevelsSettings, level: int, current: Collection[int], *, sync: bool
) -> tuple[list[int], list[int]]:
    """Roles to give and to take so the member's reward roles fit ``level``.

    Stacking keeps every role earned; replacing keeps only the highest level's. With ``sync`` (an admin
    changed the XP) roles of levels above ``level`` are taken too; a level-up never takes them.
    """
    earned = settings.rewards_up_to(level)
    wanted = (
        {r.role_id for r in earned}
        if settings.stack_role_rewards
        else {earned[-1].role_id}
        if earned
        else set()
    )
    unwanted = set() if settings.stack_role_rewards else {r.role_id for r in earned} - wanted
    if sync:
        unwanted |= {r.role_id for r in settings.role_rewards if r.level > level}
    give = sorted(wanted - set(current))
    take = sorted(unwanted & set(current))
    return give, take


async def apply_rewards(
    rest: hikari.api.RESTClient,
    *,
    guild_id: int,
    user_id: int,
    current: Collection[int],
    settings: LevelsSettings,
    level: int,
    sync: bool,
    reason: str,
) -> None:
    """Give and take the member's reward roles for ``level``; a role Discord refuses is logged and skipped."""
    give, take = reward_changes(settings, level, current, sync=sync)
    for role_id in give:
        try:
            await rest.add_role_to_member(guild_id, user_id, role_id, reason=reason)
        except (hikari.ForbiddenError, hikari.NotFoundError) as exc:
            log.warning(
                "levels: could not give role %s to %s in guild %s: %s",
                role_id,
                user_id,
                guild_id,
                exc.message,
            )
    for role_id in take:
        try:
            await rest.remove_role_from_member(guild_id, user_id, role_id, reason=reason)
        except (hikari.ForbiddenError, hikari.NotFoundError) as exc:
            log.warning(
                "levels: could not take role %s from %s in guild %s: %s",
                role_id,
                user_id,
                guild_id,
                exc.message,
            )
