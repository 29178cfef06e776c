"""Each guild's language (``guilds.language``), cached; ``es`` until a guild says otherwise."""

from __future__ import annotations

import asyncio

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tatiana.db.models import Guild

DEFAULT_LANGUAGE = "es"


class GuildLanguages:
    """Reads a guild's language once and keeps it; ``forget`` drops a changed guild from the cache."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions
        self._cache: dict[int, str] = {}
        self._reads: dict[int, asyncio.Task[str]] = {}

    async def __call__(self, guild_id: int | None) -> str:
        """The language of ``guild_id`` (the default for DMs and unknown guilds)."""
        if guild_id is None:
            return DEFAULT_LANGUAGE
        cached = self._cache.get(guild_id)
        if cached is not None:
            return cached
        read = self._reads.get(guild_id)
        if read is None:  # concurrent misses share one read
            read = asyncio.create_task(self._read(guild_id))
            self._reads[guild_id] = read
            read.add_done_callback(lambda _: self._reads.pop(guild_id, None))
        return await asyncio.shield(read)

    async def _read(self, guild_id: int) -> str:
        async with self.sessions() as session:
            language = await session.scalar(select(Guild.language).where(Guild.discord_id == guild_id))
        self._cache[guild_id] = language or DEFAULT_LANGUAGE
        return self._cache[guild_id]

    def forget(self, guild_id: int) -> None:
        """Read ``guild_id`` from the database again next time."""
        self._cache.pop(guild_id, None)
