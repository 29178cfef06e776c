"""Escalation: after enough automod warnings within a window, a harsher action, counted from the stored cases.

The count is read from ``moderation_logs`` (the member's automod warnings in the window), so it survives restarts
and is the same on every shard.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from tatiana import Database
from tatiana_moderation.automod.settings import EscalationStep, Punishment
from tatiana_moderation.cases import Action, Source
from tatiana_moderation.core_tables import cases

SEVERITY = {Punishment.TIMEOUT: 1, Punishment.KICK: 2, Punishment.BAN: 3}


def harshest(steps: list[EscalationStep], warnings_within: dict[int, int]) -> EscalationStep | None:
    """The harshest step reached, given the warnings counted within each step's window (hours → count)."""
    reached = [step for step in steps if warnings_within.get(step.within_hours, 0) >= step.warnings]
    if not reached:
        return None
    return max(reached, key=lambda s: (SEVERITY[s.action], s.timeout_minutes, s.warnings))


async def next_step(
    db: Database, guild_id: int, user_id: int, steps: list[EscalationStep], now: datetime | None = None
) -> EscalationStep | None:
    """The step the member's automod warnings reach now (the latest one included), or None."""
    if not steps:
        return None
    now = now or datetime.now(UTC)
    since = now - timedelta(hours=max(step.within_hours for step in steps))
    async with db.session() as session:
        moments = (
            await session.scalars(
                sa.select(cases.c.created_at).where(
                    cases.c.guild_id == guild_id,
                    cases.c.user_id == user_id,
                    cases.c.action == Action.WARN.value,
                    cases.c.source == Source.AUTOMOD.value,
                    cases.c.created_at >= since,
                )
            )
        ).all()
    aware = [m if m.tzinfo is not None else m.replace(tzinfo=UTC) for m in moments]
    counts = {
        hours: sum(1 for m in aware if m >= now - timedelta(hours=hours))
        for hours in {step.within_hours for step in steps}
    }
    return harshest(steps, counts)
