"""Writing a numbered moderation case: the next case number of its guild, safe when two are written at once.

On PostgreSQL the guild's row is locked while its next number is read and used, so concurrent writers take
turns; SQLite serialises writers itself. Should two writers still pick one number, the unique constraint on
``(guild_id, case_number)`` refuses the second, which tries again with the next.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tatiana.database import Database
from tatiana.db.models import Guild, ModerationLog

ATTEMPTS = 8


@dataclass(frozen=True)
class Person:
    """A Discord user a case names, as the ``users`` table needs them."""

    id: int
    username: str
    global_name: str | None = None


@dataclass(frozen=True)
class NewCase:
    """What happened: who did what to whom in which guild, why, and until when."""

    guild_id: int
    guild_name: str
    user: Person
    moderator: Person
    action: str
    reason: str | None
    source: str
    duration: int | None = None
    expires_at: datetime | None = None
    channel_id: int | None = None


class CaseNumberExhausted(RuntimeError):
    """Every attempt to take a case number collided with another writer."""


async def _write(session: AsyncSession, case: NewCase) -> int:
    await Database.ensure_guild(session, case.guild_id, case.guild_name)
    for person in sorted({case.user, case.moderator}, key=lambda p: p.id):
        await Database.ensure_user(session, person.id, person.username, person.global_name)
    await session.execute(select(Guild.id).where(Guild.discord_id == case.guild_id).with_for_update())
    number = await session.scalar(
        select(func.coalesce(func.max(ModerationLog.case_number), 0) + 1).where(
            ModerationLog.guild_id == case.guild_id
        )
    )
    row_id = await session.scalar(
        insert(ModerationLog)
        .values(
            guild_id=case.guild_id,
            user_id=case.user.id,
            moderator_id=case.moderator.id,
            action=case.action,
            reason=case.reason,
            duration=case.duration,
            expires_at=case.expires_at,
            source=case.source,
            channel_id=case.channel_id,
            case_number=number,
        )
        .returning(ModerationLog.id)
    )
    assert row_id is not None
    return int(row_id)


async def record_case(sessions: async_sessionmaker[AsyncSession], case: NewCase) -> ModerationLog:
    """Write ``case`` with its guild's next case number; the row as written."""
    last: Exception | None = None
    for _ in range(ATTEMPTS):
        try:
            async with sessions.begin() as session:
                row_id = await _write(session, case)
        except (IntegrityError, OperationalError) as exc:
            # Another writer took the number (or held SQLite's write lock past the busy timeout): next one.
            last = exc
            continue
        async with sessions() as session:
            row = await session.get(ModerationLog, row_id)
        assert row is not None
        return row
    raise CaseNumberExhausted(f"no case number could be taken in guild {case.guild_id}") from last
