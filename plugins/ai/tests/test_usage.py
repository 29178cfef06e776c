"""Usage rows in the core's ``ai_conversations`` and today's totals, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from tatiana_ai.core_tables import conversations
from tatiana_ai.usage import Exchange, Spent, record, spent_today, start_of_day

from tatiana import Database

GUILD, MARTA, PABLO = 1_180_000_000_000_000_001, 1_180_000_000_000_000_002, 1_180_000_000_000_000_003


def exchange(user_id: int, tokens: int | None, guild_id: int = GUILD) -> Exchange:
    return Exchange(
        guild_id=guild_id,
        guild_name="Tatiana Dev",
        user_id=user_id,
        username="marta" if user_id == MARTA else "pablo",
        message_id=42,
        prompt="¿Hola?",
        response="¡Hola!",
        tokens=tokens,
        seconds=0.5,
    )


async def test_exchanges_add_up_per_member_and_guild(db: Database) -> None:
    assert await spent_today(db, GUILD, MARTA) == Spent(guild=0, member=0)
    await record(db, exchange(MARTA, 100))
    await record(db, exchange(MARTA, 20))
    await record(db, exchange(PABLO, 7))
    await record(db, exchange(PABLO, None))
    await record(db, exchange(MARTA, 1_000, guild_id=GUILD + 10))
    assert await spent_today(db, GUILD, MARTA) == Spent(guild=127, member=120)
    assert await spent_today(db, GUILD, PABLO) == Spent(guild=127, member=7)


async def test_yesterdays_tokens_do_not_count(db: Database) -> None:
    await record(db, exchange(MARTA, 100))
    async with db.transaction() as session:
        await session.execute(
            sa.update(conversations).values(created_at=start_of_day() - timedelta(seconds=1))
        )
    assert await spent_today(db, GUILD, MARTA) == Spent(guild=0, member=0)


def test_the_day_starts_at_midnight_utc() -> None:
    late = datetime(2026, 11, 26, 23, 59, tzinfo=UTC)
    assert start_of_day(late) == datetime(2026, 11, 26, tzinfo=UTC)
