"""Reports and appeals in the database: recorded once, then claimed by exactly one moderator's decision.

A decision is a conditional UPDATE (``WHERE status = 'open'``): of two moderators pressing at once, one
claims the row and the other learns it is handled, on PostgreSQL and SQLite alike.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from tatiana import Database
from tatiana_moderation.reports.tables import appeals, reports

CONTENT_MAX_LENGTH = 4000


class Resolution(enum.StrEnum):
    """What a moderator did with a report: the value is also the last part of its translation key."""

    DELETED = "deleted"
    WARNED = "warned"
    TIMED_OUT = "timed_out"
    DISMISSED = "dismissed"


class Decision(enum.StrEnum):
    """What became of an appeal."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    DENIED = "denied"


class AlreadyExists(Exception):
    """The message was reported already, or the ban appealed already."""


def _aware(moment: datetime | None) -> datetime | None:
    # SQLite gives back naive datetimes: they were written in UTC.
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


@dataclass(frozen=True)
class Report:
    """A reported message and what became of it."""

    id: int
    guild_id: int
    reporter_id: int
    channel_id: int
    message_id: int
    author_id: int
    content: str
    reason: str
    resolution: Resolution | None
    resolved_by: int | None
    case_id: int | None
    queue_channel_id: int | None
    queue_message_id: int | None
    created_at: datetime
    resolved_at: datetime | None

    @classmethod
    def from_row(cls, row: Any) -> Report:
        """A report from a ``moderation_reports`` row."""
        return cls(
            id=row.id,
            guild_id=row.guild_id,
            reporter_id=row.reporter_id,
            channel_id=row.channel_id,
            message_id=row.message_id,
            author_id=row.author_id,
            content=row.content,
            reason=row.reason,
            resolution=Resolution(row.resolution) if row.resolution else None,
            resolved_by=row.resolved_by,
            case_id=row.case_id,
            queue_channel_id=row.queue_channel_id,
            queue_message_id=row.queue_message_id,
            created_at=_aware(row.created_at) or datetime.now(UTC),
            resolved_at=_aware(row.resolved_at),
        )

    def jump_url(self) -> str:
        """The link that opens the reported message in Discord."""
        return f"https://discord.com/channels/{self.guild_id}/{self.channel_id}/{self.message_id}"


@dataclass(frozen=True)
class Appeal:
    """A banned user's appeal and its decision."""

    id: int
    guild_id: int
    user_id: int
    ban_case_id: int | None
    text: str
    decision: Decision
    decided_by: int | None
    unban_case_id: int | None
    channel_id: int | None
    message_id: int | None
    dm_channel_id: int | None
    dm_message_id: int | None
    created_at: datetime

    @classmethod
    def from_row(cls, row: Any) -> Appeal:
        """An appeal from a ``moderation_appeals`` row."""
        return cls(
            id=row.id,
            guild_id=row.guild_id,
            user_id=row.user_id,
            ban_case_id=row.ban_case_id,
            text=row.text,
            decision=Decision(row.status),
            decided_by=row.decided_by,
            unban_case_id=row.unban_case_id,
            channel_id=row.channel_id,
            message_id=row.message_id,
            dm_channel_id=row.dm_channel_id,
            dm_message_id=row.dm_message_id,
            created_at=_aware(row.created_at) or datetime.now(UTC),
        )


# --- reports -----------------------------------------------------------------------------------------------


async def report_of_message(db: Database, guild_id: int, message_id: int) -> Report | None:
    """The report of a message, whatever became of it, or None."""
    async with db.session() as session:
        row = (
            await session.execute(
                sa.select(reports).where(reports.c.guild_id == guild_id, reports.c.message_id == message_id)
            )
        ).one_or_none()
    return Report.from_row(row) if row is not None else None


async def get_report(db: Database, report_id: int) -> Report | None:
    """The report ``report_id``, or None."""
    async with db.session() as session:
        row = (await session.execute(sa.select(reports).where(reports.c.id == report_id))).one_or_none()
    return Report.from_row(row) if row is not None else None


async def create_report(
    db: Database,
    *,
    guild_id: int,
    reporter_id: int,
    channel_id: int,
    message_id: int,
    author_id: int,
    content: str,
    reason: str,
) -> Report:
    """Record an open report; ``AlreadyExists`` when the message was reported before."""
    try:
        async with db.transaction() as session:
            row = (
                await session.execute(
                    sa.insert(reports)
                    .values(
                        guild_id=guild_id,
                        reporter_id=reporter_id,
                        channel_id=channel_id,
                        message_id=message_id,
                        author_id=author_id,
                        content=content[:CONTENT_MAX_LENGTH],
                        reason=reason,
                        status="open",
                        created_at=datetime.now(UTC),
                    )
                    .returning(*reports.c)
                )
            ).one()
    except IntegrityError as error:
        raise AlreadyExists from error
    return Report.from_row(row)


async def forget_report(db: Database, report_id: int) -> None:
    """Remove a report that never reached the queue, so that the message can be reported again."""
    async with db.transaction() as session:
        await session.execute(sa.delete(reports).where(reports.c.id == report_id))


