"""The database as plugins see it: sessions and transactions on the bot's PostgreSQL or SQLite."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker


class Database:
    """The bot's database; commands and listeners declare ``db: Database`` to receive it."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    @property
    def dialect(self) -> str:
        """``"postgresql"`` or ``"sqlite"``: for the rare statement that differs between the two."""
        bind = self.sessions.kw["bind"]
        return str(bind.dialect.name)

    def session(self) -> AsyncSession:
        """A new session; use ``async with db.session() as session``."""
        return self.sessions()

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction, committed on exit and rolled back on an exception."""
        async with self.sessions.begin() as session:
            yield session
