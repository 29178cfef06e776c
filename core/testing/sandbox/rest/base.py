"""What every REST route shares: the sandbox's REST state, route declarations, and a request context."""

from __future__ import annotations

import inspect
import json
import logging
import urllib.parse
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from aiohttp import BodyPartReader, web

from tatiana.testing.sandbox.rest import errors
from tatiana.testing.sandbox.rest.ratelimit import RateLimiter
from tatiana.testing.sandbox.world import Channel, Guild, Member, Message, Perm, Role, User, World, utcnow

if TYPE_CHECKING:
    from tatiana.testing.sandbox.interactions import InteractionStore
    from tatiana.testing.sandbox.rest.oauth2 import OAuthServer, OAuthToken
    from tatiana.testing.sandbox.server import Sandbox

_LOGGER = logging.getLogger("tatiana.testing.sandbox.rest")

API_PREFIX = "/api/v10"
Auth = Literal["bot", "bearer", "bot_or_bearer", "none"]
Handler = Callable[["Context"], Awaitable[web.StreamResponse]]

# Gateway intents the REST side's events need (https://discord.com/developers/docs/events/gateway#gateway-intents).
GUILDS = 1 << 0
GUILD_MEMBERS = 1 << 1
GUILD_MODERATION = 1 << 2
GUILD_MESSAGES = 1 << 9
GUILD_MESSAGE_REACTIONS = 1 << 10
DIRECT_MESSAGES = 1 << 12
DIRECT_MESSAGE_REACTIONS = 1 << 13


@dataclass(frozen=True)
class Route:
    """One REST route: method, path template under /api/v10, handler, the credential it takes."""

    method: str
    path: str
    handler: Handler
    auth: Auth = "bot"
    ratelimited: bool = True

    @property
    def key(self) -> str:
        """``"METHOD /path/template"``, the name rate limits are configured by."""
        return f"{self.method} {self.path}"


@dataclass
class StoredFile:
    """An uploaded attachment's bytes, served back at its URL."""

    filename: str
    content_type: str
    data: bytes


@dataclass
class Upload:
    """A file in a multipart request (``files[n]``)."""

    filename: str
    content_type: str
    data: bytes


@dataclass
class RestState:
    """The REST side's state and settings for one sandbox (``rest.state(sandbox)``).

    ``interaction_response_timeout`` (Discord: 3 s) is how long an interaction waits for its first
    response; ``interaction_token_ttl`` (Discord: 15 min) how long its token takes followups and edits.
    ``validate_responses`` checks every answer against Discord's OpenAPI description and notes each
    mismatch in ``openapi_errors``; ``errors`` notes the sandbox's own failures (answered 500);
    ``calls`` counts the answers by route (``"POST /channels/{channel_id}/messages"``) and status.
    """

    sandbox: Sandbox
    ratelimits: RateLimiter = field(default_factory=RateLimiter)
    interaction_response_timeout: float = 3.0
    interaction_token_ttl: float = 15 * 60.0
    validate_responses: bool = False
    openapi_errors: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    files: dict[int, StoredFile] = field(default_factory=dict)
    last_message_at: dict[tuple[int, int], float] = field(default_factory=dict)  # (channel, user): slowmode
    routes: list[Route] = field(default_factory=list)
    calls: Counter[tuple[str, int]] = field(default_factory=Counter)  # (route key, status): how many answers
    interactions: InteractionStore = field(init=False)
    oauth: OAuthServer = field(init=False)

    @property
    def world(self) -> World:
        """The sandbox's world."""
        return self.sandbox.world

    async def dispatch(self, event: str, data: dict[str, Any], *, guild_id: int | None, intents: int) -> int:
        """Send a gateway event to the shard owning ``guild_id``; 0 when no gateway is running."""
        gateway = getattr(self.sandbox, "gateway", None)
        send = getattr(gateway, "dispatch", None)
        if send is None:
            return 0
        sent = send(event, data, guild_id=guild_id, intents=intents)
        if inspect.isawaitable(sent):
            sent = await sent
        return int(sent or 0)

    async def dispatch_message(self, message: Message, event: str = "MESSAGE_CREATE") -> int:
        """MESSAGE_CREATE or MESSAGE_UPDATE for a stored message, built as the gateway builds it."""
        gateway = getattr(self.sandbox, "gateway", None)
        send = getattr(gateway, "dispatch_message", None)
        if send is not None:
            return int(await send(message, event=event) or 0)
        from tatiana.testing.sandbox import serialize

        intents = GUILD_MESSAGES if message.guild_id is not None else DIRECT_MESSAGES
        return await self.dispatch(
            event, serialize.message_event(self.world, message), guild_id=message.guild_id, intents=intents
        )


STATE_KEY = web.AppKey("tatiana_sandbox_rest", RestState)


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """A JSON answer as Discord sends it (``application/json``)."""
    return web.Response(
        status=status, body=json.dumps(data).encode(), content_type="application/json", headers=headers
    )


