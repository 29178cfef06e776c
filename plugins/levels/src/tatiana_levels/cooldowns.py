"""When each member may next earn XP; one table per bot, which lightbulb injects into the listener."""

from __future__ import annotations

import time
from collections.abc import Callable

import lightbulb

PRUNE_ABOVE = 50_000


class XpCooldowns:
    """Per-member XP cooldowns, in this process.

    A guild's messages all reach the process holding its shard, so process memory is enough; a restart
    forgets the cooldowns, which at most lets a member earn XP once more within one cooldown.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._until: dict[tuple[int, int], float] = {}
        self._prune_at = PRUNE_ABOVE

    def cooling(self, guild_id: int, user_id: int) -> bool:
        """Whether the member is cooling down (nothing is started)."""
        return self._until.get((guild_id, user_id), 0.0) > self._clock()

    def try_start(self, guild_id: int, user_id: int, seconds: float) -> bool:
        """False if the member is cooling down; otherwise start their cooldown and return True."""
        now = self._clock()
        key = (guild_id, user_id)
        if self._until.get(key, 0.0) > now:
            return False
        if seconds > 0:
            if len(self._until) >= self._prune_at:
                self._until = {k: until for k, until in self._until.items() if until > now}
                # Many members still cooling down: prune again only once the table has doubled.
                self._prune_at = max(PRUNE_ABOVE, 2 * len(self._until))
            self._until[key] = now + seconds
        return True

    def clear(self, guild_id: int, user_id: int) -> None:
        """Let the member earn XP with their next message."""
        self._until.pop((guild_id, user_id), None)


class CooldownsLoadable(lightbulb.Loadable):
    """Gives each bot (lightbulb client) that loads the plugin its own ``XpCooldowns`` to inject."""

    async def load(self, client: lightbulb.Client) -> None:
        """Register a fresh ``XpCooldowns`` with the client, once."""
        registry = client.di.registry_for(lightbulb.di.Contexts.DEFAULT)
        if XpCooldowns not in registry:
            registry.register_value(XpCooldowns, XpCooldowns())

    async def unload(self, client: lightbulb.Client) -> None:
        """Nothing to undo: the value goes with the client."""
