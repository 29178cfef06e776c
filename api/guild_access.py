"""Who may manage which guild: the owner or MANAGE_GUILD (or ADMINISTRATOR), from Discord, cached briefly."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from tatiana.api.discord_oauth import DiscordOAuth, DiscordOAuthError, PartialGuild

ADMINISTRATOR = 1 << 3
MANAGE_GUILD = 1 << 5
DEFAULT_TTL = 60.0
MAX_CACHED_LOGINS = 10_000


class AccessUnavailable(Exception):
    """The user's Discord authorization is gone (logged out, revoked or refused by Discord)."""


def manages(guild: PartialGuild) -> bool:
    """Whether the user's standing in ``guild`` lets them manage it."""
    return guild.owner or bool(guild.permissions & (ADMINISTRATOR | MANAGE_GUILD))


class GuildAccess:
    """The guilds each login's user manages, re-read from Discord when older than ``ttl`` seconds."""

    def __init__(
        self,
        discord: DiscordOAuth,
        discord_token: Callable[[str], Awaitable[str | None]],
        ttl: float = DEFAULT_TTL,
    ) -> None:
        self._discord = discord
        self._discord_token = discord_token
        self._ttl = ttl
        self._cache: dict[str, tuple[float, dict[int, PartialGuild]]] = {}

    async def guilds(self, family: str) -> dict[int, PartialGuild]:
        """The user's guilds by id for login ``family``."""
        cached = self._cache.get(family)
        if cached is not None and time.monotonic() - cached[0] < self._ttl:
            return cached[1]
        token = await self._discord_token(family)
        if token is None:
            raise AccessUnavailable("this login was revoked; log in again")
        try:
            fetched = {guild.id: guild for guild in await self._discord.guilds(token)}
        except DiscordOAuthError:
            raise AccessUnavailable("Discord refused this login's authorization; log in again") from None
        now = time.monotonic()
        if len(self._cache) >= MAX_CACHED_LOGINS:
            self._cache = {k: v for k, v in self._cache.items() if now - v[0] < self._ttl}
        self._cache[family] = (now, fetched)
        return fetched

    async def can_manage(self, family: str, guild_id: int) -> bool:
        """Whether the user of ``family`` manages ``guild_id``."""
        guild = (await self.guilds(family)).get(guild_id)
        return guild is not None and manages(guild)

    def forget(self, family: str) -> None:
        """Drop what is cached for a login (at logout)."""
        self._cache.pop(family, None)
