"""A process-wide follower of one coordination channel: subscribes once, handles each message in a task."""

from __future__ import annotations

import abc
import asyncio
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tatiana.coordination.base import Coordination, Subscription


class ChannelFollower(abc.ABC):
    """Follows ``channel`` between ``follow`` and ``unfollow``; subclasses say what each message does."""

    channel: str
    """The coordination channel followed."""

    def __init__(self) -> None:
        self._subscription: Subscription | None = None
        self._listener: asyncio.Task[None] | None = None

    async def follow(self, coordination: Coordination) -> None:
        """Start hearing the channel; idempotent."""
        if self._listener is not None:
            return
        self._subscription = await coordination.subscribe(self.channel)
        self._listener = asyncio.create_task(self._listen(self._subscription), name=f"follow-{self.channel}")

    async def unfollow(self) -> None:
        """Stop hearing the channel."""
        subscription, self._subscription = self._subscription, None
        listener, self._listener = self._listener, None
        if subscription is not None:
            await subscription.close()
        if listener is not None:
            await asyncio.wait([listener])

    @abc.abstractmethod
    async def _listen(self, subscription: Subscription) -> None:
        """Handle the subscription's messages until it ends."""
