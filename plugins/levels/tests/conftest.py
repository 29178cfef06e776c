"""Fixtures of the levels plugin's tests: the bot with levels alone, real PostgreSQL and Redis, and helpers."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pytest
from sqlalchemy import select
from tatiana_levels import plugin
from tatiana_levels.store import member_key, stored_xp
from tatiana_levels.xp import XP

from tatiana import Database, Plugin
from tatiana.bot.app import TatianaBot
from tatiana.db.models import Guild as GuildRow
from tatiana.testing import Sandbox
from tatiana.testing.databases import postgres_url
from tatiana.testing.redis_server import redis_namespace, redis_url
from tatiana.testing.sandbox.world import Guild, Member, Message

T = TypeVar("T")

__all__ = ["postgres_url", "redis_namespace", "redis_url"]  # the shared fixtures these tests use


@pytest.fixture
def tatiana_plugins() -> list[Plugin]:
    """The bot of these tests carries the levels plugin alone (the object: other plugins are not even imported)."""
    return [plugin]


class Probe:
    """Reads what the levels plugin did in the demo guild: members by name, XP, waiting for the bot."""

    def __init__(self, bot: TatianaBot, sandbox: Sandbox, guild: Guild) -> None:
        self.bot, self.sandbox, self.guild = bot, sandbox, guild

    def member(self, username: str) -> Member:
        """The demo guild's member called ``username``."""
        users = self.sandbox.world.users
        return next(m for m in self.guild.members.values() if users[m.user_id].username == username)

    async def xp(self, user_id: int) -> int:
        """The member's XP as the bot knows it: stored plus buffered."""
        key = member_key(self.guild.id, user_id)
        stored = await stored_xp(Database(self.bot.sessions), self.guild.id, user_id)
        return stored + (await self.bot.counters.pending(XP, [key]))[key]

    async def stored(self, user_id: int) -> int:
        """The member's XP in the database alone."""
        return await stored_xp(Database(self.bot.sessions), self.guild.id, user_id)

    async def settings(self, **values: Any) -> None:
        """Change the guild's levels settings, as the dashboard does."""
        await self.bot.service.update_settings(self.guild.id, "levels", values)

    async def language(self, language: str) -> None:
        """Make ``language`` the guild's language, as the dashboard does."""
        async with self.bot.sessions() as session, session.begin():
            row = await session.scalar(select(GuildRow).where(GuildRow.discord_id == self.guild.id))
            if row is None:
                session.add(GuildRow(discord_id=self.guild.id, name=self.guild.name, language=language))
            else:
                row.language = language
        self.bot.languages.forget(self.guild.id)

    async def bot_message(self, channel_id: int, timeout: float = 5.0) -> Message:
        """The bot's first message in the channel, once it is there."""
        world = self.sandbox.world

        def first() -> Message | None:
            found = [m for m in world.messages.get(channel_id, {}).values() if m.author_id == world.bot.id]
            return found[0] if found else None

        return await eventually(first, timeout)

    async def eventually(self, check: Callable[[], Any], timeout: float = 5.0) -> Any:
        """Wait until ``check()`` (sync or async) is true; returns its value."""
        return await eventually(check, timeout)

    async def until_xp(self, user_id: int, at_least: int = 1, timeout: float = 5.0) -> int:
        """Wait until the member has ``at_least`` XP; returns it."""
        return await eventually(lambda: self._xp_if(user_id, at_least), timeout)

    async def _xp_if(self, user_id: int, at_least: int) -> int | None:
        xp = await self.xp(user_id)
        return xp if xp >= at_least else None


async def eventually(check: Callable[[], Awaitable[T | None] | T | None], timeout: float = 5.0) -> T:
    """Wait until ``check()`` (sync or async) returns something other than None or False; fail after ``timeout`` s."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = check()
        if inspect.isawaitable(result):
            result = await result
        if result is not None and result is not False:
            return result
        if asyncio.get_running_loop().time() > deadline:
            pytest.fail(f"not true within {timeout} s")
        await asyncio.sleep(0.01)


@pytest.fixture
def probe(bot: TatianaBot, sandbox: Sandbox, guild: Guild) -> Probe:
    """What the levels plugin did, read from the running bot."""
    return Probe(bot, sandbox, guild)
