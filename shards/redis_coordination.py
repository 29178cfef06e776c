"""Coordination across processes and machines through Redis: namespaced keys and pub/sub channels."""

from __future__ import annotations

import asyncio
import json
import logging
import math
from typing import TYPE_CHECKING, Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from tatiana.coordination.base import Coordination, Message, Subscription
from tatiana.coordination.memory import QueueSubscription
from tatiana.shards.outage import OutageLog

if TYPE_CHECKING:
    from collections.abc import Callable

    from redis.asyncio.client import PubSub

log = logging.getLogger(__name__)

SUBSCRIBE_CONFIRM_TIMEOUT = 10.0
RECONNECT_DELAY = 1.0


class RedisSubscription(QueueSubscription):
    """A subscription holding its own Redis pub/sub connection, read by a background task."""

    def __init__(
        self,
        pubsub: PubSub,
        channels: tuple[str, ...],
        namespace: str,
        on_close: Callable[[QueueSubscription], None] | None = None,
    ) -> None:
        super().__init__(channels, on_close)
        self._pubsub = pubsub
        self._namespace = namespace
        self._outage = OutageLog(
            log, f"the subscription to {', '.join(channels)} waits; messages published meanwhile are lost"
        )
        self._reader = asyncio.create_task(self._read(), name=f"redis-subscription:{','.join(channels)}")

    async def close(self) -> None:
        """Stop receiving and release the connection; idempotent."""
        if self.closed:
            return
        await super().close()
        self._reader.cancel()
        await asyncio.wait([self._reader])
        await _close(self._pubsub)

    async def _read(self) -> None:
        try:
            while not self.closed:
                await self._receive()
        except Exception:
            log.exception("redis subscription to %s failed; it is closed", ", ".join(self.channels))
            await super().close()
            await _close(self._pubsub)

    async def _receive(self) -> None:
        try:
            raw = await self._pubsub.get_message(ignore_subscribe_messages=True, timeout=None)
        except (RedisError, OSError) as exc:
            # redis-py reconnects and resubscribes on the next read; messages sent meanwhile are lost.
            self._outage.failed(exc)
            await asyncio.sleep(RECONNECT_DELAY)
            return
        self._outage.succeeded()
        if raw is None or raw.get("type") != "message":
            return
        channel = str(raw["channel"]).removeprefix(self._namespace)
        try:
            data = json.loads(raw["data"])
        except (TypeError, ValueError):
            log.warning("redis channel %s: ignoring a message that is not JSON", channel)
            return
        if not isinstance(data, dict):
            log.warning("redis channel %s: ignoring a message that is not a JSON object", channel)
            return
        self.deliver(Message(channel, data))


class RedisCoordination(Coordination):
    """Channels and keys shared by every process using the same Redis server and namespace."""

    def __init__(self, url: str, namespace: str = "tatiana:") -> None:
        self.namespace = namespace
        self._client: aioredis.Redis = aioredis.from_url(url, decode_responses=True)
        self._subscriptions: set[QueueSubscription] = set()
        self._closed = False

    async def publish(self, channel: str, data: dict[str, Any]) -> None:
        """Send ``data`` as JSON to every subscriber of ``channel`` in any process."""
        self._check_open()
        await self._client.publish(self.namespace + channel, json.dumps(data))

    async def subscribe(self, *channels: str) -> Subscription:
        """Start receiving ``channels``; returns once Redis has confirmed the subscription."""
        self._check_open()
        if not channels:
            raise ValueError("subscribe needs at least one channel")
        names = [self.namespace + channel for channel in channels]
        pubsub = self._client.pubsub()
        try:
            await pubsub.subscribe(*names)
            await _confirmed(pubsub, set(names))
        except BaseException:
            await _close(pubsub)
            raise
        subscription = RedisSubscription(
            pubsub, channels, self.namespace, on_close=self._subscriptions.discard
        )
        self._subscriptions.add(subscription)
        return subscription

    async def get(self, key: str) -> str | None:
        """The value of ``key``, or None if absent or expired."""
        self._check_open()
        value = await self._client.get(self.namespace + key)
        return None if value is None else str(value)

    async def set(
        self, key: str, value: str, *, ttl: float | None = None, only_if_absent: bool = False
    ) -> bool:
        """Store ``value``, expiring after ``ttl`` seconds; with ``only_if_absent``, only if no live value."""
        self._check_open()
        if ttl is not None and ttl <= 0:
            raise ValueError(f"ttl must be positive, not {ttl}")
        px = None if ttl is None else max(1, math.ceil(ttl * 1000))
        stored = await self._client.set(self.namespace + key, value, px=px, nx=only_if_absent)
        return bool(stored)

    async def delete(self, key: str) -> bool:
        """Remove ``key``; True if it existed."""
        self._check_open()
        return bool(await self._client.delete(self.namespace + key))

    async def close(self) -> None:
        """End every subscription and close the connections; idempotent."""
        if self._closed:
            return
        self._closed = True
        for subscription in list(self._subscriptions):
            await subscription.close()
        await self._client.aclose()

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("this coordination is closed")


async def _confirmed(pubsub: PubSub, names: set[str]) -> None:
    # SUBSCRIBE is only sent, not acknowledged, by subscribe(); a message published before Redis
    # processed it would be missed, so wait for the confirmations.
    pending = set(names)
    async with asyncio.timeout(SUBSCRIBE_CONFIRM_TIMEOUT):
        while pending:
            reply = await pubsub.get_message(timeout=None)
            if reply is not None and reply.get("type") == "subscribe":
                pending.discard(str(reply["channel"]))


async def _close(pubsub: PubSub) -> None:
    await pubsub.aclose()  # type: ignore[no-untyped-call]
