"""Who owns the bot: BOT_OWNER_IDS when set, otherwise the owner of the bot's Discord application.

When a team owns the application, every member of the team owns the bot. The application is read with the bot's
token and re-read every ten minutes.
"""

from __future__ import annotations

import logging
import time

import hikari

log = logging.getLogger(__name__)

OWNERS_TTL = 600.0


class BotOwners:
    """Who owns the bot: the configured ids, or the application's owner (or team) through the bot's REST client."""

    def __init__(
        self, configured: frozenset[int], rest: hikari.api.RESTClient | None, ttl: float = OWNERS_TTL
    ):
        self._configured = configured
        self._rest = rest
        self._ttl = ttl
        self._fetched: tuple[float, frozenset[int]] | None = None

    async def ids(self) -> frozenset[int]:
        """The owners' Discord ids; empty when none is configured and Discord cannot be asked."""
        if self._configured:
            return self._configured
        if self._rest is None:
            return frozenset()
        if self._fetched is not None and time.monotonic() - self._fetched[0] < self._ttl:
            return self._fetched[1]
        try:
            application = await self._rest.fetch_application()
        except hikari.HikariError as exc:
            log.warning("could not read the bot's application owner: %s", type(exc).__name__)
            return self._fetched[1] if self._fetched else frozenset()
        owners = {int(application.owner.id)}
        if application.team is not None:
            owners.update(int(member) for member in application.team.members)
        self._fetched = (time.monotonic(), frozenset(owners))
        return self._fetched[1]

    async def includes(self, user_id: int) -> bool:
        """Whether ``user_id`` owns the bot."""
        return user_id in await self.ids()
