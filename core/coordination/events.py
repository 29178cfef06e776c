"""Live-update events: what the dashboard's WebSocket shows, published on one coordination channel.

Each event is ``{"kind", "guild_id", "data"}`` on ``EVENTS_CHANNEL``: ``kind`` one of ``EventKind``, ``guild_id``
the guild it concerns (None: the whole bot), ``data`` a JSON object whose shape the kind defines.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tatiana.coordination.base import Message

EVENTS_CHANNEL = "live-events"
CASE_TOLD_CHANNEL = "moderation-case-told"
"""``{"guild_id", "case"}``: the bot told the member of a case whose alert said ``dm_first`` (``LiveEvents.case_told``);
the API, waiting to ban them until then, goes on. Not a live event: dashboards never see it."""


class EventKind(StrEnum):
    """What happened."""

    PLUGIN_TOGGLED = "plugin_toggled"  # a plugin's switch or settings changed in a guild
    MODERATION_ALERT = "moderation_alert"  # a moderation action or an automatic detection worth a look
    BOT_STATUS = "bot_status"  # the bot's overall state or a shard's state changed
    ACTIVITY = "activity"  # something ran in a guild: a command, a dashboard change


class InvalidEvent(ValueError):
    """An event that cannot be published: unknown kind, bad guild id, or data that is not a JSON object."""


@dataclass(frozen=True, slots=True)
class LiveEvent:
    """One event: its kind, the guild it concerns (None: the whole bot) and its data."""

    kind: EventKind
    guild_id: int | None
    data: dict[str, Any]

    @classmethod
    def of(cls, kind: str, guild_id: int | None, data: dict[str, Any]) -> LiveEvent:
        """A checked event; InvalidEvent says what is wrong."""
        try:
            event_kind = EventKind(kind)
        except ValueError:
            known = ", ".join(k.value for k in EventKind)
            raise InvalidEvent(f"unknown event kind {kind!r} (known: {known})") from None
        if guild_id is not None and (
            isinstance(guild_id, bool) or not isinstance(guild_id, int) or guild_id <= 0
        ):
            raise InvalidEvent(f"guild_id must be a positive int or None, not {guild_id!r}")
        if not isinstance(data, dict):
            raise InvalidEvent(f"event data must be a dict, not {type(data).__name__}")
        return cls(event_kind, guild_id, data)

    def to_json(self) -> dict[str, Any]:
        """The message published on ``EVENTS_CHANNEL``."""
        return {"kind": self.kind.value, "guild_id": self.guild_id, "data": self.data}

    @classmethod
    def from_message(cls, message: Message) -> LiveEvent | None:
        """The event a message of ``EVENTS_CHANNEL`` carries; None if it is not a valid event."""
        body = message.data
        try:
            return cls.of(body.get("kind", ""), body.get("guild_id"), body.get("data"))  # type: ignore[arg-type]
        except InvalidEvent:
            return None
