"""What plugins and the core tell the dashboard live (moderation alerts, the activity feed), and how a bot
process's plugins hear it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import hikari

from tatiana.coordination.events import CASE_TOLD_CHANNEL, EventKind

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

    async def case_told(self, guild_id: int, case_number: int) -> None:
        """The member of case ``case_number`` was told (or the DM failed, or the guild wants none): answer to a
        moderation alert whose ``data["dm_first"]`` is true, which the API publishes before banning the member,
        waiting a few seconds for this answer (Discord refuses a DM to a user who shares no server with the bot).
        """
        await self._coordination.publish(CASE_TOLD_CHANNEL, {"guild_id": guild_id, "case": case_number})


class LiveEventReceived(hikari.Event):
    """A live event about a guild, heard by the one bot process serving that guild (it holds the guild's shard),
    whoever published it: the API, another process, this one.

    Plugins listen to it like to any hikari event (``@loader.listener(LiveEventReceived)``); like theirs, it is
    not heard in a guild where the plugin is off. For example the moderation plugin posts the cases made through
    the API (``kind`` ``moderation_alert``, ``data["source"] == "api"``) in the guild's mod-log channel; when
    ``data["dm_first"]`` is true the action is still to come (an API ban), and the plugin DMs the member first,
    then answers with ``LiveEvents.case_told``.
    Delivery is at most once: a process that was not serving the guild at that moment never hears it.
    """

    __slots__ = ("_app", "data", "guild_id", "kind")

    def __init__(self, app: hikari.RESTAware, kind: EventKind, guild_id: int, data: dict[str, Any]) -> None:
        self._app = app
        self.kind = kind
        """What happened (``EventKind``: ``moderation_alert``, ``activity``...)."""
        self.guild_id = hikari.Snowflake(guild_id)
        """The guild it happened in."""
        self.data = data
        """The event's JSON object, as published."""

    @property
    def app(self) -> hikari.RESTAware:
        """The bot that heard it."""
        return self._app
