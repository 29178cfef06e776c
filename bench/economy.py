"""Economy benchmark: payments per second through the ledger, against two bare UPDATEs per payment.

Both run on the same fresh database, migrated with the economy's tables, each in a guild of its own with 50
wallets of 10,000,000 coins (so no payment is refused), on SQLite (a file in a temporary folder) and on PostgreSQL (a database created on
``--postgres``, default ``TATIANA_TEST_POSTGRES_URL`` or ``postgresql://postgres@127.0.0.1:5432/test``, dropped
afterwards). Each round makes N payments between random members, one at a time and then 20 in flight:

- ``bare``, the baseline: one transaction of two ``UPDATE user_economy SET balance = balance ± amount``, in the
  order payer, payee; no ledger row, no lock order, no interaction key, no retry. With payments in flight on
  PostgreSQL some of them deadlock; those are counted, not retried.
- ``ledger``: ``tatiana_economy.ledger.Ledger.transfer`` with an interaction key: wallets locked in id order,
  the key checked, both balances changed and two ledger rows written, conflicts retried inside.

The two alternate within each round; the table gives the medians of 3 rounds (1 with ``--quick``), the ratio
ledger / bare, and the errors that reached the caller. The run ends by checking that the total is unchanged and
that every wallet's balance is the sum of its ledger rows. Usage:
``uv run python bench/economy.py [--quick] [--postgres URL]`` (prints a Markdown table).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from tatiana_economy import plugin
from tatiana_economy.ledger import Ledger
from tatiana_economy.wallets import GuildProfile, UserProfile

from tatiana import Database
from tatiana.db.engine import create_engine, session_factory
from tatiana.db.migrate import upgrade
from tatiana.registry import PluginRegistry

BARE_GUILD = GuildProfile(id=1, name="Bare")
LEDGER_GUILD = GuildProfile(id=2, name="Ledger")
MEMBERS = [UserProfile(id=100 + n, username=f"member{n}") for n in range(50)]
START = 10_000_000
IN_FLIGHT = (1, 20)
DEFAULT_POSTGRES = os.environ.get("TATIANA_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")

Pay = Callable[[int, int, int, int], Awaitable[None]]


def bare(db: Database) -> Pay:
    """Two UPDATEs in one transaction: what a payment costs without the ledger's guarantees."""
    statement = sa.text(
        "UPDATE user_economy SET balance = balance + :amount WHERE guild_id = :guild AND user_id = :user"
    )

    async def pay(payer: int, payee: int, amount: int, _key: int) -> None:
        async with db.transaction() as session:
            await session.execute(statement, {"amount": -amount, "guild": BARE_GUILD.id, "user": payer})
            await session.execute(statement, {"amount": amount, "guild": BARE_GUILD.id, "user": payee})

    return pay


def through_ledger(db: Database) -> Pay:
    """A payment through the money service."""
    ledger = Ledger(db)

    async def pay(payer: int, payee: int, amount: int, key: int) -> None:
        await ledger.transfer(LEDGER_GUILD.id, payer, payee, amount, key=key)

    return pay


async def run(pay: Pay, count: int, in_flight: int, keys: list[int], seed: int) -> tuple[float, int]:
    """``count`` random payments, ``in_flight`` at a time: payments per second, and errors raised."""
    chance = random.Random(seed)
    slots = asyncio.Semaphore(in_flight)
    errors = 0

    async def one() -> None:
        nonlocal errors
        payer, payee = chance.sample(MEMBERS, 2)
        keys[0] += 1
        key = keys[0]
        async with slots:
            try:
                await pay(payer.id, payee.id, chance.randint(1, 100), key)
            except sa.exc.DBAPIError:
                errors += 1

    started = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(count)))
    return count / (time.perf_counter() - started), errors


async def backend(url: str, count: int, rounds: int) -> list[str]:
    """The table rows of one database."""
    await upgrade(url, registry=PluginRegistry.of(plugin))
    engine = create_engine(url)
    db = Database(session_factory(engine))
    name = "PostgreSQL" if db.dialect == "postgresql" else "SQLite"
    rows = []
    try:
        for guild in (BARE_GUILD, LEDGER_GUILD):
            await Ledger(db).open(guild, MEMBERS, starting_balance=START)
        keys = [0]
        for in_flight in IN_FLIGHT:
            results: dict[str, list[tuple[float, int]]] = {"bare": [], "ledger": []}
            for number in range(rounds):
                order = [("bare", bare(db)), ("ledger", through_ledger(db))]
                for label, pay in order if number % 2 == 0 else reversed(order):
                    results[label].append(await run(pay, count, in_flight, keys, seed=number))
            speed = {label: statistics.median(r[0] for r in runs) for label, runs in results.items()}
            errors = {label: sum(r[1] for r in runs) for label, runs in results.items()}
            rows.append(
                f"| {name} | {in_flight} | {speed['bare']:,.0f} | {speed['ledger']:,.0f} | "
                f"{speed['ledger'] / speed['bare']:.2f} | {errors['bare']} | {errors['ledger']} |"
            )
        async with db.session() as session:
            totals = await session.execute(sa.text("SELECT sum(balance) FROM user_economy GROUP BY guild_id"))
            assert [total for (total,) in totals] == [START * len(MEMBERS)] * 2, f"{name}: a total changed"
        assert await Ledger(db).discrepancies(LEDGER_GUILD.id) == [], f"{name}: ledger and balances disagree"
    finally:
        await engine.dispose()
    return rows


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def main_async(quick: bool, postgres: str) -> str:
    """Run both backends and format the table."""
    count, rounds = (200, 1) if quick else (1000, 3)
    load = os.getloadavg()[0]
    lines = [
        f"{count} payments per run, median of {rounds} round(s); {os.cpu_count()} CPUs, load average {load:.1f}",
        "",
        "| database | in flight | bare UPDATEs (payments/s) | ledger (payments/s) | ledger / bare | bare errors | ledger errors |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    with tempfile.TemporaryDirectory() as folder:
        lines += await backend(f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}", count, rounds)
    name = f"tatiana_bench_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(_dsn(postgres))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        url = make_url(postgres).set(drivername="postgresql+asyncpg", database=name)
        lines += await backend(url.render_as_string(hide_password=False), count, rounds)
    finally:
        admin = await asyncpg.connect(_dsn(postgres))
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()
    return "\n".join(lines)


def main() -> None:
    """Parse the arguments and print the table."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200 payments per run, one round")
    parser.add_argument(
        "--postgres", default=DEFAULT_POSTGRES, help="PostgreSQL server to create the database on"
    )
    arguments = parser.parse_args()
    print(asyncio.run(main_async(arguments.quick, arguments.postgres)))


if __name__ == "__main__":
    main()
