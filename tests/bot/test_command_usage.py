"""Every command run is recorded in ``command_usage``, in batches: the real bot on the sandbox, real databases."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from tatiana.bot.messages import message
from tatiana.db.engine import create_engine, session_factory
from tatiana.db.models import CommandUsage
from tatiana.testing.harness import sandbox_bot
from tatiana.testing.sandbox.server import Sandbox

DEMO, SECOND = "Tatiana Dev", "Segundo"


async def _rows(database_url: str) -> list[CommandUsage]:
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            return list(await session.scalars(select(CommandUsage).order_by(CommandUsage.id)))
    finally:
        await engine.dispose()


async def test_successes_and_failures_are_buffered_then_written_in_one_flush(
    sandbox: Sandbox, database_url: str, probe: Any, act: Any
) -> None:
    good, bad = probe("good"), probe("bad", fail_command=True)
    marta, carla = act(sandbox, DEMO, "marta"), act(sandbox, SECOND, "carla")
    async with sandbox_bot(
        sandbox, database_url, plugins=[good.plugin, bad.plugin], flush_interval=3600
    ) as bot:
        await marta.slash("good")
        await carla.slash("good")
        reply = await marta.slash("bad")
        assert reply.content == message("es", "plugin_error", plugin="bad")
        await bot.service.disable(marta.guild.id, "good", by=marta.user.id)
        await marta.slash("good")

        assert bot.command_usage.buffer.pending == 4
        assert await _rows(database_url) == []  # nothing written before the flush
        assert await bot.command_usage.buffer.flush() == 4
        assert bot.command_usage.buffer.pending == 0

        rows = await _rows(database_url)
        assert [(r.command, r.plugin, r.succeeded, r.error) for r in rows] == [
            ("good", "good", True, None),
            ("good", "good", True, None),
            ("bad", "bad", False, "RuntimeError"),
            ("good", "good", False, "PluginDisabledError"),
        ]
        assert [(r.guild_id, r.user_id) for r in rows] == [
            (marta.guild.id, marta.user.id),
            (carla.guild.id, carla.user.id),
            (marta.guild.id, marta.user.id),
            (marta.guild.id, marta.user.id),
        ]
        assert all(r.channel_id == marta.channel.id for r in (rows[0], rows[2]))
        assert all(r.latency_ms is not None and r.latency_ms > 0 for r in rows)
        assert all(r.used_at is not None for r in rows)

        await marta.slash("bad")  # still buffered when the bot stops
    assert len(await _rows(database_url)) == 5  # the shutdown flush wrote it


async def test_localized_commands_and_subcommands_are_recorded_by_the_name_members_type(
    sandbox: Sandbox, database_url: str, act: Any
) -> None:
    ana = act(sandbox, DEMO, "ana")  # the owner: the economy's admin commands are hers
    async with sandbox_bot(sandbox, database_url, plugins=["economy"], flush_interval=3600) as bot:
        await ana.slash("balance")
        await ana.slash("economy give", member=ana.member, amount=5)
        await bot.command_usage.buffer.flush()
    rows = await _rows(database_url)
    assert [(r.command, r.plugin) for r in rows] == [("balance", "economy"), ("economy give", "economy")], (
        "not lightbulb's localization keys"
    )
