"""An answer shown while it streams in: edited at most once per interval, split over several messages."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol, TypedDict

import hikari

from tatiana_ai.splitting import MESSAGE_LIMIT, split_message

EDIT_INTERVAL = 1.0
"""Seconds between two edits of a streaming answer, well within Discord's rate limit on message edits."""


class Mentions(TypedDict):
    """Which mentions in a message ping: hikari's ``allowed_mentions`` arguments."""

    mentions_everyone: bool
    user_mentions: bool
    role_mentions: bool


NO_PINGS: Mentions = {"mentions_everyone": False, "user_mentions": False, "role_mentions": False}
"""``allowed_mentions`` empty: an answer never pings anyone, whatever the model wrote."""


class ReplySurface(Protocol):
    """Where an answer's messages go: the first one exists already, further ones are added."""

    async def edit_part(self, index: int, content: str) -> None:
        """Replace the text of the ``index``-th message of the answer."""

    async def add_part(self, content: str) -> None:
        """Send one more message of the answer."""


class InteractionSurface:
    """The answer to a deferred slash command: its original response, then followups, never pinging."""

    def __init__(self, interaction: hikari.CommandInteraction) -> None:
        self._interaction = interaction
        self._followups: list[hikari.Message] = []
        self.first_message_id: int | None = None

    async def edit_part(self, index: int, content: str) -> None:
        """Edit the original response (0) or a followup."""
        if index == 0:
            message = await self._interaction.edit_initial_response(content, **NO_PINGS)
            self.first_message_id = int(message.id)
        else:
            await self._interaction.edit_message(self._followups[index - 1], content, **NO_PINGS)

    async def add_part(self, content: str) -> None:
        """Send a followup."""
        self._followups.append(await self._interaction.execute(content, **NO_PINGS))


class StreamingReply:
    """Accumulates an answer's text and shows it on a surface, at most one round of edits per ``interval``."""

    def __init__(
        self,
        surface: ReplySurface,
        *,
        interval: float = EDIT_INTERVAL,
        limit: int = MESSAGE_LIMIT,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.surface = surface
        self.text = ""
        self.interval = interval
        self.limit = limit
        self.edits = 0
        self._clock = clock
        self._shown: list[str] = []
        self._last_flush: float | None = None

    async def add(self, delta: str) -> None:
        """Append ``delta``; show the text if the last edit is at least ``interval`` old."""
        self.text += delta
        now = self._clock()
        if self._last_flush is None or now - self._last_flush >= self.interval:
            await self._flush()

    async def finish(self, text: str | None = None) -> None:
        """Show the final text (``text`` instead of what streamed in, when given), whatever the interval."""
        if text is not None:
            self.text = text
        await self._flush()

    async def _flush(self) -> None:
        parts = split_message(self.text, self.limit)
        for index, part in enumerate(parts):
            if index >= len(self._shown):
                await self.surface.add_part(part) if index else await self.surface.edit_part(0, part)
                self.edits += 1
            elif self._shown[index] != part:
                await self.surface.edit_part(index, part)
                self.edits += 1
        self._shown = parts if len(parts) >= len(self._shown) else parts + self._shown[len(parts) :]
        self._last_flush = self._clock()


class ChannelSurface:
    """An answer posted in a channel or thread: first as a reply to the member's message (not pinging its
    author) when there is one, then further messages."""

    def __init__(
        self, rest: hikari.api.RESTClient, channel_id: int, *, reply_to: hikari.Message | None = None
    ) -> None:
        self._rest = rest
        self._channel_id = channel_id
        self._reply_to = reply_to
        self._messages: list[hikari.Message] = []

    @classmethod
    def replying_to(cls, source: hikari.Message) -> ChannelSurface:
        """The answer to ``source``, in its channel."""
        return cls(source.app.rest, int(source.channel_id), reply_to=source)

    @property
    def first_message_id(self) -> int | None:
        """The id of the answer's first message, once sent."""
        return int(self._messages[0].id) if self._messages else None

    async def edit_part(self, index: int, content: str) -> None:
        """Edit the ``index``-th message of the answer (sending the first one if not yet sent)."""
        if index >= len(self._messages):
            await self.add_part(content)
        else:
            self._messages[index] = await self._messages[index].edit(content, **NO_PINGS)

    async def add_part(self, content: str) -> None:
        """Send one more message: the first as a reply to the member's message, if any."""
        reply = self._reply_to if not self._messages else None
        sent = await self._rest.create_message(
            self._channel_id,
            content,
            reply=reply or hikari.UNDEFINED,
            reply_must_exist=False,
            mentions_reply=False,
            **NO_PINGS,
        )
        self._messages.append(sent)
