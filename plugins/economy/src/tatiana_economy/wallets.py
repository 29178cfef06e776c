"""Wallet rows inside a transaction: opening, locking, and moving money with its ledger row.

These are the building blocks of ``Ledger`` and ``Shop``; each function takes the session of a transaction
begun by ``write_transaction`` and never commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, case, select
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from tatiana import Database
from tatiana_economy.core_tables import wallets
from tatiana_economy.daily import as_utc
from tatiana_economy.errors import WalletNotOpen
from tatiana_economy.tables import ledger


@dataclass(frozen=True)
class GuildProfile:
    """What the core's ``guilds`` table needs to know of a guild before its first wallet."""

    id: int
    name: str
    owner_id: int | None = None


@dataclass(frozen=True)
class UserProfile:
    """What the core's ``users`` table needs to know of a member before their first wallet."""

    id: int
    username: str
    global_name: str | None = None


@dataclass(frozen=True)
class Wallet:
    """A member's wallet in one guild, as read (or locked) in a transaction."""

    id: int
    guild_id: int
    user_id: int
    balance: int
    daily_streak: int
    last_daily: datetime | None
    total_earned: int
    total_spent: int


@dataclass(frozen=True)
class Entry:
    """One ledger row: a change of one wallet's balance."""

    id: int
    wallet_id: int
    amount: int
    balance_after: int
    kind: str
    counterparty_id: int | None
    item_id: int | None
    note: str | None
    interaction_id: int | None
    leg: int
    created_at: datetime


async def ensure_guild(session: AsyncSession, guild: GuildProfile) -> None:
    """Write the guild's row in the core's ``guilds`` table unless it is there."""
    await Database.ensure_guild(session, guild.id, guild.name, guild.owner_id)


async def open_wallets(
    session: AsyncSession, guild: GuildProfile, people: Iterable[UserProfile], starting_balance: int
) -> list[int]:
    """Give each member without one a wallet holding ``starting_balance``; returns the new wallets' users.

    Rows that exist are left alone; new rows are written in the order of their keys, so two transactions
    opening the same wallets wait for each other instead of deadlocking.
    """
    people = sorted({p.id: p for p in people}.values(), key=lambda p: p.id)
    await ensure_guild(session, guild)
    for person in people:
        await Database.ensure_user(session, person.id, person.username, person.global_name)
    opened = []
    for person in people:
        wallet_id = await session.scalar(
            Database.insert(session, wallets)
            .values(
                user_id=person.id,
                guild_id=guild.id,
                balance=starting_balance,
                daily_streak=0,
                total_earned=starting_balance,
                total_spent=0,
            )
            .on_conflict_do_nothing(index_elements=["user_id", "guild_id"])
            .returning(wallets.c.id)
        )
        if wallet_id is None:
            continue
        opened.append(person.id)
        if starting_balance > 0:
            await session.execute(
                ledger.insert().values(
                    wallet_id=wallet_id, amount=starting_balance, balance_after=starting_balance, kind="open"
                )
            )
    return opened


def _wallet(row: Row[*tuple[Any, ...]]) -> Wallet:
    values = row._asdict()
    if values["last_daily"] is not None:
        values["last_daily"] = as_utc(values["last_daily"])
    return Wallet(**values)


def as_entry(row: Row[*tuple[Any, ...]]) -> Entry:
    """A ledger row read with all its columns, as an ``Entry``."""
    values = row._asdict()
    values["created_at"] = as_utc(values["created_at"])
    return Entry(**values)


async def read_wallet(session: AsyncSession, guild_id: int, user_id: int) -> Wallet | None:
    """The member's wallet, unlocked (None if it was never opened)."""
    row = (
        await session.execute(
            select(*wallets.c).where(wallets.c.guild_id == guild_id, wallets.c.user_id == user_id)
        )
    ).first()
    return None if row is None else _wallet(row)


async def lock_wallets(session: AsyncSession, guild_id: int, user_ids: Iterable[int]) -> dict[int, Wallet]:
    """The members' wallets by user id, locked until the transaction ends, in the order of their ids.

    Every transaction that changes more than one wallet locks them through here, always in the same order,
    so two of them never wait for each other in a circle. SQLite has no row locks: there the whole
    transaction holds the database's write lock from its start.
    """
    wanted = sorted(set(user_ids))
    rows = (
        await session.execute(
            select(*wallets.c)
            .where(wallets.c.guild_id == guild_id, wallets.c.user_id.in_(wanted))
            .order_by(wallets.c.id)
            .with_for_update()
        )
    ).all()
    found = {row.user_id: _wallet(row) for row in rows}
    missing = [user_id for user_id in wanted if user_id not in found]
    if missing:
        raise WalletNotOpen(missing)
    return found


async def entries_for(session: AsyncSession, interaction_id: int | None) -> list[Entry]:
    """The ledger rows an interaction already wrote, by leg (empty when it is new or has no id)."""
    if interaction_id is None:
        return []
    rows = await session.execute(
        select(*ledger.c).where(ledger.c.interaction_id == interaction_id).order_by(ledger.c.leg)
    )
    return [as_entry(row) for row in rows]


@dataclass(frozen=True)
class Move:
    """One locked wallet's part in a change of money: a signed amount, its leg, the other party."""

    wallet: Wallet
    amount: int
    leg: int = 0
    counterparty_id: int | None = None


def _per_wallet(amounts: dict[int, int]) -> ColumnElement[int]:
    return case(amounts, value=wallets.c.id, else_=0)


async def apply_moves(
    session: AsyncSession,
    moves: Sequence[Move],
    kind: str,
    *,
    interaction_id: int | None = None,
    item_id: int | None = None,
    note: str | None = None,
) -> list[Entry]:
    """Change the balances of locked wallets and write a ledger row for each; returns the rows by leg.

    One UPDATE and one INSERT whatever the number of wallets, to keep the locks short. Each ``balance_after``
    is the locked balance plus the amount; the caller has checked that the balances cover the debits, and
    the table's ``balance >= 0`` check is the last line of defence.
    """
    amounts = {move.wallet.id: move.amount for move in moves}
    await session.execute(
        wallets.update()
        .where(wallets.c.id.in_(list(amounts)))
        .values(
            balance=wallets.c.balance + _per_wallet(amounts),
            total_earned=wallets.c.total_earned + _per_wallet({w: max(a, 0) for w, a in amounts.items()}),
            total_spent=wallets.c.total_spent + _per_wallet({w: max(-a, 0) for w, a in amounts.items()}),
        )
    )
    rows = [
        {
            "wallet_id": move.wallet.id,
            "amount": move.amount,
            "balance_after": move.wallet.balance + move.amount,
            "kind": kind,
            "counterparty_id": move.counterparty_id,
            "item_id": item_id,
            "note": note[:200] if note else None,
            "interaction_id": interaction_id,
            "leg": move.leg,
        }
        for move in moves
    ]
    written = await session.execute(ledger.insert().values(rows).returning(*ledger.c))
    return sorted((as_entry(row) for row in written), key=lambda entry: entry.leg)


async def move(
    session: AsyncSession,
    wallet: Wallet,
    amount: int,
    kind: str,
    *,
    interaction_id: int | None = None,
    leg: int = 0,
    counterparty_id: int | None = None,
    item_id: int | None = None,
    note: str | None = None,
) -> Entry:
    """Add ``amount`` (negative: take it) to one locked wallet and write its ledger row; returns the row."""
    [entry] = await apply_moves(
        session,
        [Move(wallet, amount, leg, counterparty_id)],
        kind,
        interaction_id=interaction_id,
        item_id=item_id,
        note=note,
    )
    return entry
