"""Temporary bans end on time, once, even when the bot that banned is gone and another one starts."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import sqlalchemy as sa
from tatiana_moderation.core_tables import cases
from tatiana_moderation.tables import scheduled_actions

from tatiana.background import TaskRunner
from tatiana.background.worker import run_worker, task_context
from tatiana.bot.app import TatianaBot
from tatiana.deployment import DeploymentConfig, PluginDefault
from tatiana.testing import Sandbox, SandboxUser, sandbox_bot
from tatiana.testing.harness import registry_for
from tatiana.testing.sandbox.world import Guild

BAN_SECONDS = 3


def person(sandbox: Sandbox, guild: Guild, username: str) -> SandboxUser:
    member = next(m for m in guild.members.values() if sandbox.world.users[m.user_id].username == username)
    return SandboxUser(sandbox, guild, member)


def unbans(sandbox: Sandbox, user_id: int) -> int:
    return sum(1 for a in sandbox.world.actions if a.kind == "unban" and a.target_id == user_id)


async def case_rows(bot: TatianaBot, guild: Guild) -> list[tuple[int, str, int | None, str | None]]:
    async with bot.sessions() as session:
        rows = await session.execute(
            sa.select(cases.c.case_number, cases.c.action, cases.c.moderator_id, cases.c.reason)
            .where(cases.c.guild_id == guild.id)
            .order_by(cases.c.case_number)
        )
        return [(r.case_number, r.action, r.moderator_id, r.reason) for r in rows]


async def test_a_tempban_survives_a_restart_and_is_lifted_once(
    sandbox: Sandbox, guild: Guild, database_url: str
) -> None:
    marta = person(sandbox, guild, "marta")
    async with sandbox_bot(sandbox, database_url, plugins=["moderation"]) as first:
        luis = person(sandbox, guild, "luis")
        reply = await luis.slash("ban", member=marta.user, duration=f"{BAN_SECONDS}s", reason="cool down")
        assert reply.content.startswith(
            f"🔨 <@{marta.user.id}> ha sido baneado durante {BAN_SECONDS}s (caso #1)"
        )
        async with first.sessions() as session:
            [due] = (await session.execute(sa.select(scheduled_actions))).all()
        assert (due.action, due.user_id, due.done_at) == ("unban", marta.user.id, None)
    assert marta.user.id in guild.bans, "the first bot stopped before the ban ended"

    await asyncio.sleep(BAN_SECONDS + 0.5)
    assert marta.user.id in guild.bans, "no bot ran: nothing lifted it"
    async with sandbox_bot(sandbox, database_url, plugins=["moderation"], migrate=False) as second:
        for _ in range(100):
            if marta.user.id not in guild.bans:
                break
            await asyncio.sleep(0.1)
        assert marta.user.id not in guild.bans, "the new bot lifted the overdue ban"
        await asyncio.sleep(2.5)  # more polls: nothing runs twice
        assert unbans(sandbox, marta.user.id) == 1
        assert await case_rows(second, guild) == [
            (1, "ban", luis.user.id, "cool down"),
            (2, "unban", sandbox.world.bot.id, "Fin del baneo temporal (caso #1)"),
        ]
        async with second.sessions() as session:
            [done] = (await session.execute(sa.select(scheduled_actions))).all()
            active = await session.scalar(sa.select(cases.c.is_active).where(cases.c.case_number == 1))
        assert done.outcome == "done" and done.done_at is not None
        assert active is False, "the ban's case is closed"


async def test_unbanning_by_hand_cancels_the_scheduled_unban(
    sandbox: Sandbox, guild: Guild, tatiana_database_url: str
) -> None:
    async with sandbox_bot(sandbox, tatiana_database_url, plugins=["moderation"]) as bot:
        luis, pablo = person(sandbox, guild, "luis"), person(sandbox, guild, "pablo")
        await luis.slash("ban", member=pablo.user, duration="2s")
        await luis.slash("unban", user=pablo.user)
        await asyncio.sleep(3.5)
        assert unbans(sandbox, pablo.user.id) == 1, "only the moderator's"
        assert [row[1] for row in await case_rows(bot, guild)] == ["ban", "unban"]
        async with bot.sessions() as session:
            [cancelled] = (await session.execute(sa.select(scheduled_actions))).all()
        assert cancelled.outcome == "cancelled"


@contextlib.asynccontextmanager
async def worker(
    sandbox: Sandbox, database_url: str, redis_url: str, namespace: str
) -> AsyncIterator[TaskRunner]:
    """What ``tatiana worker`` runs, in this process: the moderation plugin's tasks, from Redis."""
    registry = registry_for(["moderation"])
    deployment = DeploymentConfig(plugins={"moderation": PluginDefault(enabled=True)})
    runner = TaskRunner.redis(registry, redis_url, namespace)
    stop = asyncio.Event()
    async with task_context(
        registry,
        deployment,
        database_url=database_url,
        redis_url=redis_url,
        namespace=namespace,
        token=sandbox.token,
        rest_url=sandbox.rest_url,
    ) as context:
        running = asyncio.create_task(run_worker(runner, context, stop))
        try:
            yield runner
        finally:
            stop.set()
            await running


async def test_with_redis_the_workers_lift_a_tempban_on_time_once(
    sandbox: Sandbox, guild: Guild, postgres_url: str, redis_url: str, redis_namespace: str
) -> None:
    sofia = person(sandbox, guild, "sofia")
    registry = registry_for(["moderation"])
    sending = TaskRunner.redis(registry, redis_url, redis_namespace)
    assert sending.names == ["moderation.run_due_actions"] and not sending.local
    async with (
        worker(sandbox, postgres_url, redis_url, redis_namespace),
        worker(sandbox, postgres_url, redis_url, redis_namespace),
        sandbox_bot(sandbox, postgres_url, plugins=["moderation"], tasks=sending) as bot,
    ):
        luis = person(sandbox, guild, "luis")
        await luis.slash("ban", member=sofia.user, duration=f"{BAN_SECONDS}s", reason="spam")
        assert sofia.user.id in guild.bans
        for _ in range(100):
            if sofia.user.id not in guild.bans:
                break
            await asyncio.sleep(0.1)
        assert sofia.user.id not in guild.bans, "a worker lifted it at its time"
        await asyncio.sleep(2)
        assert unbans(sandbox, sofia.user.id) == 1, "two workers, one unban"
        assert [row[1:3] for row in await case_rows(bot, guild)] == [
            ("ban", luis.user.id),
            ("unban", sandbox.world.bot.id),
        ]
