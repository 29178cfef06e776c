"""``/api/ws``: the dashboard's live updates over a WebSocket.

Browsers cannot set headers on a WebSocket, so the access token travels in the first message:

1. connect (from the dashboard's origin, or from a client sending no ``Origin``);
2. send ``{"type": "auth", "token": "<access token>"}`` within 10 s; the answer is
   ``{"type": "ready", "user_id": "...", "expires_at": <unix time>}``, and ``bot_status`` events start;
3. send ``{"type": "subscribe", "guilds": ["<id>", ...]}``; the answer is ``{"type": "subscribed",
   "guilds": [ids now followed], "refused": [{"guild_id", "error"}]}``, with the same right check as the
   REST guild routes (the owner, MANAGE_GUILD or ADMINISTRATOR); ``unsubscribe`` works alike;
4. receive ``{"type": "plugin_toggled" | "moderation_alert" | "bot_status" | "activity",
   "guild_id": "<id>" | null, "data": {...}}``;
5. before the token expires, send a new ``auth`` message with a fresh token of the same user (the guilds
   followed are checked again), or the server closes with 4001.

A bad message gets ``{"type": "error", "error": "..."}`` and the connection stays. Close codes: 4001 not
authenticated (no, invalid or expired token; the reason says which), 1008 too many messages, 1009 a message
over 4 KiB, 1013 too slow to read its events, 1011 live updates interrupted (or an internal error), 1001 server
stopping; the
connection itself counts against the client's request rate limit (429 with Retry-After at the handshake).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any, cast

import httpx
from litestar import WebSocket, websocket
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.exceptions import WebSocketDisconnect

from tatiana.api.access_tokens import AccessClaims, InvalidAccessToken
from tatiana.api.guild_access import AccessUnavailable
from tatiana.api.live_updates import Closing, Listener, LiveHub
from tatiana.api.services import ApiServices

log = logging.getLogger(__name__)

PATH = "/api/ws"
AUTH_TIMEOUT = 10.0
MAX_MESSAGE_CHARS = 4096
MAX_GUILDS = 200  # guilds one connection may follow
MESSAGES_PER_WINDOW = 30  # client messages allowed per window before the connection is closed
MESSAGE_WINDOW = 10.0

CLOSE_UNAUTHORIZED = 4001
CLOSE_POLICY = 1008
CLOSE_TOO_BIG = 1009
CLOSE_INTERNAL = 1011

AUTH_HINT = 'send {"type": "auth", "token": "<access token>"} first'


class ProtocolError(ValueError):
    """A client message the server cannot act on; the client is told, the connection stays."""


def provide_live_hub(state: State) -> LiveHub:
    """The process's live-updates hub."""
    return cast(LiveHub, state.live_hub)


def parse_message(text: str) -> dict[str, Any]:
    """A client message: a JSON object with a string ``type``."""
    try:
        message = json.loads(text)
    except ValueError:
        raise ProtocolError("messages must be JSON") from None
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        raise ProtocolError('messages must be JSON objects with a "type"')
    return message


def guild_ids(message: dict[str, Any]) -> list[int]:
    """The ``guilds`` of a (un)subscribe message: Discord ids as strings (or integers)."""
    guilds = message.get("guilds")
    if not isinstance(guilds, list) or not guilds:
        raise ProtocolError('"guilds" must be a non-empty list of guild ids')
    if len(guilds) > MAX_GUILDS:
        raise ProtocolError(f"at most {MAX_GUILDS} guilds at once")
    ids = []
    for value in guilds:
        number = value
        if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 20:
            number = int(value)
        if isinstance(number, bool) or not isinstance(number, int) or not 0 < number < 2**63:
            raise ProtocolError(f"not a guild id: {value!r}")
        ids.append(number)
    return list(dict.fromkeys(ids))


