"""The sandbox's Gateway v10: the websocket hikari's shards connect to, with sessions, resume and limits.

What it does, as Discord's gateway documentation describes: HELLO, IDENTIFY → READY then one GUILD_CREATE
per guild of the shard, heartbeats and ACKs (a connection that stops heartbeating is closed with 4009),
RESUME with replay of the events sent after the client's ``seq`` then RESUMED, INVALID_SESSION, RECONNECT,
intents (privileged ones allowed by a setting; MESSAGE_CONTENT strips user-written fields), the identify
limit per ``shard_id % max_concurrency`` bucket, 120 payloads per 60 s, and Discord's close codes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from collections import deque
from collections.abc import Coroutine, Iterable
from dataclasses import dataclass
from enum import IntEnum
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from tatiana.testing.sandbox import compression
from tatiana.testing.sandbox import gateway_payloads as payloads

if TYPE_CHECKING:
    from tatiana.testing.sandbox.server import Sandbox
    from tatiana.testing.sandbox.world import Message

_LOGGER = logging.getLogger("tatiana.testing.sandbox.gateway")

SUPPORTED_VERSIONS = frozenset({9, 10})
IDENTIFY_WINDOW = 5.0
_CONTENT_EVENTS = frozenset({"MESSAGE_CREATE", "MESSAGE_UPDATE"})
_UNREPLAYED_EVENTS = frozenset({"READY", "RESUMED"})


class Op(IntEnum):
    """Gateway opcodes."""

    DISPATCH = 0
    HEARTBEAT = 1
    IDENTIFY = 2
    PRESENCE_UPDATE = 3
    VOICE_STATE_UPDATE = 4
    RESUME = 6
    RECONNECT = 7
    REQUEST_GUILD_MEMBERS = 8
    INVALID_SESSION = 9
    HELLO = 10
    HEARTBEAT_ACK = 11
    REQUEST_SOUNDBOARD_SOUNDS = 31
    REQUEST_CHANNEL_INFO = 43


class CloseCode(IntEnum):
    """Gateway close event codes, plus the websocket codes the sandbox uses."""

    GOING_AWAY = 1001
    UNSUPPORTED = 1003
    UNKNOWN_ERROR = 4000
    UNKNOWN_OPCODE = 4001
    DECODE_ERROR = 4002
    NOT_AUTHENTICATED = 4003
    AUTHENTICATION_FAILED = 4004
    ALREADY_AUTHENTICATED = 4005
    INVALID_SEQ = 4007
    RATE_LIMITED = 4008
    SESSION_TIMED_OUT = 4009
    INVALID_SHARD = 4010
    SHARDING_REQUIRED = 4011
    INVALID_API_VERSION = 4012
    INVALID_INTENTS = 4013
    DISALLOWED_INTENTS = 4014


_CLIENT_OPS = frozenset(
    {
        Op.HEARTBEAT,
        Op.IDENTIFY,
        Op.PRESENCE_UPDATE,
        Op.VOICE_STATE_UPDATE,
        Op.RESUME,
        Op.REQUEST_GUILD_MEMBERS,
        Op.REQUEST_SOUNDBOARD_SOUNDS,
        Op.REQUEST_CHANNEL_INFO,
    }
)


@dataclass(frozen=True)
class IdentifyRecord:
    """An accepted IDENTIFY: which shard, and when (``time.monotonic()``)."""

    shard_id: int
    shard_count: int
    at: float


@dataclass(frozen=True)
class IdentifyViolation:
    """An IDENTIFY refused by the max_concurrency limit (answered with INVALID_SESSION ``d=false``)."""

    shard_id: int
    bucket: int
    at: float


@dataclass(frozen=True)
class SessionInfo:
    """A snapshot of one gateway session, for tests and the console."""

    session_id: str
    shard_id: int
    shard_count: int
    intents: int
    connected: bool
    ready: bool
    seq: int
    resumes: int
    heartbeats: int
    last_heartbeat_at: float | None
    heartbeat_gap: float | None


class _Closed(Exception):
    """Raised inside a connection's handler to close it with a gateway close code."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def _dumps(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"))


def _frame(op: int, data: Any) -> str:
    return f'{{"op":{op},"d":{_dumps(data)},"s":null,"t":null}}'


def _dispatch_frame(seq: int, event: str, data_json: str) -> str:
    return f'{{"op":0,"s":{seq},"t":"{event}","d":{data_json}}}'


