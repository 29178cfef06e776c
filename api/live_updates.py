"""The live-updates hub of one API process: events from the coordination channel, fanned out to its WebSockets.

It follows ``EVENTS_CHANNEL`` (moderation alerts, activity, anything published with ``publish_event``) and the
plugin-change channel (each change becomes a ``plugin_toggled`` and an ``activity`` event), and watches the
shards' status records for ``bot_status`` events. A listener gets the events of the guilds it subscribed to,
and every ``bot_status`` event.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tatiana.api.status_changes import watch_status
from tatiana.coordination import EVENTS_CHANNEL, EventKind, LiveEvent, Message
from tatiana.guild_plugins import GuildPluginService
from tatiana.shards.outage import OutageLog
from tatiana.shards.status_reporter import STATUS_INTERVAL

if TYPE_CHECKING:
    from types import TracebackType

    from tatiana.coordination import Coordination
    from tatiana.sharding.base import Sharding

log = logging.getLogger(__name__)

MAX_PENDING = 256  # events waiting for a slow client before it is disconnected
RESUBSCRIBE_DELAY = 1.0
FIRST_SUBSCRIBE_WAIT = 5.0  # how long startup waits for the channel before serving without it

CLOSE_GOING_AWAY = 1001
CLOSE_INTERRUPTED = 1011
CLOSE_TOO_SLOW = 1013


@dataclass(frozen=True, slots=True)
class Closing:
    """The end of a listener's stream: the WebSocket close code and reason to send."""

    code: int
    reason: str


def wire(event: LiveEvent) -> dict[str, Any]:
    """The JSON a client receives for ``event``; ids are strings (JavaScript numbers lose snowflakes)."""
    guild = None if event.guild_id is None else str(event.guild_id)
    return {"type": event.kind.value, "guild_id": guild, "data": event.data}


class Listener:
    """One WebSocket's share of the hub: the guilds it follows and what is waiting to be sent to it."""

    def __init__(self, max_pending: int = MAX_PENDING) -> None:
        self.guilds: set[int] = set()
        self._max_pending = max_pending
        self._queue: asyncio.Queue[dict[str, Any] | Closing] = asyncio.Queue()
        self.closing: Closing | None = None

    def send(self, message: dict[str, Any]) -> None:
        """Queue ``message``; a client this far behind is disconnected instead."""
        if self.closing is not None:
            return
        if self._queue.qsize() >= self._max_pending:
            self.close(CLOSE_TOO_SLOW, "too many undelivered events; reconnect")
            return
        self._queue.put_nowait(message)

    def close(self, code: int, reason: str) -> None:
        """End the stream: what was queued is dropped, the close comes next; the first close wins."""
        if self.closing is not None:
            return
        self.closing = Closing(code, reason)
        while not self._queue.empty():
            self._queue.get_nowait()
        self._queue.put_nowait(self.closing)

    async def next(self) -> dict[str, Any] | Closing:
        """The next message to send, or the Closing that ends the stream."""
        item = await self._queue.get()
        if isinstance(item, Closing):
            self._queue.put_nowait(item)
        return item


def events_of(message: Message) -> list[LiveEvent]:
    """The live events a coordination message stands for (none if it is malformed)."""
    if message.channel == EVENTS_CHANNEL:
        event = LiveEvent.from_message(message)
        return [] if event is None else [event]
    return _plugin_change_events(message.data)


def _plugin_change_events(data: dict[str, Any]) -> list[LiveEvent]:
    guild_id, plugin, enabled, by = (
        data.get("guild_id"),
        data.get("plugin"),
        data.get("enabled"),
        data.get("by"),
    )
    settings = data.get("settings")
    if not (
        isinstance(guild_id, int) and guild_id > 0 and isinstance(plugin, str) and isinstance(enabled, bool)
    ):
        return []
    who = str(by) if isinstance(by, int) else None
    toggled = {
        "plugin": plugin,
        "enabled": enabled,
        "settings": settings if isinstance(settings, dict) else {},
        "by": who,
    }
    activity = {"action": "plugin_changed", "plugin": plugin, "enabled": enabled, "by": who}
    return [
        LiveEvent(EventKind.PLUGIN_TOGGLED, guild_id, toggled),
        LiveEvent(EventKind.ACTIVITY, guild_id, activity),
    ]


class LiveHub:
    """Reads the coordination channel and the status records once per API process, for all its WebSockets.

    Use as ``async with LiveHub(coordination, sharding) as hub``; leaving closes every listener (1001).
    """

    def __init__(
        self,
        coordination: Coordination,
        sharding: Sharding,
        *,
        status_interval: float = STATUS_INTERVAL,
        max_pending: int = MAX_PENDING,
    ) -> None:
        self._coordination = coordination
        self._sharding = sharding
        self._status_interval = status_interval
        self._max_pending = max_pending
        self._listeners: set[Listener] = set()
        self._subscribed = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def listeners(self) -> int:
        """How many WebSockets are connected."""
        return len(self._listeners)

    def listen(self) -> Listener:
        """A new listener, receiving ``bot_status`` events at once and its guilds' events once it adds them."""
        listener = Listener(self._max_pending)
        self._listeners.add(listener)
        return listener

    def forget(self, listener: Listener) -> None:
        """Stop feeding ``listener``."""
        self._listeners.discard(listener)

    def dispatch(self, event: LiveEvent) -> None:
        """Queue ``event`` for every listener following its guild (every listener for a bot-wide event)."""
        message = wire(event)
        for listener in list(self._listeners):
            if event.guild_id is None or event.guild_id in listener.guilds:
                listener.send(message)

    async def __aenter__(self) -> LiveHub:
        self._tasks = [
            asyncio.create_task(self._follow_channel(), name="live-updates: channel"),
            asyncio.create_task(
                watch_status(self._sharding, self._status_interval, self._status_changed),
                name="live-updates: status",
            ),
        ]
        try:
            await asyncio.wait_for(self._subscribed.wait(), FIRST_SUBSCRIBE_WAIT)
        except TimeoutError:
            log.warning("live updates: the coordination channel is not subscribed yet; retrying meanwhile")
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        for task in self._tasks:
            task.cancel()
        if self._tasks:
            await asyncio.wait(self._tasks)
        self._tasks = []
        for listener in list(self._listeners):
            listener.close(CLOSE_GOING_AWAY, "the server is shutting down")

    def _status_changed(self, summary: dict[str, Any]) -> None:
        self.dispatch(LiveEvent(EventKind.BOT_STATUS, None, summary))

    async def _follow_channel(self) -> None:
        outage = OutageLog(log, "live updates wait for the coordination channel")
        while True:
            try:
                subscription = await self._coordination.subscribe(EVENTS_CHANNEL, GuildPluginService.CHANNEL)
            except Exception as exc:
                outage.failed(exc)
                await asyncio.sleep(RESUBSCRIBE_DELAY)
                continue
            outage.succeeded()
            self._subscribed.set()
            async with subscription:
                async for message in subscription:
                    for event in events_of(message):
                        self.dispatch(event)
            # The subscription ended under us: clients may have missed events, so make them reconnect.
            self._subscribed.clear()
            log.warning("live updates: the coordination channel closed; resubscribing")
            for listener in list(self._listeners):
                listener.close(CLOSE_INTERRUPTED, "live updates were interrupted; reconnect")
            await asyncio.sleep(RESUBSCRIBE_DELAY)