async def set_queue_message(db: Database, report_id: int, channel_id: int, message_id: int) -> None:
    """Remember the report's post in the queue."""
    async with db.transaction() as session:
        await session.execute(
            sa.update(reports)
            .where(reports.c.id == report_id)
            .values(queue_channel_id=channel_id, queue_message_id=message_id)
        )


async def claim_report(
    db: Database, report_id: int, moderator_id: int, resolution: Resolution
) -> Report | None:
    """Mark an open report resolved by ``moderator_id``; None when it was not open (someone acted first)."""
    async with db.transaction() as session:
        row = (
            await session.execute(
                sa.update(reports)
                .where(reports.c.id == report_id, reports.c.status == "open")
                .values(
                    status="resolved",
                    resolution=resolution.value,
                    resolved_by=moderator_id,
                    resolved_at=datetime.now(UTC),
                )
                .returning(*reports.c)
            )
        ).one_or_none()
    return Report.from_row(row) if row is not None else None


async def reopen_report(db: Database, report_id: int) -> None:
    """Give a claimed report back to the queue: the action Discord refused did not happen."""
    async with db.transaction() as session:
        await session.execute(
            sa.update(reports)
            .where(reports.c.id == report_id)
            .values(status="open", resolution=None, resolved_by=None, resolved_at=None)
        )


async def set_report_case(db: Database, report_id: int, case_id: int) -> None:
    """Remember the case a report's resolution opened."""
    async with db.transaction() as session:
        await session.execute(sa.update(reports).where(reports.c.id == report_id).values(case_id=case_id))


# --- appeals -----------------------------------------------------------------------------------------------


async def appeal_of_ban(db: Database, guild_id: int, user_id: int, ban_case_id: int | None) -> Appeal | None:
    """The user's appeal of that ban, or None."""
    condition = (
        appeals.c.ban_case_id.is_(None) if ban_case_id is None else appeals.c.ban_case_id == ban_case_id
    )
    async with db.session() as session:
        row = (
            await session.execute(
                sa.select(appeals)
                .where(appeals.c.guild_id == guild_id, appeals.c.user_id == user_id, condition)
                .order_by(appeals.c.id.desc())
                .limit(1)
            )
        ).one_or_none()
    return Appeal.from_row(row) if row is not None else None


async def get_appeal(db: Database, appeal_id: int) -> Appeal | None:
    """The appeal ``appeal_id``, or None."""
    async with db.session() as session:
        row = (await session.execute(sa.select(appeals).where(appeals.c.id == appeal_id))).one_or_none()
    return Appeal.from_row(row) if row is not None else None


async def create_appeal(
    db: Database,
    *,
    guild_id: int,
    user_id: int,
    ban_case_id: int | None,
    text: str,
    dm_channel_id: int | None,
    dm_message_id: int | None,
) -> Appeal:
    """Record a pending appeal; ``AlreadyExists`` when that ban was appealed before."""
    if await appeal_of_ban(db, guild_id, user_id, ban_case_id) is not None:
        raise AlreadyExists
    try:
        async with db.transaction() as session:
            row = (
                await session.execute(
                    sa.insert(appeals)
                    .values(
                        guild_id=guild_id,
                        user_id=user_id,
                        ban_case_id=ban_case_id,
                        text=text,
                        status=Decision.PENDING.value,
                        dm_channel_id=dm_channel_id,
                        dm_message_id=dm_message_id,
                        created_at=datetime.now(UTC),
                    )
                    .returning(*appeals.c)
                )
            ).one()
    except IntegrityError as error:
        raise AlreadyExists from error
    return Appeal.from_row(row)


async def forget_appeal(db: Database, appeal_id: int) -> None:
    """Remove an appeal that never reached the moderators, so that the user can send it again."""
    async with db.transaction() as session:
        await session.execute(sa.delete(appeals).where(appeals.c.id == appeal_id))


async def set_appeal_message(db: Database, appeal_id: int, channel_id: int, message_id: int) -> None:
    """Remember the appeal's post for the moderators."""
    async with db.transaction() as session:
        await session.execute(
            sa.update(appeals)
            .where(appeals.c.id == appeal_id)
            .values(channel_id=channel_id, message_id=message_id)
        )


async def claim_appeal(db: Database, appeal_id: int, moderator_id: int, decision: Decision) -> Appeal | None:
    """Decide a pending appeal; None when it was decided already."""
    async with db.transaction() as session:
        row = (
            await session.execute(
                sa.update(appeals)
                .where(appeals.c.id == appeal_id, appeals.c.status == Decision.PENDING.value)
                .values(status=decision.value, decided_by=moderator_id, decided_at=datetime.now(UTC))
                .returning(*appeals.c)
            )
        ).one_or_none()
    return Appeal.from_row(row) if row is not None else None


async def reopen_appeal(db: Database, appeal_id: int) -> None:
    """Give a claimed appeal back: the unban Discord refused did not happen."""
    async with db.transaction() as session:
        await session.execute(
            sa.update(appeals)
            .where(appeals.c.id == appeal_id)
            .values(status=Decision.PENDING.value, decided_by=None, decided_at=None)
        )


async def set_unban_case(db: Database, appeal_id: int, case_id: int) -> None:
    """Remember the unban case of an accepted appeal."""
    async with db.transaction() as session:
        await session.execute(
            sa.update(appeals).where(appeals.c.id == appeal_id).values(unban_case_id=case_id)
        )