def _snowflake(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"not a snowflake: {value!r}")
    return int(value)


class _Connection:
    """One websocket: its encoder, send lock, heartbeat clock and payload counter."""

    def __init__(self, ws: web.WebSocketResponse, request: web.Request, encoder: compression.Encoder) -> None:
        self.ws = ws
        self.transport = request.transport
        self.encoder = encoder
        self.session: _Session | None = None
        self.lock = asyncio.Lock()
        self.opened_at = time.monotonic()
        self.last_heartbeat_at: float | None = None
        self.heartbeat_gap: float | None = None
        self.heartbeats = 0
        self.window_start = 0.0
        self.window_count = 0
        self.tasks: set[asyncio.Task[None]] = set()
        self.closed_by_server = False

    @property
    def open(self) -> bool:
        """Whether the websocket can still carry payloads."""
        return not self.ws.closed and self.transport is not None and not self.transport.is_closing()

    async def send(self, text: str) -> None:
        """Encode and send one payload; a connection that went away silently drops it."""
        async with self.lock:
            await self.write(text)

    async def write(self, text: str) -> None:
        """Send one payload; the caller holds ``lock``."""
        if not self.open:
            return
        frame = self.encoder.encode(text)
        try:
            if isinstance(frame, bytes):
                await self.ws.send_bytes(frame)
            else:
                await self.ws.send_str(frame)
        except (ConnectionError, RuntimeError):
            _LOGGER.debug("payload lost: the connection closed while sending")

    def spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        """Run ``coro`` for as long as this connection lives."""
        task: asyncio.Task[None] = asyncio.create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)


class _Session:
    """A gateway session: created by IDENTIFY, kept across connections by RESUME, replaying its events."""

    def __init__(
        self,
        *,
        session_id: str,
        shard_id: int,
        shard_count: int,
        intents: int,
        large_threshold: int,
        replay_limit: int,
    ) -> None:
        self.session_id = session_id
        self.shard_id = shard_id
        self.shard_count = shard_count
        self.intents = intents
        self.large_threshold = large_threshold
        self.seq = 0
        self.buffer: deque[tuple[int, str]] = deque(maxlen=max(1, replay_limit))
        self.overflowed_through = 0
        self.connection: _Connection | None = None
        self.ready = False
        self.resumes = 0
        self.disconnected_at: float | None = None
        self.presence: dict[str, Any] | None = None
        self.loader: asyncio.Task[None] | None = None

    def owns(self, guild_id: int | None) -> bool:
        """Whether events of ``guild_id`` go to this session (those without a guild go to shard 0)."""
        if guild_id is None:
            return self.shard_id == 0
        return (guild_id >> 22) % self.shard_count == self.shard_id

    def wants(self, intents: int) -> bool:
        """Whether this session identified with one of the ``intents`` bits (0: every session)."""
        return intents == 0 or bool(self.intents & intents)

    async def push(self, event: str, data_json: str) -> None:
        """Give the event the next sequence number, keep it for RESUME, and send it if connected."""
        self.seq += 1
        frame = _dispatch_frame(self.seq, event, data_json)
        if event not in _UNREPLAYED_EVENTS:
            if len(self.buffer) == self.buffer.maxlen:
                self.overflowed_through = self.buffer[0][0]
            self.buffer.append((self.seq, frame))
        connection = self.connection
        if connection is not None:
            await connection.send(frame)

    def acknowledge(self, seq: int) -> None:
        """The client has every event up to ``seq``: they need no replay any more."""
        while self.buffer and self.buffer[0][0] <= seq:
            self.buffer.popleft()

    def lost_events_after(self, seq: int) -> bool:
        """Whether some event after ``seq`` fell out of the replay buffer (it keeps only the newest)."""
        return seq < self.overflowed_through

    def info(self) -> SessionInfo:
        """A snapshot for ``Gateway.sessions``."""
        connection = self.connection
        return SessionInfo(
            session_id=self.session_id,
            shard_id=self.shard_id,
            shard_count=self.shard_count,
            intents=self.intents,
            connected=connection is not None and connection.open,
            ready=self.ready,
            seq=self.seq,
            resumes=self.resumes,
            heartbeats=connection.heartbeats if connection else 0,
            last_heartbeat_at=connection.last_heartbeat_at if connection else None,
            heartbeat_gap=connection.heartbeat_gap if connection else None,
        )


