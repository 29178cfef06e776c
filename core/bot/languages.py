"""Each guild's language (``guilds.language``), cached; ``es`` until a guild says otherwise.

A change of a guild's configuration is published on ``GUILD_CONFIG_CHANNEL`` (``{"guild_id": int}``); every
process following it re-reads that guild's language.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tatiana.coordination.follower import ChannelFollower
from tatiana.db.models import Guild

if TYPE_CHECKING:
    from tatiana.coordination import Coordination, Subscription

log = logging.getLogger(__name__)

DEFAULT_LANGUAGE = "es"
GUILD_CONFIG_CHANNEL = "guild_config"


async def publish_guild_config_change(coordination: Coordination, guild_id: int) -> None:
    """Tell every process that ``guild_id``'s configuration (language, prefix) changed."""
    await coordination.publish(GUILD_CONFIG_CHANNEL, {"guild_id": guild_id})


class GuildLanguages(ChannelFollower):
    """Reads a guild's language once and keeps it; ``forget`` drops a changed guild from the cache.

    ``follow`` the coordination to forget a guild's cached language whenever a change of its configuration is
    published."""

    channel = GUILD_CONFIG_CHANNEL

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        super().__init__()
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

    async def _listen(self, subscription: Subscription) -> None:
        async for message in subscription:
            guild_id = message.data.get("guild_id")
            if isinstance(guild_id, int) and not isinstance(guild_id, bool):
                self.forget(guild_id)
            else:
                log.warning("ignoring a malformed guild configuration change: %r", message.data)
