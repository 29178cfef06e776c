"""The coordination contract every implementation (memory, Redis) satisfies."""

from __future__ import annotations

import abc
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tatiana.coordination.events import EVENTS_CHANNEL, LiveEvent

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from types import TracebackType


@dataclass(frozen=True, slots=True)
class Message:
    """One message received on a channel: a JSON-compatible dict."""

    channel: str
    data: dict[str, Any]


class Subscription(abc.ABC):
    """Messages of one or more channels, from the moment of subscribing until closed; iteration ends on close.

    Use as ``async with await coordination.subscribe("plugins") as sub: async for message in sub: ...``.
    """

    @abc.abstractmethod
    async def get(self, timeout: float | None = None) -> Message | None:
        """The next message; None after ``timeout`` seconds without one, or at once when closed."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Stop receiving; idempotent."""

    async def __aenter__(self) -> Subscription:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    def __aiter__(self) -> AsyncIterator[Message]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[Message]:
        # Without a timeout, get() returns None only once the subscription is closed.
        while (message := await self.get()) is not None:
            yield message


class Coordination(abc.ABC):
    """Pub/sub channels plus shared keys with optional expiry, shared by every process of one bot."""

    @abc.abstractmethod
    async def publish(self, channel: str, data: dict[str, Any]) -> None:
        """Send ``data`` (JSON-compatible) to every subscriber of ``channel``, this process included."""

    @abc.abstractmethod
    async def subscribe(self, *channels: str) -> Subscription:
        """Start receiving the messages published on ``channels`` from the moment this returns."""

    async def publish_event(self, kind: str, guild_id: int | None, data: dict[str, Any]) -> None:
        """Publish a live-update event (``EventKind``) on ``EVENTS_CHANNEL``; InvalidEvent if malformed.

        Subscribers read them with ``subscribe(EVENTS_CHANNEL)`` and ``LiveEvent.from_message``.
        """
        await self.publish(EVENTS_CHANNEL, LiveEvent.of(kind, guild_id, data).to_json())

    @abc.abstractmethod
    async def get(self, key: str) -> str | None:
        """The value of ``key``, or None if absent or expired."""

    @abc.abstractmethod
    async def set(
        self, key: str, value: str, *, ttl: float | None = None, only_if_absent: bool = False
    ) -> bool:
        """Store ``value``, expiring after ``ttl`` seconds (> 0) if given; True if stored.

        With ``only_if_absent`` it is stored only if no live value exists.
        """

    @abc.abstractmethod
    async def delete(self, key: str) -> bool:
        """Remove ``key``; True if it existed."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Release connections; subscriptions end; idempotent."""