class Gateway:
    """The sandbox's Gateway v10 server; settings are plain attributes, changeable before a bot connects.

    ``heartbeat_interval`` (seconds, sent in HELLO), ``heartbeat_timeout_factor`` (a connection silent
    for interval x factor is closed with 4009), ``allowed_privileged_intents`` (default: all three),
    ``max_guilds_per_shard`` (4011 above it), ``resume_timeout`` (how long a disconnected session stays
    resumable), ``replay_limit`` (events kept per session for RESUME), ``payload_limit`` per
    ``payload_window`` seconds (4008 above it), ``reconnect_close_after`` (seconds after a RECONNECT
    before the server closes the connection itself).

    What happened, for tests and benchmarks: ``identifies`` (accepted IDENTIFYs), ``identify_violations``
    (IDENTIFYs over the max_concurrency limit), ``resume_requests`` (session id and seq of each RESUME),
    ``close_codes`` (every close the server sent).
    """

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.heartbeat_interval = 41.25
        self.heartbeat_timeout_factor = 1.5
        self.allowed_privileged_intents = payloads.PRIVILEGED_INTENTS
        self.max_guilds_per_shard = 2500
        self.resume_timeout = 120.0
        self.replay_limit = 10_000
        self.payload_limit = 120
        self.payload_window = 60.0
        self.reconnect_close_after = 5.0
        self.identifies: list[IdentifyRecord] = []
        self.identify_violations: list[IdentifyViolation] = []
        self.resume_requests: list[tuple[str, int | None]] = []
        self.close_codes: list[int] = []
        self._sessions: dict[str, _Session] = {}
        self._connections: set[_Connection] = set()
        self._bucket_last_identify: dict[int, float] = {}
        self._changed = asyncio.Event()

    # --- wiring -----------------------------------------------------------------------------------
    def install(self, app: web.Application) -> None:
        """Serve the gateway websocket at ``/gateway`` on ``app``."""
        app.router.add_get("/gateway", self._handle)

    # --- server actions -----------------------------------------------------------------------------
    async def dispatch(
        self,
        event: str,
        data: dict[str, Any],
        *,
        guild_id: int | None = None,
        intents: int = 0,
        shard_id: int | None = None,
    ) -> int:
        """Send a DISPATCH to every session owning ``guild_id`` whose intents include one of ``intents``.

        Events without a guild go to shard 0, as Discord sends them; ``shard_id`` targets a shard
        explicitly. Sessions that are disconnected but resumable buffer the event for RESUME.
        MESSAGE_CREATE/UPDATE lose their user-written fields for sessions without MESSAGE_CONTENT, unless
        the bot wrote the message, is mentioned in it, or it is a DM. Returns how many sessions got it.
        """
        self._expire_sessions()
        data_json = _dumps(data)
        stripped_json: str | None = None
        sent = 0
        for session in list(self._sessions.values()):
            if shard_id is not None and session.shard_id != shard_id:
                continue
            if shard_id is None and not session.owns(guild_id):
                continue
            if not session.wants(intents):
                continue
            body = data_json
            if event in _CONTENT_EVENTS and self._hides_content(session, data):
                if stripped_json is None:
                    stripped_json = _dumps(payloads.strip_message_content(data))
                body = stripped_json
            await session.push(event, body)
            sent += 1
        return sent

    async def dispatch_message(self, message: Message, *, event: str = "MESSAGE_CREATE") -> int:
        """Dispatch MESSAGE_CREATE (or MESSAGE_UPDATE) for a stored message, with Discord's intents."""
        data = payloads.message(message, self.sandbox.world)
        intent = payloads.DIRECT_MESSAGES if message.guild_id is None else payloads.GUILD_MESSAGES
        return await self.dispatch(event, data, guild_id=message.guild_id, intents=intent)

    async def dispatch_guild_create(self, guild_id: int, *, joined: bool = True) -> int:
        """Send GUILD_CREATE for a guild to the sessions owning it: the bot ``joined`` it, or it came back."""
        world = self.sandbox.world
        guild = world.guilds[guild_id]
        sent = 0
        for session in list(self._sessions.values()):
            if not session.owns(guild_id) or not session.wants(payloads.GUILDS):
                continue
            data = payloads.guild_create(
                guild,
                world,
                intents=session.intents,
                large_threshold=session.large_threshold,
                unavailable=None if joined else False,
            )
            await session.push("GUILD_CREATE", _dumps(data))
            sent += 1
        return sent

    async def reconnect(self, shard_id: int) -> int:
        """Send RECONNECT (op 7) to the shard's connections; they are closed if still open a little later."""
        count = 0
        for connection in self._shard_connections(shard_id):
            await connection.send(_frame(Op.RECONNECT, None))
            connection.spawn(self._close_later(connection, self.reconnect_close_after))
            count += 1
        return count

    async def drop(self, shard_id: int) -> int:
        """Cut the shard's connections abruptly (no close frame), keeping their sessions resumable."""
        count = 0
        for connection in self._shard_connections(shard_id):
            if connection.transport is not None:
                connection.transport.abort()
                count += 1
        return count

    async def disconnect(self, shard_id: int, code: int = CloseCode.UNKNOWN_ERROR, reason: str = "") -> int:
        """Close the shard's connections with ``code`` (sessions stay resumable)."""
        connections = self._shard_connections(shard_id)
        await asyncio.gather(*(self._close(c, code, reason or "closed by the sandbox") for c in connections))
        return len(connections)

    async def invalidate(self, shard_id: int, *, resumable: bool = False) -> int:
        """Send INVALID_SESSION to the shard's connections; with ``resumable=False`` their sessions end."""
        count = 0
        for connection in self._shard_connections(shard_id):
            session = connection.session
            await connection.send(_frame(Op.INVALID_SESSION, resumable))
            if session is not None and not resumable:
                self._end_session(session)
                connection.session = None
            count += 1
        return count

    async def close_all(self) -> None:
        """Close every connection (1001 going away) and forget every session."""
        connections = list(self._connections)
        await asyncio.gather(*(self._close(c, CloseCode.GOING_AWAY, "sandbox stopping") for c in connections))
        for connection in connections:
            for task in list(connection.tasks):
                task.cancel()
        for session in list(self._sessions.values()):
            self._end_session(session)
            if session.loader is not None:
                with contextlib.suppress(asyncio.CancelledError):
                    await session.loader

    @property
    def sessions(self) -> list[SessionInfo]:
        """Every live or resumable session."""
        self._expire_sessions()
        return [s.info() for s in self._sessions.values()]

    async def wait_ready(self, shard_count: int = 1, timeout: float = 10.0) -> None:
        """Wait until ``shard_count`` distinct shards are connected, READY, and sent all their GUILD_CREATEs."""
        async with asyncio.timeout(timeout):
            while True:
                ready = {s.shard_id for s in self._sessions.values() if s.ready and s.connection is not None}
                if len(ready) >= shard_count:
                    return
                await self._changed.wait()

    # --- connection handling -----------------------------------------------------------------------
    async def _handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(compress=False, max_msg_size=4096 * 1024, timeout=5.0)
        await ws.prepare(request)
        problem: _Closed | None = None
        encoder: compression.Encoder = compression.PlainEncoder()
        try:
            version = int(request.query.get("v", "0"))
        except ValueError:
            version = 0
        if version not in SUPPORTED_VERSIONS:
            problem = _Closed(CloseCode.INVALID_API_VERSION, "Invalid API version")
        elif request.query.get("encoding", "json") != "json":
            problem = _Closed(CloseCode.UNSUPPORTED, "the sandbox speaks encoding=json only")
        else:
            try:
                encoder = compression.transport_encoder(request.query.get("compress"))
            except ValueError as exc:
                problem = _Closed(CloseCode.UNSUPPORTED, str(exc))
        connection = _Connection(ws, request, encoder)
        self._connections.add(connection)
        try:
            if problem is not None:
                raise problem
            await connection.send(
                _frame(Op.HELLO, {"heartbeat_interval": int(self.heartbeat_interval * 1000)})
            )
            connection.spawn(self._watch_heartbeats(connection))
            async for message in ws:
                if message.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
                    break
                await self._receive(connection, message.data)
        except _Closed as closed:
            await self._close(connection, closed.code, closed.reason)
        except Exception:
            _LOGGER.exception("gateway connection failed")
            await self._close(connection, CloseCode.UNKNOWN_ERROR, "Unknown error")
        finally:
            for task in list(connection.tasks):
                task.cancel()
            session = connection.session
            if session is not None and not connection.closed_by_server and ws.close_code in (1000, 1001):
                self._end_session(session)  # Discord invalidates a session its client closed with 1000/1001
            self._detach(connection)
            self._connections.discard(connection)
        return ws

    async def _receive(self, connection: _Connection, raw: str | bytes) -> None:
        self._count_payload(connection)
        try:
            payload = json.loads(raw)
        except ValueError:
            raise _Closed(CloseCode.DECODE_ERROR, "Error while decoding payload.") from None
        if not isinstance(payload, dict) or not isinstance(payload.get("op"), int):
            raise _Closed(CloseCode.DECODE_ERROR, "Error while decoding payload.")
        op, data = payload["op"], payload.get("d")
        if op not in _CLIENT_OPS:
            raise _Closed(CloseCode.UNKNOWN_OPCODE, f"Unknown opcode {op}.")
        if op == Op.HEARTBEAT:
            await self._heartbeat(connection, data)
        elif op == Op.IDENTIFY:
            await self._identify(connection, data)
        elif op == Op.RESUME:
            await self._resume(connection, data)
        elif connection.session is None:
            raise _Closed(CloseCode.NOT_AUTHENTICATED, "Not authenticated.")
        elif op == Op.PRESENCE_UPDATE:
            connection.session.presence = data if isinstance(data, dict) else None
        elif op == Op.REQUEST_GUILD_MEMBERS:
            await self._request_guild_members(connection.session, data)
        elif op == Op.REQUEST_SOUNDBOARD_SOUNDS:
            for guild_id in data.get("guild_ids", []) if isinstance(data, dict) else []:
                await connection.session.push(
                    "SOUNDBOARD_SOUNDS", _dumps({"guild_id": str(guild_id), "soundboard_sounds": []})
                )

    def _count_payload(self, connection: _Connection) -> None:
        now = time.monotonic()
        if now - connection.window_start >= self.payload_window:
            connection.window_start, connection.window_count = now, 0
        connection.window_count += 1
        if connection.window_count > self.payload_limit:
            raise _Closed(CloseCode.RATE_LIMITED, "You are being rate limited.")

    async def _heartbeat(self, connection: _Connection, data: Any) -> None:
        now = time.monotonic()
        if connection.last_heartbeat_at is not None:
            connection.heartbeat_gap = now - connection.last_heartbeat_at
        connection.last_heartbeat_at = now
        connection.heartbeats += 1
        session = connection.session
        if (
            session is not None
            and isinstance(data, int)
            and not isinstance(data, bool)
            and data <= session.seq
        ):
            session.acknowledge(data)
        await connection.send(_frame(Op.HEARTBEAT_ACK, None))
        self._notify()

    async def _watch_heartbeats(self, connection: _Connection) -> None:
        """Close a connection (4009) that sent no heartbeat for interval x factor, forgiving loop stalls."""
        while connection.open:
            limit = self.heartbeat_interval * self.heartbeat_timeout_factor
            last = connection.last_heartbeat_at or connection.opened_at
            delay = last + limit - time.monotonic()
            if delay > 0:
                wake = time.monotonic() + delay
                await asyncio.sleep(delay)
                stall = time.monotonic() - wake
                if stall > max(0.05, self.heartbeat_interval * 0.25):
                    # The event loop was blocked: a heartbeat may be waiting unread; give it time.
                    await asyncio.sleep(min(self.heartbeat_interval, 1.0))
                continue
            await self._close(connection, CloseCode.SESSION_TIMED_OUT, "Session timed out.")
            return

    async def _identify(self, connection: _Connection, data: Any) -> None:
        if connection.session is not None:
            raise _Closed(CloseCode.ALREADY_AUTHENTICATED, "Already authenticated.")
        if not isinstance(data, dict):
            raise _Closed(CloseCode.DECODE_ERROR, "Error while decoding payload.")
        self._check_token(data.get("token"))
        shard_id, shard_count = self._shard(data.get("shard", [0, 1]))
        intents = data.get("intents")
        if not isinstance(intents, int) or isinstance(intents, bool) or intents < 0:
            raise _Closed(CloseCode.INVALID_INTENTS, "Invalid intent(s).")
        if intents & ~payloads.VALID_INTENTS:
            raise _Closed(CloseCode.INVALID_INTENTS, "Invalid intent(s).")
        if intents & payloads.PRIVILEGED_INTENTS & ~self.allowed_privileged_intents:
            raise _Closed(CloseCode.DISALLOWED_INTENTS, "Disallowed intent(s).")
        world = self.sandbox.world
        guild_ids = [g for g in world.guilds if (g >> 22) % shard_count == shard_id]
        if len(guild_ids) > self.max_guilds_per_shard:
            raise _Closed(CloseCode.SHARDING_REQUIRED, "Sharding required.")

        now = time.monotonic()
        concurrency = max(1, self.sandbox.max_concurrency)
        bucket = shard_id % concurrency
        last = self._bucket_last_identify.get(bucket)
        if last is not None and now - last < IDENTIFY_WINDOW:
            self.identify_violations.append(IdentifyViolation(shard_id=shard_id, bucket=bucket, at=now))
            _LOGGER.warning(
                "identify of shard %s refused: bucket %s identified %.2fs ago", shard_id, bucket, now - last
            )
            await connection.send(_frame(Op.INVALID_SESSION, False))
            return
        self._bucket_last_identify[bucket] = now
        self.identifies.append(IdentifyRecord(shard_id=shard_id, shard_count=shard_count, at=now))

        threshold = data.get("large_threshold", 50)
        large_threshold = min(250, max(50, threshold if isinstance(threshold, int) else 50))
        self._expire_sessions()
        session = _Session(
            session_id=uuid.uuid4().hex,
            shard_id=shard_id,
            shard_count=shard_count,
            intents=intents,
            large_threshold=large_threshold,
            replay_limit=self.replay_limit,
        )
        session.presence = data.get("presence") if isinstance(data.get("presence"), dict) else None
        if data.get("compress") is True and isinstance(connection.encoder, compression.PlainEncoder):
            connection.encoder = compression.PayloadZlibEncoder()
        self._sessions[session.session_id] = session
        session.connection = connection
        connection.session = session
        ready = payloads.ready(
            world=world,
            session_id=session.session_id,
            resume_gateway_url=self.sandbox.gateway_url,
            shard=(shard_id, shard_count),
            guild_ids=guild_ids,
            application_flags=payloads.application_flags(self.allowed_privileged_intents),
        )
        await session.push("READY", _dumps(ready))
        session.loader = asyncio.create_task(self._load_guilds(session, guild_ids))

    async def _load_guilds(self, session: _Session, guild_ids: Iterable[int]) -> None:
        """Send GUILD_CREATE for each guild of the session's shard, as Discord's lazy load does (GUILDS intent)."""
        world = self.sandbox.world
        for guild_id in guild_ids if session.wants(payloads.GUILDS) else ():
            guild = world.guilds.get(guild_id)
            if guild is None:
                continue
            if guild.unavailable:
                await session.push("GUILD_DELETE", _dumps({"id": str(guild_id), "unavailable": True}))
                continue
            data = payloads.guild_create(
                guild, world, intents=session.intents, large_threshold=session.large_threshold
            )
            await session.push("GUILD_CREATE", _dumps(data))
        session.ready = True
        self._notify()

    async def _resume(self, connection: _Connection, data: Any) -> None:
        if connection.session is not None:
            raise _Closed(CloseCode.ALREADY_AUTHENTICATED, "Already authenticated.")
        if not isinstance(data, dict):
            raise _Closed(CloseCode.DECODE_ERROR, "Error while decoding payload.")
        self._check_token(data.get("token"))
        seq = data.get("seq")
        session_id = data.get("session_id")
        self.resume_requests.append((str(session_id), seq if isinstance(seq, int) else None))
        self._expire_sessions()
        session = self._sessions.get(session_id) if isinstance(session_id, str) else None
        if session is None or not isinstance(seq, int) or isinstance(seq, bool):
            await connection.send(_frame(Op.INVALID_SESSION, False))
            return
        if seq > session.seq:
            self._end_session(session)
            raise _Closed(CloseCode.INVALID_SEQ, "Invalid seq.")
        if session.lost_events_after(seq):
            self._end_session(session)
            await connection.send(_frame(Op.INVALID_SESSION, False))
            return
        previous = session.connection
        if previous is not None and previous is not connection:
            previous.session = None
            await self._close(previous, CloseCode.UNKNOWN_ERROR, "Session resumed on another connection.")
        session.connection = None
        async with connection.lock:
            sent_through = seq
            while pending := [(s, f) for s, f in session.buffer if s > sent_through]:
                for event_seq, frame in pending:
                    await connection.write(frame)
                    sent_through = event_seq
            session.connection = connection
            session.disconnected_at = None
            connection.session = session
        session.resumes += 1
        await session.push("RESUMED", _dumps({}))
        self._notify()

    async def _request_guild_members(self, session: _Session, data: Any) -> None:
        if not isinstance(data, dict):
            raise _Closed(CloseCode.DECODE_ERROR, "Error while decoding payload.")
        try:
            guild_id = _snowflake(data.get("guild_id"))
            raw_ids = data.get("user_ids")
            user_ids = None
            if raw_ids is not None:
                user_ids = [_snowflake(u) for u in (raw_ids if isinstance(raw_ids, list) else [raw_ids])]
        except ValueError:
            raise _Closed(CloseCode.DECODE_ERROR, "Error while decoding payload.") from None
        query = data.get("query")
        limit = data.get("limit", 0)
        if not isinstance(limit, int):
            limit = 0
        if user_ids is None and not query and not session.intents & payloads.GUILD_MEMBERS:
            raise _Closed(CloseCode.DISALLOWED_INTENTS, "Disallowed intent(s).")
        guild = self.sandbox.world.guilds.get(guild_id)
        if guild is None or not session.owns(guild_id):
            return
        nonce = data.get("nonce") if isinstance(data.get("nonce"), str) else None
        for chunk in payloads.member_chunks(
            guild, self.sandbox.world, query=query, limit=limit, user_ids=user_ids, nonce=nonce
        ):
            if data.get("presences") and session.intents & payloads.GUILD_PRESENCES:
                chunk["presences"] = []
            await session.push("GUILD_MEMBERS_CHUNK", _dumps(chunk))

    # --- helpers --------------------------------------------------------------------------------------
    def _check_token(self, token: Any) -> None:
        if not isinstance(token, str) or token.removeprefix("Bot ") != self.sandbox.token:
            raise _Closed(CloseCode.AUTHENTICATION_FAILED, "Authentication failed.")

    @staticmethod
    def _shard(value: Any) -> tuple[int, int]:
        valid = (
            isinstance(value, list)
            and len(value) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
            and value[1] >= 1
            and 0 <= value[0] < value[1]
        )
        if not valid:
            raise _Closed(CloseCode.INVALID_SHARD, "Invalid shard.")
        return value[0], value[1]

    def _hides_content(self, session: _Session, data: dict[str, Any]) -> bool:
        if session.intents & payloads.MESSAGE_CONTENT or "guild_id" not in data:
            return False
        bot_id = str(self.sandbox.world.bot.id)
        author = data.get("author")
        if isinstance(author, dict) and author.get("id") == bot_id:
            return False
        mentions = data.get("mentions") or []
        return not any(isinstance(m, dict) and m.get("id") == bot_id for m in mentions)

    def _shard_connections(self, shard_id: int) -> list[_Connection]:
        return [
            c
            for c in self._connections
            if c.session is not None and c.session.shard_id == shard_id and c.open
        ]

    async def _close_later(self, connection: _Connection, delay: float) -> None:
        await asyncio.sleep(delay)
        await self._close(connection, CloseCode.UNKNOWN_ERROR, "Reconnect requested.")

    async def _close(self, connection: _Connection, code: int, reason: str) -> None:
        if connection.ws.closed:
            return
        connection.closed_by_server = True
        self.close_codes.append(code)
        if (
            code in (CloseCode.INVALID_SEQ, CloseCode.AUTHENTICATION_FAILED)
            and connection.session is not None
        ):
            self._end_session(connection.session)
        self._detach(connection)
        with contextlib.suppress(ConnectionError, RuntimeError, asyncio.TimeoutError):
            await connection.ws.close(code=code, message=reason.encode()[:123])

    def _detach(self, connection: _Connection) -> None:
        session = connection.session
        if session is not None and session.connection is connection:
            session.connection = None
            session.disconnected_at = time.monotonic()
        connection.session = None
        self._notify()

    def _notify(self) -> None:
        self._changed.set()
        self._changed.clear()

    def _end_session(self, session: _Session) -> None:
        self._sessions.pop(session.session_id, None)
        if session.loader is not None and not session.loader.done():
            session.loader.cancel()
        session.connection = None

    def _expire_sessions(self) -> None:
        now = time.monotonic()
        for session in list(self._sessions.values()):
            gone = session.disconnected_at
            if session.connection is None and gone is not None and now - gone > self.resume_timeout:
                self._end_session(session)
