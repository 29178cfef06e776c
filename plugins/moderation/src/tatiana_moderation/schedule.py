"""Actions scheduled for later (a tempban's unban), stored so that they survive restarts and run once.

A runner claims a due action for ``LEASE`` (a conditional update: two runners never hold it together),
executes it, and marks it done in the transaction that records its outcome (again conditional: done once).
A runner that dies while holding it leaves the lease to expire, and another takes the action over.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from tatiana import Database
from tatiana_moderation.tables import scheduled_actions as table

LEASE = timedelta(minutes=2)
BATCH = 50


@dataclass(frozen=True)
class Scheduled:
    """A stored action: what to do to whom in which guild, when, and the case that asked for it."""

    id: int
    guild_id: int
    user_id: int
    action: str
    due_at: datetime
    case_id: int | None

    @classmethod
    def from_row(cls, row: Any) -> Scheduled:
        """A scheduled action from its row."""
        due = row.due_at if row.due_at.tzinfo is not None else row.due_at.replace(tzinfo=UTC)
        return cls(row.id, row.guild_id, row.user_id, row.action, due, row.case_id)


async def schedule(
    session: AsyncSession, *, guild_id: int, user_id: int, action: str, due_at: datetime, case_id: int | None
) -> None:
    """Store an action to take at ``due_at``, in the caller's transaction; any pending one alike is replaced."""
    await cancel_in(session, guild_id, user_id, action)
    await session.execute(
        sa.insert(table).values(
            guild_id=guild_id, user_id=user_id, action=action, due_at=due_at, case_id=case_id
        )
    )


async def cancel_in(session: AsyncSession, guild_id: int, user_id: int, action: str) -> int:
    """Cancel the member's pending actions of ``action`` in the caller's transaction; how many."""
    result = await session.execute(
        sa.update(table)
        .where(
            table.c.guild_id == guild_id,
            table.c.user_id == user_id,
            table.c.action == action,
            table.c.done_at.is_(None),
        )
        .values(done_at=datetime.now(UTC), outcome="cancelled")
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def cancel(db: Database, guild_id: int, user_id: int, action: str) -> int:
    """Cancel the member's pending actions of ``action`` (a ban lifted by hand); how many."""
    async with db.transaction() as session:
        return await cancel_in(session, guild_id, user_id, action)


async def pending(db: Database, guild_id: int | None = None) -> list[Scheduled]:
    """Actions not yet done, soonest first."""
    query = sa.select(table).where(table.c.done_at.is_(None)).order_by(table.c.due_at)
    if guild_id is not None:
        query = query.where(table.c.guild_id == guild_id)
    async with db.session() as session:
        return [Scheduled.from_row(row) for row in (await session.execute(query)).all()]


async def claim_due(db: Database, now: datetime | None = None, lease: timedelta = LEASE) -> list[Scheduled]:
    """Due actions this runner now holds for ``lease``; another runner's unexpired claim is left alone."""
    now = now or datetime.now(UTC)
    free = sa.or_(table.c.claimed_until.is_(None), table.c.claimed_until < now)
    async with db.session() as session:
        rows = (
            await session.execute(
                sa.select(table)
                .where(table.c.done_at.is_(None), table.c.due_at <= now, free)
                .order_by(table.c.due_at)
                .limit(BATCH)
            )
        ).all()
    claimed = []
    for row in rows:
        async with db.transaction() as session:
            result = await session.execute(
                sa.update(table)
                .where(table.c.id == row.id, table.c.done_at.is_(None), free)
                .values(claimed_until=now + lease)
            )
        if getattr(result, "rowcount", 0) == 1:
            claimed.append(Scheduled.from_row(row))
    return claimed


async def finish(session: AsyncSession, action_id: int, outcome: str) -> bool:
    """Mark an action done in the caller's transaction; False when it already was (run elsewhere)."""
    result = await session.execute(
        sa.update(table)
        .where(table.c.id == action_id, table.c.done_at.is_(None))
        .values(done_at=datetime.now(UTC), outcome=outcome)
    )
    return getattr(result, "rowcount", 0) == 1
