"""Threads started with ``/chat``: recorded in the database, known per guild in each bot process."""

from __future__ import annotations

from sqlalchemy import select

from tatiana import Database
from tatiana_ai.tables import threads


class ChatThreads:
    """Which threads are ``/chat`` conversations, loaded once per guild (a guild lives on one shard)."""

    def __init__(self) -> None:
        self._by_guild: dict[int, set[int]] = {}

    async def is_chat(self, db: Database, guild_id: int, channel_id: int) -> bool:
        """Whether ``channel_id`` is a thread started with ``/chat`` in the guild."""
        known = self._by_guild.get(guild_id)
        if known is None:
            async with db.session() as session:
                rows = await session.scalars(
                    select(threads.c.thread_id).where(threads.c.guild_id == guild_id)
                )
                known = self._by_guild.setdefault(guild_id, {int(r) for r in rows})
        return channel_id in known

    async def add(
        self, db: Database, *, guild_id: int, thread_id: int, parent_id: int, started_by: int
    ) -> None:
        """Record a new ``/chat`` thread."""
        async with db.transaction() as session:
            await session.execute(
                threads.insert().values(
                    thread_id=thread_id, guild_id=guild_id, parent_id=parent_id, started_by=started_by
                )
            )
        if guild_id in self._by_guild:  # not loaded yet: the next lookup reads it with the others
            self._by_guild[guild_id].add(thread_id)
