"""Case numbers: each guild counts from 1, without gaps or duplicates, when many cases are written at once."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from tatiana import CaseRecord, CaseUser, Database, case_alert, record_case
from tatiana.db import migrate
from tatiana.db.engine import create_engine, session_factory
from tatiana.db.models import ModerationLog
from tatiana.registry import PluginRegistry

MOD = CaseUser(1001, "mod")


def _case(guild_id: int, user: int) -> CaseRecord:
    return CaseRecord(
        guild_id=guild_id,
        guild_name=f"guild {guild_id}",
        target=CaseUser(user, f"user{user}"),
        moderator=MOD,
        action="warn",
        source="api",
    )


async def test_concurrent_cases_of_two_guilds_are_numbered_one_by_one(database_url: str) -> None:
    await migrate.upgrade(database_url, registry=PluginRegistry.of())
    engine = create_engine(database_url)
    sessions = session_factory(engine)
    db = Database(sessions)
    try:
        written = await asyncio.gather(
            *(record_case(db, _case(guild, 2000 + i)) for i in range(12) for guild in (1, 2))
        )
        async with sessions() as session:
            rows = (await session.execute(select(ModerationLog.guild_id, ModerationLog.case_number))).all()
    finally:
        await engine.dispose()

    for guild in (1, 2):
        assert sorted(n for g, n in rows if g == guild) == list(range(1, 13))
        assert sorted(c.case_number for c in written if c.guild_id == guild) == list(range(1, 13))
    assert all(c.source == "api" and c.moderator_id == MOD.id for c in written)


async def test_a_failing_follow_up_undoes_the_case(database_url: str) -> None:
    await migrate.upgrade(database_url, registry=PluginRegistry.of())
    engine = create_engine(database_url)
    db = Database(session_factory(engine))

    async def refuse(session: object, row: object) -> None:
        raise RuntimeError("scheduling failed")

    try:
        with pytest.raises(RuntimeError, match="scheduling failed"):
            await record_case(db, _case(1, 2001), then=refuse)
        first = await record_case(db, _case(1, 2002))
    finally:
        await engine.dispose()
    assert first.case_number == 1, "the undone case took no number"


async def test_a_cases_alert_is_its_row_with_string_ids_and_an_aware_expiry(database_url: str) -> None:
    await migrate.upgrade(database_url, registry=PluginRegistry.of())
    engine = create_engine(database_url)
    db = Database(session_factory(engine))
    expires = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    record = replace(_case(1, 2001), action="mute", reason="calm", duration_seconds=600, expires_at=expires)
    try:
        row = await record_case(db, record)
        channel = await record_case(db, replace(_case(1, 2001), target=None, action="lock", channel_id=77))
    finally:
        await engine.dispose()
    assert case_alert(row) == {
        "case": 1,
        "action": "mute",
        "source": "api",
        "user_id": "2001",
        "channel_id": None,
        "moderator_id": "1001",
        "reason": "calm",
        "duration_seconds": 600,
        "expires_at": "2030-01-02T03:04:05+00:00",
    }
    assert (case_alert(channel)["user_id"], case_alert(channel)["channel_id"]) == (None, "77")
