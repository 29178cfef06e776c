"""Cases and scheduled actions in the database: numbered per guild under concurrency, amended, run once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from tatiana_moderation import plugin, schedule
from tatiana_moderation.cases import (
    Action,
    GuildRef,
    Person,
    Source,
    close_active,
    get_case,
    list_cases,
    open_case,
    set_reason,
)
from tatiana_moderation.reporting import case_embed, dm_text

from tatiana import Database, Translator
from tatiana.testing import check_plugin_migrations

GUILD = GuildRef(1_180_000_000_000_000_001, "Tatiana Dev", 1_180_000_000_000_000_010)
OTHER = GuildRef(1_180_000_000_000_000_002, "Otro")
MOD = Person(1_180_000_000_000_000_011, "luis", "Luis")
MEMBERS = [Person(1_180_000_000_000_000_100 + i, f"member{i}") for i in range(12)]


async def test_cases_are_numbered_per_guild_with_their_details(db: Database) -> None:
    expires = datetime.now(UTC) + timedelta(hours=2)
    first = await open_case(
        db, guild=GUILD, target=MEMBERS[0], moderator=MOD, action=Action.WARN, reason="  spam  ", channel_id=5
    )
    second = await open_case(
        db,
        guild=GUILD,
        target=MEMBERS[1],
        moderator=None,
        action=Action.TIMEOUT,
        duration=timedelta(hours=2),
        expires_at=expires,
        source=Source.AUTOMOD,
    )
    elsewhere = await open_case(db, guild=OTHER, target=MEMBERS[0], moderator=MOD, action=Action.KICK)
    assert [first.number, second.number, elsewhere.number] == [1, 2, 1]
    assert (first.reason, first.channel_id, first.moderator_id, first.source) == (
        "spam",
        5,
        MOD.id,
        Source.COMMAND,
    )
    stored = await get_case(db, GUILD.id, 2)
    assert stored is not None
    assert (stored.moderator_id, stored.duration, stored.source) == (None, timedelta(hours=2), Source.AUTOMOD)
    assert stored.expires_at is not None and abs(stored.expires_at - expires) < timedelta(seconds=1)
    assert await get_case(db, GUILD.id, 3) is None


@pytest.mark.parametrize("concurrent", [12])
async def test_cases_opened_at_once_get_distinct_consecutive_numbers(db: Database, concurrent: int) -> None:
    opened = await asyncio.gather(
        *(
            open_case(db, guild=GUILD, target=MEMBERS[i], moderator=MOD, action=Action.WARN, reason=f"r{i}")
            for i in range(concurrent)
        )
    )
    assert sorted(case.number for case in opened) == list(range(1, concurrent + 1))
    found, total = await list_cases(db, GUILD.id, limit=100)
    assert total == concurrent and len({(c.number, c.user_id) for c in found}) == concurrent


async def test_lists_amendments_and_closing(db: Database) -> None:
    for action in (Action.WARN, Action.BAN, Action.WARN):
        await open_case(db, guild=GUILD, target=MEMBERS[0], moderator=MOD, action=action, reason=action.value)
    await open_case(db, guild=GUILD, target=MEMBERS[1], moderator=MOD, action=Action.WARN)
    warnings, count = await list_cases(db, GUILD.id, user_id=MEMBERS[0].id, actions=(Action.WARN,))
    assert count == 2 and [c.number for c in warnings] == [3, 1], "newest first"
    latest, total = await list_cases(db, GUILD.id, limit=2)
    assert total == 4 and [c.number for c in latest] == [4, 3]
    amended = await set_reason(db, GUILD.id, 2, "  evading a ban  ")
    assert amended is not None and amended.reason == "evading a ban" and amended.action is Action.BAN
    assert await set_reason(db, GUILD.id, 99, "x") is None
    assert await close_active(db, GUILD.id, MEMBERS[0].id, Action.BAN) == 1
    assert await close_active(db, GUILD.id, MEMBERS[0].id, Action.BAN) == 0


async def test_a_failing_step_in_the_cases_transaction_undoes_the_case(db: Database) -> None:
    async def refuse(*_: object) -> None:
        raise RuntimeError("no")

    with pytest.raises(RuntimeError):
        await open_case(db, guild=GUILD, target=MEMBERS[0], moderator=MOD, action=Action.BAN, then=refuse)
    assert await list_cases(db, GUILD.id) == ([], 0)


async def test_a_due_action_is_claimed_by_one_runner_and_finished_once(db: Database) -> None:
    now = datetime.now(UTC)
    async with db.transaction() as session:
        await schedule.schedule(
            session,
            guild_id=GUILD.id,
            user_id=MEMBERS[0].id,
            action="unban",
            due_at=now - timedelta(seconds=1),
            case_id=None,
        )
        await schedule.schedule(
            session,
            guild_id=GUILD.id,
            user_id=MEMBERS[1].id,
            action="unban",
            due_at=now + timedelta(hours=1),
            case_id=None,
        )
    claims = await asyncio.gather(*(schedule.claim_due(db) for _ in range(5)))
    held = [action for claim in claims for action in claim]
    assert [a.user_id for a in held] == [MEMBERS[0].id], "the due one, by one runner; the future one waits"
    assert await schedule.claim_due(db) == [], "held under its lease"
    later = now + schedule.LEASE + timedelta(seconds=1)
    [again] = await schedule.claim_due(db, now=later)
    assert again.id == held[0].id, "a runner that died leaves it to the next after the lease"

    async def finish() -> bool:
        async with db.transaction() as session:
            return await schedule.finish(session, held[0].id, "done")

    assert sorted(await asyncio.gather(finish(), finish())) == [False, True]
    assert await schedule.claim_due(db, now=later + schedule.LEASE) == []
    assert [a.user_id for a in await schedule.pending(db)] == [MEMBERS[1].id]


async def test_scheduling_again_replaces_and_cancel_drops_the_pending_action(db: Database) -> None:
    soon = datetime.now(UTC) + timedelta(hours=1)
    for hours in (1, 2):
        async with db.transaction() as session:
            await schedule.schedule(
                session,
                guild_id=GUILD.id,
                user_id=MEMBERS[0].id,
                action="unban",
                due_at=soon + timedelta(hours=hours),
                case_id=None,
            )
    [pending] = await schedule.pending(db, GUILD.id)
    assert abs(pending.due_at - (soon + timedelta(hours=2))) < timedelta(seconds=1)
    assert await schedule.cancel(db, GUILD.id, MEMBERS[0].id, "unban") == 1
    assert await schedule.pending(db) == []


async def test_the_tables_match_the_metadata_and_the_branch_downgrades_alone(database_url: str) -> None:
    await check_plugin_migrations(database_url, plugin)


async def test_an_automod_case_reads_as_such_in_the_log_and_the_dm(db: Database) -> None:
    case = await open_case(
        db,
        guild=GUILD,
        target=MEMBERS[2],
        moderator=None,
        action=Action.TIMEOUT,
        reason=None,
        duration=timedelta(minutes=10),
        expires_at=datetime.now(UTC) + timedelta(minutes=10),
        source=Source.AUTOMOD,
    )
    english = Translator(plugin.translations, "en")
    embed = case_embed(case, english)
    assert (
        embed.title == "Case #1 · Timeout" and embed.footer is not None and embed.footer.text == "By automod"
    )
    shown = {f.name: f.value for f in embed.fields}
    assert (
        shown["Moderator"] == "Automod"
        and shown["Reason"] == "No reason given"
        and shown["Duration"] == "10m"
    )
    assert dm_text(case, Translator(plugin.translations, "es"), "Tatiana Dev") == (
        "🔇 Te han aislado en **Tatiana Dev**. Motivo: Sin motivo\nDuración: 10m"
    )
