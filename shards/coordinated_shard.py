"""A hikari gateway shard that identifies only when the shared identify queue allows it and can be handed over.

hikari (2.6, pinned) sends IDENTIFY from ``GatewayShardImpl._connect`` through ``_send_json``, both on the first
connection and whenever a session cannot be resumed; this subclass waits for its turn right there, after HELLO,
with heartbeats already running, as discord.js does. Handing over freezes the connection so that no further
event reaches the bot, and closes it with hikari's resumable close code (3000) instead of 1001, which would end
the session: another process can then RESUME it from the frozen sequence number and receive every later event.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import hikari
from hikari.impl import shard as shard_impl

from tatiana.sharding.records import ResumeState

if TYPE_CHECKING:
    from hikari.internal import data_binding

IDENTIFY_OP = 2
RESUMABLE_CLOSE_CODE = 3000  # hikari's "disconnecting temporarily": the session stays resumable


class HandoverTransport:
    """hikari's transport of one websocket connection, able to stop passing payloads to its shard."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.frozen = False

    async def receive_json(self) -> data_binding.JSONObject:
        """The next payload; once frozen, none: the connection's remaining events are left to the next holder."""
        if not self.frozen:
            payload: data_binding.JSONObject = await self._inner.receive_json()
            if not self.frozen:
                return payload
        await asyncio.Future()  # until the shard cancels its reader
        raise AssertionError("unreachable")

    async def send_json(self, data: data_binding.JSONObject) -> None:
        """Send one payload."""
        await self._inner.send_json(data)

    async def send_close(self, *, code: int, message: bytes) -> None:
        """Close the websocket; once frozen, with the resumable close code whatever hikari asks for."""
        if self.frozen:
            code, message = RESUMABLE_CLOSE_CODE, b"handed over to another process"
        await self._inner.send_close(code=code, message=message)


class CoordinatedShard(shard_impl.GatewayShardImpl):
    """One gateway shard whose IDENTIFYs wait for ``identify_turn``; it may start by resuming ``resume``."""

    def __init__(
        self,
        *,
        identify_turn: Callable[[int], Awaitable[None]],
        resume: ResumeState | None = None,
        **options: Any,
    ) -> None:
        super().__init__(**options)
        self._identify_turn = identify_turn
        self._keep_alive_run: asyncio.Task[Any] | None = None
        self.waiting_for_identify = False
        self.identified = 0
        if resume is not None:
            self._session_id = resume.session_id
            self._seq = resume.seq
            self._resume_gateway_url = resume.resume_url
            # READY set it for the process that identified; events replayed on RESUME need it here too.
            self._user_id = hikari.Snowflake(resume.user_id)

    @property
    def session_id(self) -> str | None:
        """The gateway session, once READY or given to resume."""
        return self._session_id

    async def _send_json(self, data: data_binding.JSONObject, *, priority: bool = False) -> None:
        if data.get("op") == IDENTIFY_OP:
            self.waiting_for_identify = True
            try:
                await self._identify_turn(self._shard_id)
            finally:
                self.waiting_for_identify = False
            self.identified += 1
        await super()._send_json(data, priority=priority)

    async def _connect(self) -> tuple[asyncio.Task[None], ...]:
        before = asyncio.all_tasks()
        try:
            tasks = await super()._connect()
        except BaseException:
            await self._stop_orphans(before)
            raise
        if self._ws is not None and not isinstance(self._ws, HandoverTransport):
            self._ws = HandoverTransport(self._ws)  # type: ignore[assignment]
        return tasks

    async def _stop_orphans(self, before: set[asyncio.Task[Any]]) -> None:
        # hikari starts a connection's heartbeat and event reader before IDENTIFY, and hands them to its keep-alive
        # loop (which stops them) only once _connect returns: a _connect that fails or is cancelled meanwhile, as
        # while waiting for the identify turn, would leave them running. hikari 2.6 names them so.
        names = {f"heartbeat (shard {self._shard_id})", f"poll events (shard {self._shard_id})"}
        orphans = [t for t in asyncio.all_tasks() - before if t.get_name() in names and not t.done()]
        for task in orphans:
            task.cancel()
        if orphans:
            await asyncio.wait(orphans)
            for task in orphans:
                if not task.cancelled():
                    task.exception()  # retrieved: the connection is gone anyway

    async def _keep_alive(self) -> None:
        self._keep_alive_run = asyncio.current_task()
        await super()._keep_alive()

    def freeze(self) -> ResumeState | None:
        """Stop passing events to the bot; where the session stands, or None if it cannot be resumed."""
        transport = self._ws
        if (
            not isinstance(transport, HandoverTransport)
            or not self.is_connected
            or self._session_id is None
            or self._seq is None
            or self._user_id is None
        ):
            return None
        transport.frozen = True
        return ResumeState(
            shard_id=self._shard_id,
            session_id=self._session_id,
            seq=self._seq,
            resume_url=self._resume_gateway_url,
            user_id=int(self._user_id),
        )

    async def terminate(self) -> None:
        """Disconnect, whether started or still starting (``close`` refuses a shard that has not started)."""
        if self._keep_alive_task is not None:
            await self.close()
            return
        run = self._keep_alive_run
        if run is not None and not run.done():
            run.cancel()
            await asyncio.wait([run])
