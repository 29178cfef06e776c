"""Coordination inside one process (the embedded default, without Redis)."""

from __future__ import annotations

import asyncio
import json
import time
from typing import TYPE_CHECKING, Any

from tatiana.coordination.base import Coordination, Message, Subscription

if TYPE_CHECKING:
    from collections.abc import Callable


class QueueSubscription(Subscription):
    """A subscription fed through an unbounded queue by whoever receives its channels' messages."""

    def __init__(
        self, channels: tuple[str, ...], on_close: Callable[[QueueSubscription], None] | None = None
    ) -> None:
        self.channels = channels
        self._queue: asyncio.Queue[Message | None] = asyncio.Queue()
        self._closed = False
        self._on_close = on_close

    @property
    def closed(self) -> bool:
        """Whether the subscription was closed."""
        return self._closed

    def deliver(self, message: Message) -> None:
        """Queue ``message`` for the reader; ignored once closed."""
        if not self._closed:
            self._queue.put_nowait(message)

    async def get(self, timeout: float | None = None) -> Message | None:
        """The next message; None after ``timeout`` seconds without one, or at once when closed."""
        if self._closed:
            return None
        try:
            async with asyncio.timeout(timeout):
                message = await self._queue.get()
        except TimeoutError:
            return None
        if message is None:
            # The close sentinel: leave it for any other task waiting on this subscription.
            self._queue.put_nowait(None)
        return message

    async def close(self) -> None:
        """Stop receiving; readers waiting in get() return None; idempotent."""
        if self._closed:
            return
        self._closed = True
        self._queue.put_nowait(None)
        if self._on_close is not None:
            self._on_close(self)


class MemoryCoordination(Coordination):
    """Channels and keys of one process, for a bot running without Redis.

    Messages go through JSON like Redis's do, so every subscriber gets its own copy and
    data that would not survive Redis fails here too.
    """

    def __init__(self) -> None:
        self._subscriptions: dict[str, set[QueueSubscription]] = {}
        self._values: dict[str, tuple[str, float | None]] = {}
        self._closed = False

    async def publish(self, channel: str, data: dict[str, Any]) -> None:
        """Send ``data`` to every current subscription of ``channel``, this process's included."""
        self._check_open()
        encoded = json.dumps(data)
        for subscription in list(self._subscriptions.get(channel, ())):
            subscription.deliver(Message(channel, json.loads(encoded)))

    async def subscribe(self, *channels: str) -> Subscription:
        """Start receiving the messages published on ``channels`` from now on."""
        self._check_open()
        if not channels:
            raise ValueError("subscribe needs at least one channel")
        subscription = QueueSubscription(channels, on_close=self._forget)
        for channel in channels:
            self._subscriptions.setdefault(channel, set()).add(subscription)
        return subscription

    async def get(self, key: str) -> str | None:
        """The value of ``key``, or None if absent or expired."""
        self._check_open()
        return self._live(key)

    async def set(
        self, key: str, value: str, *, ttl: float | None = None, only_if_absent: bool = False
    ) -> bool:
        """Store ``value``, expiring after ``ttl`` seconds; with ``only_if_absent``, only if no live value."""
        self._check_open()
        if ttl is not None and ttl <= 0:
            raise ValueError(f"ttl must be positive, not {ttl}")
        if only_if_absent and self._live(key) is not None:
            return False
        self._values[key] = (value, None if ttl is None else time.monotonic() + ttl)
        return True

    async def delete(self, key: str) -> bool:
        """Remove ``key``; True if it had a live value."""
        self._check_open()
        existed = self._live(key) is not None
        self._values.pop(key, None)
        return existed

    async def close(self) -> None:
        """End every subscription and forget every key; idempotent."""
        if self._closed:
            return
        self._closed = True
        for subscription in {s for subs in self._subscriptions.values() for s in subs}:
            await subscription.close()
        self._subscriptions.clear()
        self._values.clear()

    def _live(self, key: str) -> str | None:
        entry = self._values.get(key)
        if entry is None:
            return None
        value, expires_at = entry
        if expires_at is not None and time.monotonic() >= expires_at:
            del self._values[key]
            return None
        return value

    def _forget(self, subscription: QueueSubscription) -> None:
        for channel in subscription.channels:
            subs = self._subscriptions.get(channel)
            if subs is not None:
                subs.discard(subscription)
                if not subs:
                    del self._subscriptions[channel]

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("this coordination is closed")