def no_content() -> web.Response:
    """204 No Content."""
    return web.Response(status=204)


def error_response(error: errors.DiscordError, headers: dict[str, str] | None = None) -> web.Response:
    """Discord's JSON error."""
    return json_response(error.body(), error.status, headers)


class Context:
    """One request: its state, parameters, body, credential, and lookups that fail as Discord fails."""

    def __init__(self, request: web.Request, route: Route, state: RestState) -> None:
        self.request = request
        self.route = route
        self.state = state
        self.world = state.world
        self.bearer: OAuthToken | None = None
        self._payload: tuple[dict[str, Any], dict[int, Upload]] | None = None

    # --- request data ------------------------------------------------------------------------------------------
    def param(self, name: str) -> str:
        """A path parameter, URL-decoded."""
        return self.request.match_info[name]

    def id(self, name: str) -> int:
        """A snowflake path parameter."""
        return int(self.request.match_info[name])

    @property
    def query(self) -> Any:
        """The query string's parameters."""
        return self.request.query

    def query_int(self, name: str, default: int, low: int, high: int) -> int:
        """An integer query parameter within bounds (50035 otherwise)."""
        raw = self.request.query.get(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise errors.invalid_form_body(name, "NUMBER_TYPE_COERCE", f'Value "{raw}" is not int.') from None
        if not low <= value <= high:
            raise errors.invalid_form_body(
                name,
                "NUMBER_TYPE_MAX" if value > high else "NUMBER_TYPE_MIN",
                f"Must be between {low} and {high}.",
            )
        return value

    def query_snowflake(self, name: str) -> int | None:
        """A snowflake query parameter (None when absent; 50035 when not a snowflake)."""
        raw = self.request.query.get(name)
        if not raw:
            return None
        if not raw.isdigit():
            raise errors.invalid_form_body(name, "NUMBER_TYPE_COERCE", f'Value "{raw}" is not snowflake.')
        return int(raw)

    def query_bool(self, name: str) -> bool:
        """A boolean query parameter (``true``/``1``)."""
        return self.request.query.get(name, "").lower() in ("true", "1", "yes")

    @property
    def reason(self) -> str | None:
        """The X-Audit-Log-Reason header, URL-decoded."""
        raw = self.request.headers.get("X-Audit-Log-Reason")
        return urllib.parse.unquote(raw) if raw else None

    async def payload(self) -> tuple[dict[str, Any], dict[int, Upload]]:
        """The JSON body, or a multipart body's ``payload_json`` and its ``files[n]``."""
        if self._payload is not None:
            return self._payload
        body: dict[str, Any] = {}
        uploads: dict[int, Upload] = {}
        if self.request.content_type.startswith("multipart/"):
            reader = await self.request.multipart()
            while (part := await reader.next()) is not None:
                if not isinstance(part, BodyPartReader):
                    continue
                name = part.name or ""
                data = bytes(await part.read(decode=False))
                if name == "payload_json":
                    body = _json_object(data)
                elif name.startswith("files[") or part.filename:
                    index = int(name[6:-1]) if name.startswith("files[") else len(uploads)
                    content_type = part.headers.get("Content-Type", "application/octet-stream")
                    uploads[index] = Upload(part.filename or name, content_type, data)
                else:
                    body[name] = data.decode()
        elif self.request.can_read_body:
            raw = await self.request.read()
            if raw.strip():
                if self.request.content_type == "application/x-www-form-urlencoded":
                    body = dict(urllib.parse.parse_qsl(raw.decode()))
                else:
                    body = _json_object(raw)
        self._payload = (body, uploads)
        return self._payload

    async def json(self) -> dict[str, Any]:
        """The JSON body (an object)."""
        body, _ = await self.payload()
        return body

    async def json_array(self) -> list[Any]:
        """A JSON body that is an array (bulk overwrites)."""
        raw = await self.request.read()
        try:
            value = json.loads(raw or b"[]")
        except ValueError:
            raise errors.DiscordError(400, 50109, "The request body contains invalid JSON.") from None
        if not isinstance(value, list):
            raise errors.invalid_form_body(
                "", "LIST_TYPE_CONVERT", "Only iterables may be used in a ListType"
            )
        return value

    # --- lookups ------------------------------------------------------------------------------------------------
    def guild(self, guild_id: int | None = None) -> Guild:
        """The guild of the path (``guild_id``): 10004 when unknown, 50001 when the bot is not in it."""
        gid = self.id("guild_id") if guild_id is None else guild_id
        guild = self.world.guilds.get(gid)
        if guild is None:
            raise errors.unknown("Guild")
        if self.world.bot.id not in guild.members:
            raise errors.missing_access()
        return guild

    def channel(self, channel_id: int | None = None) -> Channel:
        """The channel of the path: 10003 when unknown, 50001 when the bot cannot see it."""
        cid = self.id("channel_id") if channel_id is None else channel_id
        channel = self.world.channels.get(cid)
        if channel is None:
            raise errors.unknown("Channel")
        if channel.guild_id is not None:
            guild = self.world.guilds.get(channel.guild_id)
            if guild is None or self.world.bot.id not in guild.members:
                raise errors.missing_access()
        elif self.world.bot.id not in channel.recipients and not channel.recipients:
            raise errors.missing_access()
        if not self.channel_permissions(channel) & Perm.VIEW_CHANNEL:
            raise errors.missing_access()
        return channel

    def message(self, channel: Channel, message_id: int | None = None) -> Message:
        """A message of the channel: 10008 when unknown, deleted, or ephemeral."""
        mid = self.id("message_id") if message_id is None else message_id
        message = self.world.messages.get(channel.id, {}).get(mid)
        if message is None or message.deleted or message.flags & 64:
            raise errors.unknown("Message")
        return message

    def member(self, guild: Guild, user_id: int | None = None) -> Member:
        """A member of the guild: 10007 when not one (10013 when the user does not exist)."""
        uid = self.id("user_id") if user_id is None else user_id
        member = guild.members.get(uid)
        if member is None:
            if uid not in self.world.users:
                raise errors.unknown("User")
            raise errors.unknown("Member")
        return member

    def user(self, user_id: int | None = None) -> User:
        """A user: 10013 when unknown."""
        uid = self.id("user_id") if user_id is None else user_id
        user = self.world.users.get(uid)
        if user is None:
            raise errors.unknown("User")
        return user

    def role(self, guild: Guild, role_id: int | None = None) -> Role:
        """A role of the guild: 10011 when unknown."""
        rid = self.id("role_id") if role_id is None else role_id
        role = guild.roles.get(rid)
        if role is None:
            raise errors.unknown("Role")
        return role

    # --- permissions --------------------------------------------------------------------------------------------
    def guild_permissions(self, guild: Guild) -> int:
        """The bot's guild-level permissions."""
        return self.world.base_permissions(guild, self.world.bot.id)

    def channel_permissions(self, channel: Channel) -> int:
        """The bot's permissions in a channel."""
        return self.world.channel_permissions(channel, self.world.bot.id)

    def require(self, guild: Guild, permission: int) -> None:
        """50013 unless the bot has ``permission`` in the guild (timed out, it has none)."""
        permissions = self.guild_permissions(guild)
        bot = guild.members.get(self.world.bot.id)
        until = bot.communication_disabled_until if bot is not None else None
        if until is not None and until > utcnow() and not permissions & Perm.ADMINISTRATOR:
            permissions &= Perm.VIEW_CHANNEL | Perm.READ_MESSAGE_HISTORY
        if permissions & permission != permission:
            raise errors.missing_permissions()

    def require_in(self, channel: Channel, permission: int) -> None:
        """50013 unless the bot has ``permission`` in the channel."""
        if self.channel_permissions(channel) & permission != permission:
            raise errors.missing_permissions()

    def bot_top(self, guild: Guild) -> int:
        """The position of the bot's highest role."""
        return self.world.top_role_position(guild, self.world.bot.id)

    def require_above(self, guild: Guild, user_id: int) -> None:
        """50013 unless the bot's highest role is above the target's (never for the owner)."""
        if user_id == guild.owner_id:
            raise errors.missing_permissions()
        if user_id != self.world.bot.id and self.world.top_role_position(guild, user_id) >= self.bot_top(
            guild
        ):
            raise errors.missing_permissions()

    def require_role_below(self, guild: Guild, role: Role) -> None:
        """50013 unless the role is below the bot's highest role."""
        if guild.owner_id != self.world.bot.id and role.position >= self.bot_top(guild):
            raise errors.missing_permissions()

    # --- effects ------------------------------------------------------------------------------------------------
    async def dispatch(self, event: str, data: dict[str, Any], *, guild_id: int | None, intents: int) -> int:
        """Send a gateway event as Discord does after this change."""
        return await self.state.dispatch(event, data, guild_id=guild_id, intents=intents)

    def record(self, kind: str, guild_id: int | None, target_id: int | None, **data: Any) -> None:
        """Note the bot's action in ``world.actions``, with this request's audit log reason."""
        self.world.record(kind, guild_id, target_id, reason=self.reason, **data)


def _json_object(raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except ValueError:
        raise errors.DiscordError(400, 50109, "The request body contains invalid JSON.") from None
    if not isinstance(value, dict):
        raise errors.invalid_form_body("", "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
    return value


def get_state(app: web.Application) -> RestState:
    """The REST state installed on an aiohttp application."""
    return app[STATE_KEY]


def log() -> logging.Logger:
    """The REST side's logger."""
    return _LOGGER
