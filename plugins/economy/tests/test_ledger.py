"""The money service on SQLite and the real PostgreSQL: every change is a ledger row, applied once."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from tatiana_economy.daily import DailyRule
from tatiana_economy.errors import (
    DailyNotReady,
    InsufficientFunds,
    InvalidAmount,
    SelfPayment,
    WalletNotOpen,
)
from tatiana_economy.ledger import Ledger
from tatiana_economy.wallets import GuildProfile, UserProfile

from tatiana import Database

GUILD = GuildProfile(id=900, name="Club", owner_id=1)
RULE = DailyRule(amount=100, streak_bonus=10, max_streak_days=3)
NOON = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def person(number: int) -> UserProfile:
    return UserProfile(id=1000 + number, username=f"member{number}")


async def balances(ledger: Ledger, *numbers: int) -> list[int]:
    found = [await ledger.wallet(GUILD.id, person(n).id) for n in numbers]
    return [wallet.balance if wallet else -1 for wallet in found]


async def ledger_rows(db: Database) -> int:
    async with db.session() as session:
        return int(await session.scalar(sa.text("SELECT count(*) FROM economy_ledger")) or 0)


async def test_a_wallet_opens_once_with_the_starting_balance_as_its_first_ledger_row(ledger: Ledger) -> None:
    assert await ledger.open(GUILD, [person(1), person(2)], starting_balance=50) == [1001, 1002]
    assert await ledger.open(GUILD, [person(1), person(3)], starting_balance=70) == [1003]
    assert await balances(ledger, 1, 2, 3) == [50, 50, 70]
    [opening] = await ledger.history(GUILD.id, 1001)
    assert (opening.kind, opening.amount, opening.balance_after) == ("open", 50, 50)
    assert await ledger.discrepancies(GUILD.id) == []


async def test_a_payment_moves_money_between_two_wallets_with_two_ledger_rows(ledger: Ledger) -> None:
    await ledger.open(GUILD, [person(1), person(2)], starting_balance=100)
    paid = await ledger.transfer(GUILD.id, 1001, 1002, 30, key=7)
    assert (paid.amount, paid.debit.balance_after, paid.credit.balance_after) == (30, 70, 130)
    assert (paid.debit.leg, paid.credit.leg, paid.debit.counterparty_id) == (0, 1, 1002)
    assert await balances(ledger, 1, 2) == [70, 130]
    wallet = await ledger.wallet(GUILD.id, 1001)
    assert wallet is not None and (wallet.total_earned, wallet.total_spent) == (100, 30)
    assert await ledger.discrepancies(GUILD.id) == []


async def test_a_retried_interaction_applies_once_and_answers_the_same(ledger: Ledger, db: Database) -> None:
    await ledger.open(GUILD, [person(1), person(2)], starting_balance=100)
    first = await ledger.transfer(GUILD.id, 1001, 1002, 60, key=42)
    again = await ledger.transfer(GUILD.id, 1001, 1002, 60, key=42)
    assert not first.replayed and again.replayed
    assert (again.debit, again.credit) == (first.debit, first.credit)
    assert await balances(ledger, 1, 2) == [40, 160], "paid once, although the second would be refused"
    rows = await ledger_rows(db)
    concurrent = await asyncio.gather(
        *(ledger.give(GUILD.id, 1001, 5, admin_id=1, key=43) for _ in range(10))
    )
    assert sum(not done.replayed for done in concurrent) == 1
    assert await balances(ledger, 1) == [45]
    assert await ledger_rows(db) == rows + 1


async def test_payments_that_cannot_be_made_are_refused_and_change_nothing(
    ledger: Ledger, db: Database
) -> None:
    await ledger.open(GUILD, [person(1), person(2)], starting_balance=10)
    rows = await ledger_rows(db)
    with pytest.raises(InsufficientFunds) as refused:
        await ledger.transfer(GUILD.id, 1001, 1002, 11)
    assert (refused.value.balance, refused.value.needed) == (10, 11)
    with pytest.raises(SelfPayment):
        await ledger.transfer(GUILD.id, 1001, 1001, 1)
    for amount in (0, -5, 10**12):
        with pytest.raises(InvalidAmount):
            await ledger.transfer(GUILD.id, 1001, 1002, amount)
    with pytest.raises(WalletNotOpen) as unopened:
        await ledger.transfer(GUILD.id, 1001, 1009, 1)
    assert unopened.value.user_ids == [1009]
    assert await balances(ledger, 1, 2) == [10, 10]
    assert await ledger_rows(db) == rows


async def test_the_balance_can_never_go_below_zero_even_bypassing_the_service(
    db: Database, ledger: Ledger
) -> None:
    await ledger.open(GUILD, [person(1)], starting_balance=5)
    with pytest.raises(sa.exc.IntegrityError, match="balance"):
        async with db.transaction() as session:
            await session.execute(sa.text("UPDATE user_economy SET balance = -1 WHERE user_id = 1001"))


async def test_admins_give_take_and_reset(ledger: Ledger) -> None:
    await ledger.open(GUILD, [person(1)], starting_balance=0)
    given = await ledger.give(GUILD.id, 1001, 500, admin_id=1)
    assert given.balance == 500 and given.entry is not None and given.entry.counterparty_id == 1
    with pytest.raises(InsufficientFunds):
        await ledger.take(GUILD.id, 1001, 501, admin_id=1)
    assert (await ledger.take(GUILD.id, 1001, 200, admin_id=1)).balance == 300
    await ledger.claim_daily(GUILD.id, 1001, RULE, now=NOON)
    reset = await ledger.reset(GUILD.id, 1001, admin_id=1)
    assert reset.balance == 0 and reset.entry is not None and reset.entry.amount == -400
    wallet = await ledger.wallet(GUILD.id, 1001)
    assert wallet is not None and (wallet.balance, wallet.daily_streak, wallet.last_daily) == (0, 0, None)
    assert (await ledger.reset(GUILD.id, 1001, admin_id=1)).entry is None, "nothing to empty: no ledger row"
    kinds = [entry.kind for entry in await ledger.history(GUILD.id, 1001)]
    assert kinds == ["reset", "daily", "take", "give"]
    assert await ledger.discrepancies(GUILD.id) == []


async def test_the_daily_streak_grows_caps_and_resets_after_a_missed_day(ledger: Ledger) -> None:
    await ledger.open(GUILD, [person(1)])
    paid = []
    for hours in (0, 24, 50, 74, 98, 122, 146):
        claim = await ledger.claim_daily(GUILD.id, 1001, RULE, now=NOON + timedelta(hours=hours))
        paid.append((claim.streak, claim.amount))
    assert paid == [(1, 100), (2, 110), (3, 120), (4, 130), (5, 130), (6, 130), (7, 130)], "capped at 3 days"
    last = NOON + timedelta(hours=146 + 49)
    late = await ledger.claim_daily(GUILD.id, 1001, RULE, now=last)
    assert (late.streak, late.amount) == (1, 100), "more than 48 h after the last claim: a missed day"
    with pytest.raises(DailyNotReady) as early:
        await ledger.claim_daily(GUILD.id, 1001, RULE, now=last + timedelta(hours=20, minutes=48))
    assert early.value.available_at == last + timedelta(hours=24)
    assert await ledger.discrepancies(GUILD.id) == []


async def test_the_leaderboard_ranks_positive_balances_richest_first(ledger: Ledger) -> None:
    await ledger.open(GUILD, [person(n) for n in range(1, 6)], starting_balance=0)
    for number, amount in ((1, 30), (2, 50), (3, 30), (4, 10)):
        await ledger.give(GUILD.id, person(number).id, amount, admin_id=1)
    top = await ledger.leaderboard(GUILD.id, limit=3)
    assert [(s.rank, s.user_id, s.balance) for s in top] == [(1, 1002, 50), (2, 1001, 30), (3, 1003, 30)]
    assert [s.rank for s in await ledger.leaderboard(GUILD.id, offset=3, limit=3)] == [4]
    assert await ledger.ranked_count(GUILD.id) == 4
    assert [await ledger.rank(GUILD.id, person(n).id) for n in (3, 4, 5)] == [3, 4, None]


@pytest.mark.slow
async def test_a_thousand_concurrent_random_payments_keep_every_invariant(
    ledger: Ledger, db: Database
) -> None:
    members = [person(n) for n in range(50)]
    await ledger.open(GUILD, members, starting_balance=1_000)
    chance = random.Random(5)
    refused = 0

    async def pay(key: int) -> None:
        nonlocal refused
        payer, payee = chance.sample(members, 2)
        try:
            await ledger.transfer(GUILD.id, payer.id, payee.id, chance.randint(1, 400), key=key)
        except InsufficientFunds:
            refused += 1

    outcomes = await asyncio.gather(*(pay(key) for key in range(1, 1001)), return_exceptions=True)

    assert [o for o in outcomes if o is not None] == [], "no deadlock or conflict reached a caller"
    async with db.session() as session:
        total, lowest, wallets = (
            await session.execute(sa.text("SELECT sum(balance), min(balance), count(*) FROM user_economy"))
        ).one()
        payments = await session.scalar(sa.text("SELECT count(*) FROM economy_ledger WHERE kind = 'pay'"))
    assert (total, wallets) == (50_000, 50)
    assert lowest >= 0
    assert payments == 2 * (1000 - refused)
    assert refused < 1000
    assert await ledger.discrepancies(GUILD.id) == []


async def test_twenty_concurrent_daily_claims_pay_once(ledger: Ledger) -> None:
    await ledger.open(GUILD, [person(1)])
    now = datetime.now(UTC)

    async def claim(key: int) -> int:
        try:
            return (await ledger.claim_daily(GUILD.id, 1001, RULE, now=now, key=key)).amount
        except DailyNotReady:
            return 0

    paid = await asyncio.gather(*(claim(key) for key in range(100, 120)))
    assert sorted(paid, reverse=True)[:2] == [100, 0] and sum(paid) == 100
    assert await balances(ledger, 1) == [100]
    assert await ledger.discrepancies(GUILD.id) == []
