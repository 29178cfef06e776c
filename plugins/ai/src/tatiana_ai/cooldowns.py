"""Per-member cooldowns between questions, in this process's memory."""

from __future__ import annotations

import time


class Cooldowns:
    """When each member of each guild may ask again."""

    def __init__(self) -> None:
        self._ready_at: dict[tuple[int, int], float] = {}

    def remaining(self, guild_id: int, user_id: int) -> float:
        """Seconds until the member may ask again (0 when they may now)."""
        return max(0.0, self._ready_at.get((guild_id, user_id), 0.0) - time.monotonic())

    def start(self, guild_id: int, user_id: int, seconds: float) -> None:
        """The member just asked: they wait ``seconds`` before the next question."""
        now = time.monotonic()
        if len(self._ready_at) > 10_000:
            self._ready_at = {key: at for key, at in self._ready_at.items() if at > now}
        if seconds > 0:
            self._ready_at[(guild_id, user_id)] = now + seconds
