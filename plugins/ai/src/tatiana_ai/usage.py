"""Tokens spent per member and per guild: each exchange written to ``ai_conversations``, today's totals read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time

from sqlalchemy import func, select

from tatiana import Database
from tatiana_ai.core_tables import conversations


@dataclass(frozen=True)
class Exchange:
    """One answered question, as recorded."""

    guild_id: int
    guild_name: str
    user_id: int
    username: str
    message_id: int
    prompt: str
    response: str
    tokens: int | None
    seconds: float
    model: str | None = None
    conversation_id: int | None = None


@dataclass(frozen=True)
class Spent:
    """Tokens used today (UTC) by the whole guild and by one member."""

    guild: int
    member: int


def start_of_day(now: datetime | None = None) -> datetime:
    """Midnight UTC of ``now`` (default: today): the daily budgets reset then."""
    now = now or datetime.now(UTC)
    return datetime.combine(now.astimezone(UTC).date(), time(), tzinfo=UTC)


async def spent_today(db: Database, guild_id: int, user_id: int) -> Spent:
    """How many tokens the guild and the member have used since midnight UTC."""
    tokens = func.coalesce(func.sum(conversations.c.tokens_used), 0)
    since = conversations.c.created_at >= start_of_day()
    in_guild = conversations.c.guild_id == guild_id
    async with db.session() as session:
        guild = await session.scalar(select(tokens).where(in_guild, since))
        member = await session.scalar(
            select(tokens).where(in_guild, since, conversations.c.user_id == user_id)
        )
    return Spent(guild=int(guild or 0), member=int(member or 0))


async def record(db: Database, exchange: Exchange) -> None:
    """Write the exchange (and the member and guild rows it refers to, when missing)."""
    async with db.transaction() as session:
        await Database.ensure_guild(session, exchange.guild_id, exchange.guild_name)
        await Database.ensure_user(session, exchange.user_id, exchange.username)
        await session.execute(
            conversations.insert().values(
                user_id=exchange.user_id,
                guild_id=exchange.guild_id,
                message_id=exchange.message_id,
                user_message=exchange.prompt,
                ai_response=exchange.response,
                tokens_used=exchange.tokens,
                response_time=exchange.seconds,
                model=exchange.model,
                conversation_id=exchange.conversation_id,
                created_at=datetime.now(UTC),
            )
        )
