"""The ``guilds`` table follows the gateway: names and owners upserted in batches, left guilds inactive."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncEngine

from tatiana.bot.guild_rows import GuildSeen
from tatiana.db.engine import create_engine, session_factory
from tatiana.db.models import Guild as GuildRow
from tatiana.testing.harness import sandbox_bot
from tatiana.testing.sandbox import serialize
from tatiana.testing.sandbox.server import Sandbox

from .conftest import guild_named

FIRST_ID = 10_000_000_000_000_000


async def _rows(engine: AsyncEngine) -> dict[int, tuple[str, int | None, bool]]:
    async with session_factory(engine)() as session:
        rows = await session.scalars(select(GuildRow))
        return {r.discord_id: (r.name, r.owner_id, r.is_active) for r in rows}


async def _until_buffered(bot: Any, count: int) -> None:
    for _ in range(500):
        if bot.guild_rows.buffer.pending >= count:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{count} guild events never arrived")


async def test_guild_creates_updates_and_leaves_reach_the_table_in_one_flush(
    sandbox: Sandbox, database_url: str
) -> None:
    demo, second = guild_named(sandbox.world, "Tatiana Dev"), guild_named(sandbox.world, "Segundo")
    engine = create_engine(database_url)
    try:
        async with sandbox_bot(sandbox, database_url, plugins=[], flush_interval=3600) as bot:
            await _until_buffered(bot, 2)
            assert await _rows(engine) == {}
            assert await bot.guild_rows.buffer.flush() == 2
            assert await _rows(engine) == {
                demo.id: ("Tatiana Dev", demo.owner_id, True),
                second.id: ("Segundo", second.owner_id, True),
            }

            demo.name = "Tatiana Renamed"
            await sandbox.gateway.dispatch(
                "GUILD_UPDATE", serialize.guild(sandbox.world, demo), guild_id=demo.id, intents=1
            )
            await bot.app.rest.leave_guild(second.id)
            await _until_buffered(bot, 2)
            await bot.guild_rows.buffer.flush()
            assert await _rows(engine) == {
                demo.id: ("Tatiana Renamed", demo.owner_id, True),
                second.id: ("Segundo", second.owner_id, False),
            }

            sandbox.world.add_member(second, sandbox.world.bot)
            await sandbox.gateway.dispatch_guild_create(second.id)
            await _until_buffered(bot, 1)
        # The stop flushed what was buffered: the guild is active again.
        assert (await _rows(engine))[second.id] == ("Segundo", second.owner_id, True)
    finally:
        await engine.dispose()


async def test_a_burst_of_guilds_is_a_few_statements(sandbox: Sandbox, database_url: str) -> None:
    engine = create_engine(database_url)
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    try:
        async with sandbox_bot(sandbox, database_url, plugins=[], flush_interval=3600) as bot:
            await _until_buffered(bot, 2)
            for i in range(2500):
                bot.guild_rows.buffer.add(GuildSeen(FIRST_ID + i, f"guild {i}", i))
            sync_engine = bot.sessions.kw["bind"].sync_engine
            event.listen(sync_engine, "before_cursor_execute", count)
            try:
                assert await bot.guild_rows.buffer.flush() == 2502
            finally:
                event.remove(sync_engine, "before_cursor_execute", count)
        upserts = [s for s in statements if s.lstrip().upper().startswith("INSERT INTO GUILDS")]
        assert len(upserts) == 3  # 2502 rows, 1000 per statement
        rows = await _rows(engine)
        assert len(rows) == 2502
        assert rows[FIRST_ID + 7] == ("guild 7", 7, True)
    finally:
        await engine.dispose()
