"""The levels plugin's reads and writes of ``level_members``, the same statements on PostgreSQL and SQLite."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.dialects import postgresql, sqlite

from tatiana import Database
from tatiana_levels.models import LevelMember

TABLE = LevelMember.__table__


def member_key(guild_id: int, user_id: int) -> str:
    """The buffered counter's key of a member: ``"<guild id>:<user id>"``."""
    return f"{guild_id}:{user_id}"


def parse_member_key(key: str) -> tuple[int, int]:
    """``(guild id, user id)`` of a key made by ``member_key``."""
    guild_id, user_id = key.split(":")
    return int(guild_id), int(user_id)


def _insert(db: Database) -> Any:
    dialect = postgresql if db.dialect == "postgresql" else sqlite
    return dialect.insert(TABLE)


async def write_xp_batch(db: Database, increments: Mapping[str, int]) -> None:
    """Add a flush's XP to each member's row, creating missing rows: one statement, one row per member."""
    rows = [
        {"guild_id": guild_id, "user_id": user_id, "xp": amount}
        for guild_id, user_id, amount in ((*parse_member_key(k), v) for k, v in increments.items())
    ]
    if not rows:
        return
    insert = _insert(db)
    statement = insert.on_conflict_do_update(
        index_elements=[TABLE.c.guild_id, TABLE.c.user_id],
        set_={"xp": TABLE.c.xp + insert.excluded.xp, "updated_at": func.now()},
    )
    async with db.transaction() as session:
        await session.execute(statement, rows)


async def stored_xp(db: Database, guild_id: int, user_id: int) -> int:
    """The member's XP in the database (without what is still buffered)."""
    async with db.session() as session:
        xp = await session.scalar(
            select(LevelMember.xp).where(LevelMember.guild_id == guild_id, LevelMember.user_id == user_id)
        )
    return int(xp or 0)


async def rank_of(db: Database, guild_id: int, xp: int) -> int:
    """The position a member with ``xp`` holds in the guild: 1 + the members with more stored XP."""
    async with db.session() as session:
        above = await session.scalar(
            select(func.count()).where(LevelMember.guild_id == guild_id, LevelMember.xp > xp)
        )
    return int(above or 0) + 1


async def ranked_members(db: Database, guild_id: int, offset: int, limit: int) -> list[tuple[int, int]]:
    """``(user id, xp)`` of the guild's members with XP, most first, from position ``offset``."""
    async with db.session() as session:
        result = await session.execute(
            select(LevelMember.user_id, LevelMember.xp)
            .where(LevelMember.guild_id == guild_id, LevelMember.xp > 0)
            .order_by(LevelMember.xp.desc(), LevelMember.user_id)
            .offset(offset)
            .limit(limit)
        )
        return [(int(user_id), int(xp)) for user_id, xp in result]


async def members_with_xp(db: Database, guild_id: int) -> int:
    """How many members of the guild have any stored XP."""
    async with db.session() as session:
        count = await session.scalar(
            select(func.count()).where(LevelMember.guild_id == guild_id, LevelMember.xp > 0)
        )
    return int(count or 0)


async def change_xp(
    db: Database, guild_id: int, user_id: int, *, set_to: int | None = None, add: int = 0
) -> int:
    """Set the member's XP to ``set_to``, or add ``add`` to it (never below 0); returns the new XP."""
    insert = _insert(db)
    if set_to is not None:
        value, new_xp = set_to, insert.excluded.xp
    else:
        value = max(add, 0)
        total = TABLE.c.xp + add
        new_xp = case((total < 0, 0), else_=total)
    statement = insert.values(guild_id=guild_id, user_id=user_id, xp=value).on_conflict_do_update(
        index_elements=[TABLE.c.guild_id, TABLE.c.user_id], set_={"xp": new_xp, "updated_at": func.now()}
    )
    async with db.transaction() as session:
        await session.execute(statement)
        xp = await session.scalar(
            select(LevelMember.xp).where(LevelMember.guild_id == guild_id, LevelMember.user_id == user_id)
        )
    return int(xp or 0)
