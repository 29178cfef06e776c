"""Write transactions that never surface a deadlock: serialized on SQLite, retried on PostgreSQL conflicts."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from tatiana import Database

log = logging.getLogger(__name__)

T = TypeVar("T")

ATTEMPTS = 10
"""How many times a transaction runs before its conflict reaches the caller."""

# One writer at a time per SQLite database in this process: waiting here costs nothing, while SQLite's
# busy handler polls the lock with growing sleeps. Other processes are still kept out by BEGIN IMMEDIATE.
_sqlite_writers: weakref.WeakKeyDictionary[object, asyncio.Lock] = weakref.WeakKeyDictionary()

# serialization_failure, deadlock_detected, lock_not_available, unique_violation (a concurrent duplicate:
# the next attempt reads the committed row and answers from it).
RETRIED_SQLSTATES = frozenset({"40001", "40P01", "55P03", "23505"})


async def write_transaction(
    db: Database, work: Callable[[AsyncSession], Awaitable[T]], *, attempts: int = ATTEMPTS
) -> T:
    """``work(session)`` in one write transaction, committed when it returns, rolled back when it raises.

    On SQLite the transaction takes the database's write lock when it starts (``BEGIN IMMEDIATE``), so what
    it reads stays true until it commits. On PostgreSQL ``work`` locks rows in a fixed order; a
    serialization failure, a deadlock or a duplicate key written concurrently runs it again, from the start.
    """
    for attempt in range(1, attempts + 1):
        try:
            async with _writer(db), db.transaction() as session:
                if db.dialect == "sqlite":
                    await session.execute(text("BEGIN IMMEDIATE"))
                return await work(session)
        except DBAPIError as exc:
            if attempt == attempts or not is_transient(exc):
                raise
            log.debug("transaction conflict (attempt %d of %d): %s", attempt, attempts, exc.orig)
            await asyncio.sleep(random.uniform(0.002, 0.01) * attempt)
    raise AssertionError("unreachable")  # pragma: no cover


@contextlib.asynccontextmanager
async def _writer(db: Database) -> AsyncIterator[None]:
    if db.dialect != "sqlite":
        yield
        return
    lock = _sqlite_writers.setdefault(db.sessions, asyncio.Lock())
    async with lock:
        yield


def is_transient(exc: DBAPIError) -> bool:
    """Whether running the transaction again may succeed: a conflict with another one, not a bad statement."""
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if sqlstate is not None:
        return sqlstate in RETRIED_SQLSTATES
    message = str(exc.orig).lower()
    return isinstance(exc, OperationalError) and ("locked" in message or "busy" in message)
