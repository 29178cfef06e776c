"""Keeps the core's ``guilds`` table (name, owner, active) in step with the gateway, in batches.

At startup every shard receives one GUILD_CREATE per guild: thousands of them must become a few multi-row
upserts, not thousands of round-trips.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import hikari
from sqlalchemy import func, update

from tatiana.bot.batches import DEFAULT_INTERVAL, BatchWriter
from tatiana.database import Database
from tatiana.db.models import Guild

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

ROWS_PER_UPSERT = 1000


@dataclass(frozen=True, slots=True)
class GuildSeen:
    """The bot is in this guild, as the gateway last described it; ``name`` None means it left."""

    id: int
    name: str | None
    owner_id: int | None = None


class GuildRows:
    """Listens to guild events and upserts the ``guilds`` rows they describe, once per guild and flush."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], interval: float = DEFAULT_INTERVAL
    ) -> None:
        self._sessions = sessions
        self._attached: hikari.GatewayBot | None = None
        self.buffer: BatchWriter[GuildSeen] = BatchWriter("guild rows", self._write, interval)

    def attach(self, app: hikari.GatewayBot) -> None:
        """Subscribe to the guild events of ``app``."""
        self._attached = app
        app.subscribe(hikari.GuildAvailableEvent, self._on_guild)
        app.subscribe(hikari.GuildJoinEvent, self._on_guild)
        app.subscribe(hikari.GuildUpdateEvent, self._on_update)
        app.subscribe(hikari.GuildLeaveEvent, self._on_leave)

    def detach(self) -> None:
        """Stop listening to the app attached to, if any."""
        app, self._attached = self._attached, None
        if app is None:
            return
        app.unsubscribe(hikari.GuildAvailableEvent, self._on_guild)
        app.unsubscribe(hikari.GuildJoinEvent, self._on_guild)
        app.unsubscribe(hikari.GuildUpdateEvent, self._on_update)
        app.unsubscribe(hikari.GuildLeaveEvent, self._on_leave)

    async def _on_guild(self, event: hikari.GuildAvailableEvent | hikari.GuildJoinEvent) -> None:
        self.seen(event.guild)

    async def _on_update(self, event: hikari.GuildUpdateEvent) -> None:
        self.seen(event.guild)

    async def _on_leave(self, event: hikari.GuildLeaveEvent) -> None:
        self.buffer.add(GuildSeen(int(event.guild_id), None))

    def seen(self, guild: hikari.GatewayGuild) -> None:
        """Buffer the row of a guild the bot is in."""
        self.buffer.add(GuildSeen(int(guild.id), guild.name[:100], int(guild.owner_id)))

    async def _write(self, items: Sequence[GuildSeen]) -> None:
        latest: dict[int, GuildSeen] = {}
        for item in items:  # the last event of a guild wins
            latest.pop(item.id, None)
            latest[item.id] = item
        present = [g for g in latest.values() if g.name is not None]
        left = sorted(g.id for g in latest.values() if g.name is None)
        async with self._sessions.begin() as session:
            for start in range(0, len(present), ROWS_PER_UPSERT):
                chunk = sorted(present[start : start + ROWS_PER_UPSERT], key=lambda g: g.id)
                upsert = Database.insert(session, Guild).values(
                    [
                        {"discord_id": g.id, "name": g.name, "owner_id": g.owner_id, "is_active": True}
                        for g in chunk
                    ]
                )
                await session.execute(
                    upsert.on_conflict_do_update(
                        index_elements=["discord_id"],
                        set_={
                            "name": upsert.excluded.name,
                            "owner_id": upsert.excluded.owner_id,
                            "is_active": upsert.excluded.is_active,
                            "updated_at": func.now(),  # onupdate does not apply to ON CONFLICT
                        },
                    )
                )
            if left:
                await session.execute(update(Guild).where(Guild.discord_id.in_(left)).values(is_active=False))
