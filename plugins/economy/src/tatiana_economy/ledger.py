"""The money service: every balance change of the economy, independent of Discord.

Money is whole coins, never negative, and moves only inside one transaction that also writes a ledger row
per wallet it changes, so a wallet's balance is always the sum of its ledger. An operation given the id of
the interaction that asked for it (``key``) applies once: run again with the same key, it changes nothing
and answers what it did the first time (``replayed``).

A wallet is opened by ``open`` (with the guild's starting balance); an operation on a member without one
raises ``WalletNotOpen``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from tatiana import Database
from tatiana_economy.core_tables import wallets
from tatiana_economy.daily import CLAIM_INTERVAL, DailyRule, next_claim_at, streak_after_claim
from tatiana_economy.errors import DailyNotReady, InsufficientFunds, InvalidAmount, SelfPayment
from tatiana_economy.settings import MAX_AMOUNT
from tatiana_economy.tables import ledger
from tatiana_economy.transactions import write_transaction
from tatiana_economy.wallets import (
    Entry,
    GuildProfile,
    Move,
    UserProfile,
    Wallet,
    apply_moves,
    as_entry,
    entries_for,
    lock_wallets,
    move,
    open_wallets,
    read_wallet,
)


@dataclass(frozen=True)
class Transfer:
    """A payment: the payer's debit and the payee's credit."""

    debit: Entry
    credit: Entry
    replayed: bool = False

    @property
    def amount(self) -> int:
        """The amount paid."""
        return self.credit.amount


@dataclass(frozen=True)
class Adjustment:
    """A change of one wallet: an admin's give, take or reset (``entry`` None when nothing moved)."""

    entry: Entry | None
    balance: int
    replayed: bool = False


@dataclass(frozen=True)
class DailyClaim:
    """A daily reward paid: how much, the streak it completes and when the next one is possible."""

    entry: Entry
    streak: int
    next_claim_at: datetime
    replayed: bool = False

    @property
    def amount(self) -> int:
        """The reward paid."""
        return self.entry.amount


@dataclass(frozen=True)
class Standing:
    """A place on the leaderboard."""

    rank: int
    user_id: int
    balance: int


@dataclass(frozen=True)
class Discrepancy:
    """A wallet whose balance differs from the sum of its ledger (there should be none)."""

    user_id: int
    balance: int
    ledger_sum: int


# How much an adjustment moves, decided on the locked wallet (it raises to refuse).
_Change = Callable[[Wallet], int]


def check_amount(amount: int) -> None:
    """Refuse an amount that is not between 1 and ``MAX_AMOUNT``."""
    if not 1 <= amount <= MAX_AMOUNT:
        raise InvalidAmount(amount, MAX_AMOUNT)