class LiveSession:
    """One connection: authenticate, then read the client's messages while its listener's events go out."""

    def __init__(self, socket: WebSocket[Any, Any, Any], services: ApiServices, hub: LiveHub) -> None:
        self._socket = socket
        self._services = services
        self._hub = hub
        self._claims: AccessClaims | None = None
        self._received: list[float] = []

    async def run(self) -> None:
        """Serve the connection until either side closes it."""
        await self._socket.accept()
        try:
            claims = await self._authenticate()
        except WebSocketDisconnect:
            return
        if claims is None:
            return
        self._claims = claims
        listener = self._hub.listen()
        listener.send({"type": "ready", "user_id": str(claims.user_id), "expires_at": claims.expires_at})
        sender = asyncio.create_task(self._send(listener))
        receiver = asyncio.create_task(self._receive(listener))
        try:
            await asyncio.wait([sender, receiver], return_when=asyncio.FIRST_COMPLETED)
            # A close decided while reading goes out through the sender, the socket's only writer.
            if receiver.done() and listener.closing is not None:
                await asyncio.wait([sender], timeout=5.0)
        finally:
            self._hub.forget(listener)
            for task in (sender, receiver):
                task.cancel()
            await asyncio.wait([sender, receiver])

    async def _authenticate(self) -> AccessClaims | None:
        try:
            async with asyncio.timeout(AUTH_TIMEOUT):
                text = await self._socket.receive_text()
        except TimeoutError:
            await self._socket.close(CLOSE_UNAUTHORIZED, f"authentication timed out: {AUTH_HINT}")
            return None
        try:
            message = parse_message(self._checked_size(text))
            if message["type"] != "auth":
                raise ProtocolError(f"not authenticated: {AUTH_HINT}")
            return self._verify(message)
        except (ProtocolError, InvalidAccessToken) as exc:
            await self._socket.close(CLOSE_UNAUTHORIZED, str(exc))
            return None
        except _TooBig as exc:
            await self._socket.close(CLOSE_TOO_BIG, str(exc))
            return None

    def _verify(self, message: dict[str, Any]) -> AccessClaims:
        token = message.get("token")
        if not isinstance(token, str) or not token:
            raise ProtocolError(f'"token" missing: {AUTH_HINT}')
        return self._services.access_tokens.verify(token)

    async def _send(self, listener: Listener) -> None:
        while True:
            item = await listener.next()
            try:
                if isinstance(item, Closing):
                    await self._socket.close(item.code, item.reason)
                    return
                await self._socket.send_json(item)
            except (WebSocketDisconnect, OSError):
                return

    async def _receive(self, listener: Listener) -> None:
        while listener.closing is None:
            assert self._claims is not None
            left = self._claims.expires_at - time.time()
            try:
                async with asyncio.timeout(max(left, 0)):
                    text = await self._socket.receive_text()
            except TimeoutError:
                listener.close(CLOSE_UNAUTHORIZED, "access token expired; send a fresh one before it expires")
                return
            except WebSocketDisconnect:
                return
            if self._flooding():
                listener.close(CLOSE_POLICY, f"too many messages: at most {MESSAGES_PER_WINDOW} per 10 s")
                return
            try:
                await self._handle(parse_message(self._checked_size(text)), listener)
            except ProtocolError as exc:
                listener.send({"type": "error", "error": str(exc)})
            except _TooBig as exc:
                listener.close(CLOSE_TOO_BIG, str(exc))
            except (InvalidAccessToken, AccessUnavailable) as exc:
                listener.close(CLOSE_UNAUTHORIZED, str(exc))
            except Exception:
                log.exception("live updates: a client message failed")
                listener.close(CLOSE_INTERNAL, "internal error; reconnect")

    async def _handle(self, message: dict[str, Any], listener: Listener) -> None:
        kind = message["type"]
        if kind == "subscribe":
            await self._subscribe(guild_ids(message), listener)
        elif kind == "unsubscribe":
            ids = guild_ids(message)
            listener.guilds.difference_update(ids)
            listener.send({"type": "unsubscribed", "guilds": [str(i) for i in ids]})
        elif kind == "auth":
            await self._reauthenticate(message, listener)
        elif kind == "ping":
            listener.send({"type": "pong"})
        else:
            raise ProtocolError(f"unknown message type {kind!r} (auth, subscribe, unsubscribe, ping)")

    async def _subscribe(self, ids: list[int], listener: Listener) -> None:
        allowed, refused = await self._check(ids)
        room = MAX_GUILDS - len(listener.guilds - set(allowed))
        for guild_id in [g for g in allowed if g not in listener.guilds][room:]:
            allowed.remove(guild_id)
            refused.append(
                {"guild_id": str(guild_id), "error": f"at most {MAX_GUILDS} guilds per connection"}
            )
        listener.guilds.update(allowed)
        listener.send({"type": "subscribed", "guilds": [str(i) for i in allowed], "refused": refused})

    async def _check(self, ids: list[int]) -> tuple[list[int], list[dict[str, str]]]:
        access = self._services.guild_access
        if access is None:
            raise ProtocolError("dashboard login is not configured (DISCORD_CLIENT_ID/SECRET)")
        assert self._claims is not None
        try:
            await access.guilds(self._claims.family)
        except httpx.HTTPError:
            raise ProtocolError("Discord cannot be reached to check your guilds; try again") from None
        allowed: list[int] = []
        refused: list[dict[str, str]] = []
        for guild_id in ids:
            if await access.can_manage(self._claims.family, guild_id):
                allowed.append(guild_id)
            else:
                refused.append({"guild_id": str(guild_id), "error": "you do not manage this guild"})
        return allowed, refused

    async def _reauthenticate(self, message: dict[str, Any], listener: Listener) -> None:
        claims = self._verify(message)
        assert self._claims is not None
        if claims.user_id != self._claims.user_id:
            raise InvalidAccessToken("this token belongs to another user")
        self._claims = claims
        if not listener.guilds:
            listener.send({"type": "ready", "user_id": str(claims.user_id), "expires_at": claims.expires_at})
            return
        kept, lost = await self._check(sorted(listener.guilds))
        listener.guilds.intersection_update(kept)
        if lost:
            listener.send({"type": "unsubscribed", "guilds": [r["guild_id"] for r in lost], "refused": lost})
        listener.send({"type": "ready", "user_id": str(claims.user_id), "expires_at": claims.expires_at})

    def _flooding(self) -> bool:
        now = time.monotonic()
        self._received = [t for t in self._received if now - t < MESSAGE_WINDOW]
        self._received.append(now)
        return len(self._received) > MESSAGES_PER_WINDOW

    @staticmethod
    def _checked_size(text: str) -> str:
        if len(text) > MAX_MESSAGE_CHARS:
            raise _TooBig(f"messages are limited to {MAX_MESSAGE_CHARS} characters")
        return text


class _TooBig(ValueError):
    """A client message over the size limit: the connection is closed."""


@websocket(PATH, dependencies={"hub": Provide(provide_live_hub, sync_to_thread=False)})
async def live_updates(
    socket: WebSocket[Any, Any, Any], services: NamedDependency[ApiServices], hub: NamedDependency[LiveHub]
) -> None:
    """Live updates for the guilds the caller manages (protocol in this module's docstring)."""
    origin = socket.headers.get("origin")
    allowed = cast(str, socket.app.state.dashboard_origin)
    if origin is not None and origin.rstrip("/") != allowed:
        # Before accepting: the browser sees the handshake refused (403).
        await socket.close(CLOSE_POLICY, "origin not allowed")
        return
    await LiveSession(socket, services, hub).run()
