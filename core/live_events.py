"""What plugins and the core tell the dashboard live: moderation alerts and the activity feed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tatiana.coordination.events import EventKind

if TYPE_CHECKING:
    from tatiana.coordination import Coordination


class LiveEvents:
    """Publishes live-update events to every dashboard watching a guild (inject it as ``live: LiveEvents``).

    ``data`` is a JSON object shown to the guild's managers as is: give Discord ids as strings (JavaScript
    loses precision on larger numbers) and never a secret.
    """

    def __init__(self, coordination: Coordination) -> None:
        self._coordination = coordination

    async def moderation_alert(self, guild_id: int, data: dict[str, Any]) -> None:
        """A moderation action or detection in the guild.

        For example ``{"action": "ban", "case_id": 12, "user_id": "...", "moderator_id": "...", "reason": "..."}``.
        """
        await self._coordination.publish_event(EventKind.MODERATION_ALERT, guild_id, data)

    async def activity(self, guild_id: int, data: dict[str, Any]) -> None:
        """Something ran in the guild, for its activity feed.

        For example ``{"action": "command", "command": "balance", "plugin": "economy", "user_id": "..."}``.
        """
        await self._coordination.publish_event(EventKind.ACTIVITY, guild_id, data)