class Ledger:
    """Wallets, payments, admin adjustments and daily rewards of every guild, on the bot's database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def open(
        self, guild: GuildProfile, people: Iterable[UserProfile], *, starting_balance: int = 0
    ) -> list[int]:
        """Open a wallet for each member who has none, with ``starting_balance``; returns whose were opened."""
        people = list(people)

        async def work(session: AsyncSession) -> list[int]:
            return await open_wallets(session, guild, people, starting_balance)

        return await write_transaction(self.db, work)

    async def wallet(self, guild_id: int, user_id: int) -> Wallet | None:
        """The member's wallet (None if never opened)."""
        async with self.db.session() as session:
            return await read_wallet(session, guild_id, user_id)

    async def transfer(
        self, guild_id: int, payer_id: int, payee_id: int, amount: int, *, key: int | None = None
    ) -> Transfer:
        """Move ``amount`` from the payer's wallet to the payee's."""
        check_amount(amount)
        if payer_id == payee_id:
            raise SelfPayment()

        async def work(session: AsyncSession) -> Transfer:
            locked = await lock_wallets(session, guild_id, (payer_id, payee_id))
            done = await entries_for(session, key)
            if done:
                return Transfer(debit=done[0], credit=done[-1], replayed=True)
            payer, payee = locked[payer_id], locked[payee_id]
            if payer.balance < amount:
                raise InsufficientFunds(payer.balance, amount)
            debit, credit = await apply_moves(
                session,
                [Move(payer, -amount, 0, payee_id), Move(payee, amount, 1, payer_id)],
                "pay",
                interaction_id=key,
            )
            return Transfer(debit=debit, credit=credit)

        return await write_transaction(self.db, work)

    async def give(
        self, guild_id: int, user_id: int, amount: int, *, admin_id: int, key: int | None = None
    ) -> Adjustment:
        """An admin adds ``amount`` to a member's wallet."""
        check_amount(amount)
        return await self._adjust(guild_id, user_id, lambda _: amount, "give", admin_id=admin_id, key=key)

    async def take(
        self, guild_id: int, user_id: int, amount: int, *, admin_id: int, key: int | None = None
    ) -> Adjustment:
        """An admin removes ``amount`` from a member's wallet; refused when the wallet holds less."""
        check_amount(amount)

        def change(wallet: Wallet) -> int:
            if wallet.balance < amount:
                raise InsufficientFunds(wallet.balance, amount)
            return -amount

        return await self._adjust(guild_id, user_id, change, "take", admin_id=admin_id, key=key)

    async def reset(
        self, guild_id: int, user_id: int, *, admin_id: int, key: int | None = None
    ) -> Adjustment:
        """An admin empties a member's wallet and ends their daily streak."""

        def change(wallet: Wallet) -> int:
            return -wallet.balance

        return await self._adjust(
            guild_id, user_id, change, "reset", admin_id=admin_id, key=key, end_streak=True
        )

    async def _adjust(
        self,
        guild_id: int,
        user_id: int,
        change: _Change,
        kind: str,
        *,
        admin_id: int,
        key: int | None,
        end_streak: bool = False,
    ) -> Adjustment:
        async def work(session: AsyncSession) -> Adjustment:
            wallet = (await lock_wallets(session, guild_id, (user_id,)))[user_id]
            done = await entries_for(session, key)
            if done:
                return Adjustment(entry=done[0], balance=done[0].balance_after, replayed=True)
            if end_streak:
                await session.execute(
                    wallets.update().where(wallets.c.id == wallet.id).values(daily_streak=0, last_daily=None)
                )
            amount = change(wallet)
            if amount == 0:
                return Adjustment(entry=None, balance=wallet.balance)
            entry = await move(session, wallet, amount, kind, interaction_id=key, counterparty_id=admin_id)
            return Adjustment(entry=entry, balance=entry.balance_after)

        return await write_transaction(self.db, work)

    async def claim_daily(
        self, guild_id: int, user_id: int, rule: DailyRule, *, now: datetime, key: int | None = None
    ) -> DailyClaim:
        """Pay the daily reward if the last claim was 24 hours ago or more; raises ``DailyNotReady`` otherwise."""

        async def work(session: AsyncSession) -> DailyClaim:
            wallet = (await lock_wallets(session, guild_id, (user_id,)))[user_id]
            done = await entries_for(session, key)
            if done:
                last_claim = wallet.last_daily or done[0].created_at
                return DailyClaim(
                    entry=done[0],
                    streak=wallet.daily_streak,
                    next_claim_at=last_claim + CLAIM_INTERVAL,
                    replayed=True,
                )
            available_at = next_claim_at(wallet.last_daily)
            if available_at is not None and now < available_at:
                raise DailyNotReady(available_at)
            streak = streak_after_claim(wallet.last_daily, wallet.daily_streak, now)
            await session.execute(
                wallets.update().where(wallets.c.id == wallet.id).values(daily_streak=streak, last_daily=now)
            )
            entry = await move(session, wallet, rule.reward(streak), "daily", interaction_id=key)
            return DailyClaim(entry=entry, streak=streak, next_claim_at=now + CLAIM_INTERVAL)

        return await write_transaction(self.db, work)

    async def leaderboard(self, guild_id: int, *, offset: int = 0, limit: int = 10) -> list[Standing]:
        """The richest members of the guild, from place ``offset + 1``; ties go to the older account."""
        async with self.db.session() as session:
            rows = await session.execute(
                select(wallets.c.user_id, wallets.c.balance)
                .where(wallets.c.guild_id == guild_id, wallets.c.balance > 0)
                .order_by(wallets.c.balance.desc(), wallets.c.user_id)
                .offset(offset)
                .limit(limit)
            )
            return [Standing(offset + place, row.user_id, row.balance) for place, row in enumerate(rows, 1)]

    async def ranked_count(self, guild_id: int) -> int:
        """How many members of the guild are on the leaderboard (those with a balance above zero)."""
        async with self.db.session() as session:
            count = await session.scalar(
                select(func.count()).where(wallets.c.guild_id == guild_id, wallets.c.balance > 0)
            )
            return int(count or 0)

    async def rank(self, guild_id: int, user_id: int) -> int | None:
        """The member's place on the leaderboard (None without a balance above zero)."""
        async with self.db.session() as session:
            wallet = await read_wallet(session, guild_id, user_id)
            if wallet is None or wallet.balance <= 0:
                return None
            ahead = await session.scalar(
                select(func.count()).where(
                    wallets.c.guild_id == guild_id,
                    or_(
                        wallets.c.balance > wallet.balance,
                        and_(wallets.c.balance == wallet.balance, wallets.c.user_id < user_id),
                    ),
                )
            )
            return int(ahead or 0) + 1

    async def applied(self, key: int) -> bool:
        """Whether the interaction ``key`` already moved money (a redelivered one must not be refused for it)."""
        async with self.db.session() as session:
            return bool(await entries_for(session, key))

    async def history(self, guild_id: int, user_id: int, *, limit: int = 20) -> list[Entry]:
        """The member's latest ledger rows, newest first."""
        async with self.db.session() as session:
            wallet = await read_wallet(session, guild_id, user_id)
            if wallet is None:
                return []
            rows = await session.execute(
                select(*ledger.c)
                .where(ledger.c.wallet_id == wallet.id)
                .order_by(ledger.c.id.desc())
                .limit(limit)
            )
            return [as_entry(row) for row in rows]

    async def discrepancies(self, guild_id: int) -> list[Discrepancy]:
        """Wallets of the guild whose balance is not the sum of their ledger: an audit, empty when all is well."""
        total = func.coalesce(func.sum(ledger.c.amount), 0)
        async with self.db.session() as session:
            rows = await session.execute(
                select(wallets.c.user_id, wallets.c.balance, total.label("ledger_sum"))
                .select_from(wallets.outerjoin(ledger, ledger.c.wallet_id == wallets.c.id))
                .where(wallets.c.guild_id == guild_id)
                .group_by(wallets.c.id, wallets.c.user_id, wallets.c.balance)
                .having(wallets.c.balance != total)
            )
            return [Discrepancy(row.user_id, row.balance, int(row.ledger_sum)) for row in rows]
