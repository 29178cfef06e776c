"""Each guild's language (``guilds.language``), cached; ``es`` until a guild says otherwise."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tatiana.db.models import Guild

DEFAULT_LANGUAGE = "es"


class GuildLanguages:
    """Reads a guild's language once and keeps it; ``forget`` drops a changed guild from the cache."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions
        self._cache: dict[int, str] = {}

    async def __call__(self, guild_id: int | None) -> str:
        """The language of ``guild_id`` (the default for DMs and unknown guilds)."""
        if guild_id is None:
            return DEFAULT_LANGUAGE
        cached = self._cache.get(guild_id)
        if cached is not None:
            return cached
        async with self.sessions() as session:
            language = await session.scalar(select(Guild.language).where(Guild.discord_id == guild_id))
        self._cache[guild_id] = language or DEFAULT_LANGUAGE
        return self._cache[guild_id]

    def forget(self, guild_id: int) -> None:
        """Read ``guild_id`` from the database again next time."""
        self._cache.pop(guild_id, None)
