"""Case numbers: each guild counts from 1, without gaps or duplicates, when many cases are written at once."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from tatiana.api.moderation_cases import NewCase, Person, record_case
from tatiana.db import migrate
from tatiana.db.engine import create_engine, session_factory
from tatiana.db.models import ModerationLog
from tatiana.registry import PluginRegistry

MOD = Person(1001, "mod")


def _case(guild_id: int, user: int) -> NewCase:
    return NewCase(
        guild_id=guild_id,
        guild_name=f"guild {guild_id}",
        user=Person(user, f"user{user}"),
        moderator=MOD,
        action="warn",
        reason=None,
        source="api",
    )


async def test_concurrent_cases_of_two_guilds_are_numbered_one_by_one(database_url: str) -> None:
    await migrate.upgrade(database_url, registry=PluginRegistry.of())
    engine = create_engine(database_url)
    sessions = session_factory(engine)
    try:
        written = await asyncio.gather(
            *(record_case(sessions, _case(guild, 2000 + i)) for i in range(12) for guild in (1, 2))
        )
        async with sessions() as session:
            rows = (await session.execute(select(ModerationLog.guild_id, ModerationLog.case_number))).all()
    finally:
        await engine.dispose()

    for guild in (1, 2):
        assert sorted(n for g, n in rows if g == guild) == list(range(1, 13))
        assert sorted(c.case_number for c in written if c.guild_id == guild) == list(range(1, 13))
    assert all(c.source == "api" and c.moderator_id == MOD.id for c in written)
