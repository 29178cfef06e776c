"""The database as plugins see it: sessions and transactions on the bot's PostgreSQL or SQLite."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import TableClause
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tatiana.db.models import Guild, User


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

    @staticmethod
    def insert(session: AsyncSession, table: TableClause | type[Any]) -> Any:
        """An INSERT on ``table`` (or mapped class) in the session's dialect, offering ``on_conflict_do_nothing``."""
        dialect = session.get_bind().dialect.name
        return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)

    @staticmethod
    async def ensure_guild(
        session: AsyncSession, guild_id: int, name: str, owner_id: int | None = None
    ) -> None:
        """Write the guild's row in the core's ``guilds`` table unless it is there (rows of plugins point to it)."""
        await session.execute(
            Database.insert(session, Guild)
            .values(discord_id=guild_id, name=name[:100], owner_id=owner_id)
            .on_conflict_do_nothing(index_elements=["discord_id"])
        )

    @staticmethod
    async def ensure_user(
        session: AsyncSession, user_id: int, username: str, global_name: str | None = None
    ) -> None:
        """Write the user's row in the core's ``users`` table unless it is there."""
        await session.execute(
            Database.insert(session, User)
            .values(discord_id=user_id, username=username[:32], global_name=global_name and global_name[:32])
            .on_conflict_do_nothing(index_elements=["discord_id"])
        )
