"""Numbered moderation cases: opened in one transaction with the guild's next number, read, and amended.

Every action on a member (a command, automod, a report) is one case. ``open_case`` is what each of them calls;
the core's ``record_case`` takes the guild's next number safely when cases are opened at the same time, on
PostgreSQL and SQLite alike (the API's moderation actions write through it too).
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from tatiana import CaseRecord, CaseUser, Database, record_case
from tatiana_moderation.core_tables import cases

REASON_MAX_LENGTH = 500


class Action(enum.StrEnum):
    """What a case records (the API records a timeout as ``mute``: read as TIMEOUT)."""

    WARN = "warn"
    TIMEOUT = "timeout"
    UNTIMEOUT = "untimeout"
    KICK = "kick"
    BAN = "ban"
    UNBAN = "unban"
    DELETE = "delete"
    PURGE = "purge"
    SLOWMODE = "slowmode"
    LOCK = "lock"
    UNLOCK = "unlock"

    @classmethod
    def _missing_(cls, value: object) -> Action | None:
        return cls.TIMEOUT if value == "mute" else None


CHANNEL_ACTIONS = frozenset({Action.PURGE, Action.SLOWMODE, Action.LOCK, Action.UNLOCK})
"""Actions on a channel rather than on a member: their cases name no member."""


class Source(enum.StrEnum):
    """Where an action came from."""

    COMMAND = "command"
    AUTOMOD = "automod"
    REPORT = "report"
    APPEAL = "appeal"
    API = "api"


@dataclass(frozen=True)
class Person:
    """A Discord user as the core's ``users`` table records them."""

    id: int
    username: str
    global_name: str | None = None


@dataclass(frozen=True)
class GuildRef:
    """A guild as the core's ``guilds`` table records it."""

    id: int
    name: str
    owner_id: int | None = None


@dataclass(frozen=True)
class Case:
    """One moderation case of a guild."""

    id: int
    guild_id: int
    number: int
    user_id: int | None
    moderator_id: int | None
    action: Action
    reason: str | None
    duration: timedelta | None
    created_at: datetime
    expires_at: datetime | None
    source: Source
    channel_id: int | None
    log_message_id: int | None
    row: Any = field(default=None, repr=False, compare=False)
    """The ``moderation_logs`` row read (None for a case not recorded yet: the DM told before a kick or ban)."""

    @property
    def member_id(self) -> int:
        """The member a member action's case is about."""
        if self.user_id is None:
            raise ValueError(f"case {self.number} is about a channel, not a member")
        return self.user_id

    @classmethod
    def from_row(cls, row: Any) -> Case:
        """A case from a ``moderation_logs`` row."""
        return cls(
            id=row.id,
            guild_id=row.guild_id,
            number=row.case_number,
            user_id=row.user_id,
            moderator_id=row.moderator_id,
            action=Action(row.action),
            reason=row.reason,
            duration=timedelta(seconds=row.duration) if row.duration is not None else None,
            created_at=_aware(row.created_at),
            expires_at=_aware(row.expires_at) if row.expires_at is not None else None,
            source=Source(row.source),
            channel_id=row.channel_id,
            log_message_id=row.log_message_id,
            row=row,
        )


def _aware(moment: datetime) -> datetime:
    # SQLite gives back naive datetimes: they were written in UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


async def open_case(
    db: Database,
    *,
    guild: GuildRef,
    target: Person | None,
    moderator: Person | None,
    action: Action,
    reason: str | None = None,
    duration: timedelta | None = None,
    expires_at: datetime | None = None,
    source: Source = Source.COMMAND,
    channel_id: int | None = None,
    then: Callable[[AsyncSession, Case], Awaitable[None]] | None = None,
) -> Case:
    """Record an action as the guild's next case, in one transaction; ``moderator`` None for automod, ``target``
    None for an action on the channel ``channel_id``.

    ``then`` runs in the same transaction with the new case (scheduling its end, marking what caused it
    done); an exception from it undoes the case.
    """
    if reason is not None:
        reason = reason.strip()[:REASON_MAX_LENGTH] or None
    record = CaseRecord(
        guild_id=guild.id,
        guild_name=guild.name,
        guild_owner_id=guild.owner_id,
        target=CaseUser(target.id, target.username, target.global_name) if target is not None else None,
        moderator=CaseUser(moderator.id, moderator.username, moderator.global_name) if moderator else None,
        action=action.value,
        reason=reason,
        duration_seconds=int(duration.total_seconds()) if duration is not None else None,
        expires_at=expires_at,
        source=source.value,
        channel_id=channel_id,
    )
    after = None
    if then is not None:
        follow_up = then

        async def after(session: AsyncSession, row: sa.Row[Any]) -> None:
            await follow_up(session, Case.from_row(row))

    return Case.from_row(await record_case(db, record, then=after))


async def get_case(db: Database, guild_id: int, number: int) -> Case | None:
    """The guild's case ``number``, or None."""
    async with db.session() as session:
        row = (
            await session.execute(
                sa.select(cases).where(cases.c.guild_id == guild_id, cases.c.case_number == number)
            )
        ).one_or_none()
    return Case.from_row(row) if row is not None else None


async def list_cases(
    db: Database,
    guild_id: int,
    *,
    user_id: int | None = None,
    actions: tuple[Action, ...] = (),
    limit: int = 10,
) -> tuple[list[Case], int]:
    """The guild's newest ``limit`` cases (of one member, of some actions) and how many there are in all."""
    conditions = [cases.c.guild_id == guild_id]
    if user_id is not None:
        conditions.append(cases.c.user_id == user_id)
    if actions:
        conditions.append(cases.c.action.in_([a.value for a in actions]))
    async with db.session() as session:
        rows = (
            await session.execute(
                sa.select(cases).where(*conditions).order_by(cases.c.case_number.desc()).limit(limit)
            )
        ).all()
        total = (await session.execute(sa.select(sa.func.count()).where(*conditions))).scalar_one()
    return [Case.from_row(row) for row in rows], int(total)


async def set_reason(db: Database, guild_id: int, number: int, reason: str) -> Case | None:
    """Replace the reason of the guild's case ``number``; the amended case, or None when there is none."""
    async with db.transaction() as session:
        row = (
            await session.execute(
                sa.update(cases)
                .where(cases.c.guild_id == guild_id, cases.c.case_number == number)
                .values(reason=reason.strip()[:REASON_MAX_LENGTH] or None)
                .returning(*cases.c)
            )
        ).one_or_none()
    return Case.from_row(row) if row is not None else None


async def set_log_message(db: Database, case_id: int, message_id: int) -> None:
    """Remember the mod-log post of a case, to edit it when the case changes."""
    async with db.transaction() as session:
        await session.execute(sa.update(cases).where(cases.c.id == case_id).values(log_message_id=message_id))


async def close_active(db: Database, guild_id: int, user_id: int, action: Action) -> int:
    """Mark the member's active cases of ``action`` (a ban lifted, a timeout ended) inactive; how many."""
    async with db.transaction() as session:
        result = await session.execute(
            sa.update(cases)
            .where(
                cases.c.guild_id == guild_id,
                cases.c.user_id == user_id,
                cases.c.action == action.value,
                cases.c.is_active.is_(True),
            )
            .values(is_active=False)
        )
    return int(getattr(result, "rowcount", 0) or 0)


async def get_case_by_id(db: Database, case_id: int) -> Case | None:
    """The case of row ``case_id``, or None."""
    async with db.session() as session:
        row = (await session.execute(sa.select(cases).where(cases.c.id == case_id))).one_or_none()
    return Case.from_row(row) if row is not None else None
