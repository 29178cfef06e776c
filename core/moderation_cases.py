"""The core's ``moderation_logs``: a case written with its guild's next number, safe when two are written at once.

On PostgreSQL the guild's row is locked while its next number is taken, so concurrent writers of one guild take
turns; SQLite serialises writers itself. Should two writers still pick one number, the unique constraint on
``(guild_id, case_number)`` refuses the second, which tries again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from tatiana.database import Database
from tatiana.db.models import Guild, ModerationLog

ATTEMPTS = 20


@dataclass(frozen=True)
class CaseUser:
    """A Discord user a case names, as the ``users`` table needs them."""

    id: int
    username: str
    global_name: str | None = None


@dataclass(frozen=True)
class CaseRecord:
    """One moderation action to record: in which guild, to whom (None: to the channel ``channel_id``), by whom
    (None: automod), what, why, how long."""

    guild_id: int
    guild_name: str
    target: CaseUser | None
    moderator: CaseUser | None
    action: str
    reason: str | None = None
    duration_seconds: int | None = None
    expires_at: datetime | None = None
    source: str = "command"
    channel_id: int | None = None
    guild_owner_id: int | None = None


class CaseNumberExhausted(RuntimeError):
    """Every attempt to take a case number collided with another writer."""


AfterCase = Callable[[AsyncSession, sa.Row[Any]], Awaitable[None]]


def case_alert(row: sa.Row[Any] | ModerationLog, *, dm_first: bool = False) -> dict[str, Any]:
    """The moderation alert of a recorded case (its ``moderation_logs`` row), as the dashboard's live view shows
    it: ``await live.moderation_alert(guild_id, case_alert(row))``. Ids are strings (JavaScript numbers lose
    them).

    ``dm_first``: the action is still to come on Discord (a ban) and waits for the member's DM, which the bot
    serving the guild sends and then confirms with ``LiveEvents.case_told``; the alert carries ``"dm_first": true``.
    """

    def text(snowflake: int | None) -> str | None:
        return str(snowflake) if snowflake is not None else None

    expires_at = row.expires_at
    if expires_at is not None and expires_at.tzinfo is None:  # SQLite hands back naive UTC datetimes
        expires_at = expires_at.replace(tzinfo=UTC)
    alert: dict[str, Any] = {
        "case": row.case_number,
        "action": row.action,
        "source": row.source,
        "user_id": text(row.user_id),
        "channel_id": text(row.channel_id),
        "moderator_id": text(row.moderator_id),
        "reason": row.reason,
        "duration_seconds": row.duration,
        "expires_at": expires_at.isoformat() if expires_at is not None else None,
    }
    if dm_first:
        alert["dm_first"] = True
    return alert


async def record_case(db: Database, record: CaseRecord, *, then: AfterCase | None = None) -> sa.Row[Any]:
    """Write ``record`` as its guild's next case; the ``moderation_logs`` row as written.

    ``then`` runs in the same transaction with the new row (scheduling the action's end...); an exception from
    it undoes the case.
    """
    if record.target is None and record.channel_id is None:
        raise ValueError("a case is about a member or a channel: give target or channel_id")
    if record.duration_seconds is not None and record.duration_seconds <= 0:
        raise ValueError(f"a case's duration must be positive, not {record.duration_seconds} s")
    last: Exception | None = None
    for attempt in range(ATTEMPTS):
        try:
            async with db.transaction() as session:
                row = await _write(session, record)
                if then is not None:
                    await then(session, row)
                return row
        except IntegrityError as error:
            if not _is_number_taken(error):
                raise
            last = error
        except OperationalError as error:  # SQLite's write lock held past the busy timeout
            if "locked" not in str(error.orig).lower():
                raise
            last = error
        await asyncio.sleep(0.005 * (attempt + 1))
    raise CaseNumberExhausted(f"no case number could be taken in guild {record.guild_id}") from last


async def _write(session: AsyncSession, record: CaseRecord) -> sa.Row[Any]:
    await Database.ensure_guild(session, record.guild_id, record.guild_name, record.guild_owner_id)
    people = {person for person in (record.target, record.moderator) if person is not None}
    for person in sorted(people, key=lambda p: p.id):
        await Database.ensure_user(session, person.id, person.username, person.global_name)
    await session.execute(sa.select(Guild.id).where(Guild.discord_id == record.guild_id).with_for_update())
    logs = cast("sa.Table", ModerationLog.__table__)
    following = (
        sa.select(sa.func.coalesce(sa.func.max(logs.c.case_number), 0) + 1)
        .where(logs.c.guild_id == record.guild_id)
        .scalar_subquery()
    )
    statement = (
        sa.insert(logs)
        .values(
            guild_id=record.guild_id,
            case_number=following,
            user_id=record.target.id if record.target else None,
            moderator_id=record.moderator.id if record.moderator else None,
            action=record.action,
            reason=record.reason,
            duration=record.duration_seconds,
            created_at=datetime.now(UTC),
            expires_at=record.expires_at,
            is_active=True,
            source=record.source,
            channel_id=record.channel_id,
        )
        .returning(*logs.c)
    )
    return (await session.execute(statement)).one()


def _is_number_taken(error: IntegrityError) -> bool:
    text = str(error.orig).lower()
    return "case_number" in text or ("unique" in text and "moderation_logs" in text)
