"""The sandbox's web console: a page where a person acts as a member of a guild and talks to the bot.

``install_console(sandbox)`` adds the page at ``/`` and its JSON API under ``/console/api``:

- ``GET  /console/api/world``: guilds (members, text channels, roles), users and the registered commands;
- ``POST /console/api/command`` ``{"line": "/warn member:@luis reason:spam", "guild", "member", "channel"}``;
- ``POST /console/api/press`` ``{"reply_id" | "message_id", "custom_id", "values"}``: a button or a select;
- ``POST /console/api/submit`` ``{"reply_id", "fields": {custom_id: value}}``: a modal the bot opened;
- ``POST /console/api/message`` ``{"content", "guild", "member", "channel"}``: a plain message;
- ``GET  /console/api/channels/{id}/messages``: the channel's latest messages.

``guild``, ``member`` and ``channel`` take an id or a name (default: the first guild, its owner, its first
text channel). Everything goes through ``SandboxUser``, the driver the tests use, so the bot receives the
same gateway events and answers through the same REST routes as in Discord. A refused request is
``{"error": "..."}`` with a 4xx status: 400 bad input, 404 unknown command, guild, member or reply,
424 the bot did not answer.
"""

from __future__ import annotations

import logging
import re
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web

from tatiana.testing.sandbox import serialize
from tatiana.testing.sandbox.interactions import (
    BOOLEAN,
    CHANNEL,
    CHAT_INPUT,
    INTEGER,
    MENTIONABLE,
    NUMBER,
    ROLE,
    STRING,
    SUB_COMMAND,
    SUB_COMMAND_GROUP,
    USER,
    InteractionError,
    NoResponse,
    Reply,
    SandboxUser,
    UnknownCommand,
)
from tatiana.testing.sandbox.world import (
    ApplicationCommand,
    Channel,
    Guild,
    Member,
    Message,
    Role,
    User,
    World,
    iso,
)

if TYPE_CHECKING:
    from tatiana.testing.sandbox.server import Sandbox

log = logging.getLogger(__name__)

JSON = dict[str, Any]
API = "/console/api"
KEPT_REPLIES = 200
ANSWER_TIMEOUT = 15.0
FEED_LIMIT = 50
TEXT_CHANNEL_TYPES = (0, 5, 10, 11, 12)
SELECT_TYPES = (3, 5, 6, 7, 8)
TRUE_WORDS = {"true", "yes", "y", "on", "1", "si", "sí", "verdadero"}
FALSE_WORDS = {"false", "no", "n", "off", "0", "falso"}
KIND_NAMES = {
    4: "message",
    5: "deferred message",
    6: "deferred update",
    7: "update",
    8: "autocomplete",
    9: "modal",
}
OPTION_TYPE_NAMES = {
    STRING: "text",
    INTEGER: "integer",
    BOOLEAN: "true|false",
    USER: "@member",
    CHANNEL: "#channel",
    ROLE: "@role",
    MENTIONABLE: "@member or @role",
    NUMBER: "number",
    11: "attachment",
}


class ConsoleError(Exception):
    """A request the console refuses, with the HTTP status to answer and a message for the person."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


CONSOLE_KEY: web.AppKey[Console] = web.AppKey("tatiana_console")


def install_console(sandbox: Sandbox) -> None:
    """Serve the console page at ``/`` and its API under ``/console/api``; call before ``sandbox.start()``."""
    if sandbox.app.frozen:
        raise RuntimeError("install_console must be called before the sandbox starts")
    console = Console(sandbox)
    sandbox.app[CONSOLE_KEY] = console
    router = sandbox.app.router
    router.add_get("/", console.page)
    router.add_get(f"{API}/world", _api(console.world_json))
    router.add_post(f"{API}/command", _api(console.command))
    router.add_post(f"{API}/press", _api(console.press))
    router.add_post(f"{API}/submit", _api(console.submit))
    router.add_post(f"{API}/message", _api(console.message))
    router.add_get(API + r"/channels/{channel_id:\d+}/messages", _api(console.channel_messages))


def _api(
    handler: Callable[[web.Request], Awaitable[JSON]],
) -> Callable[[web.Request], Awaitable[web.Response]]:
    """A JSON route: the handler's dict, or ``{"error": ...}`` with the status its failure calls for."""

    async def handle(request: web.Request) -> web.Response:
        try:
            return web.json_response(await handler(request))
        except ConsoleError as exc:
            return _error(str(exc), exc.status)
        except UnknownCommand as exc:
            return _error(str(exc), 404)
        except NoResponse as exc:
            return _error(str(exc), 424)
        except InteractionError as exc:
            return _error(str(exc), 400)
        except Exception as exc:
            log.exception("console request %s %s failed", request.method, request.path)
            return _error(f"the console failed: {type(exc).__name__}: {exc}", 500)

    return handle


def _error(message: str, status: int) -> web.Response:
    return web.json_response({"error": message}, status=status)


class Console:
    """The console's state (the recent replies, so their buttons and modals still work) and its routes."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.world: World = sandbox.world
        self.replies: OrderedDict[str, Reply] = OrderedDict()

    # --- routes --------------------------------------------------------------------------------------------------
    async def page(self, request: web.Request) -> web.Response:
        """The console's HTML page."""
        return web.Response(text=PAGE, content_type="text/html", charset="utf-8")

    async def world_json(self, request: web.Request) -> JSON:
        """Guilds, users and the commands the bot registered."""
        world = self.world
        return {
            "bot": {"id": str(world.bot.id), "username": world.bot.username},
            "guilds": [self._guild_view(g) for g in world.guilds.values()],
            "users": {str(u.id): _display_name(u) for u in world.users.values()},
            "commands": [
                command_view(c)
                for c in sorted(world.commands.values(), key=lambda c: c.name)
                if c.type == CHAT_INPUT
            ],
        }

    async def command(self, request: web.Request) -> JSON:
        """Run a slash command line as the chosen member; the bot's answer."""
        body = await _body(request)
        user = self._user(body)
        line = parse_command_line(_text(body, "line"), user)
        reply = await user.slash(line.name, options=line.options, timeout=ANSWER_TIMEOUT)
        return self._keep(reply, f"/{line.name}")

    async def press(self, request: web.Request) -> JSON:
        """Press a button or choose in a select menu, on a kept reply (as its user) or on any message."""
        body = await _body(request)
        custom_id = _text(body, "custom_id")
        raw_values = body.get("values")
        if raw_values is not None and not (
            isinstance(raw_values, list) and all(isinstance(v, str) for v in raw_values)
        ):
            raise ConsoleError("values must be a list of strings")
        if body.get("reply_id") is not None:
            reply = self._reply(body)
            user = reply.user
            if reply.message is None:
                raise ConsoleError("that reply has no message to press a component on")
            message = reply.message
        else:
            user = self._user(body)
            message = self._message(body)
        values = None
        if raw_values is not None:
            values = select_values(user, _component(message, custom_id), raw_values)
        answer = await user.press(message, custom_id, values=values, timeout=ANSWER_TIMEOUT)
        return self._keep(answer, f"pressed {custom_id}")

    async def submit(self, request: web.Request) -> JSON:
        """Fill in and submit a modal the bot opened in a kept reply."""
        body = await _body(request)
        reply = self._reply(body)
        fields = body.get("fields") or {}
        if not isinstance(fields, dict) or not all(isinstance(v, str) for v in fields.values()):
            raise ConsoleError("fields must be an object of text values")
        answer = await reply.user.submit(reply, **fields)
        return self._keep(answer, f"submitted {(reply.modal or {}).get('title') or 'the modal'}")

    async def message(self, request: web.Request) -> JSON:
        """Post a plain message as the chosen member; ``@name`` of a member becomes a mention."""
        body = await _body(request)
        user = self._user(body)
        content = _text(body, "content")
        if user.guild is not None:
            content = _mention_members(user.guild, self.world, content)
        try:
            sent = await user.send(content)
        except (KeyError, ValueError) as exc:
            raise ConsoleError(str(exc).strip("'\"")) from None
        return {"message": message_view(self.world, sent)}

    async def channel_messages(self, request: web.Request) -> JSON:
        """The channel's latest messages, oldest first."""
        channel = self.world.channels.get(int(request.match_info["channel_id"]))
        if channel is None:
            raise ConsoleError("no such channel", 404)
        try:
            limit = max(1, min(int(request.query.get("limit", FEED_LIMIT)), 200))
        except ValueError:
            raise ConsoleError("limit must be a number") from None
        stored = [m for m in self.world.messages.get(channel.id, {}).values() if not m.deleted]
        return {
            "channel": {"id": str(channel.id), "name": channel.name},
            "messages": [message_view(self.world, m) for m in stored[-limit:]],
        }

    # --- helpers -------------------------------------------------------------------------------------------------
    def _keep(self, reply: Reply, action: str) -> JSON:
        key = str(reply.interaction.id)
        self.replies[key] = reply
        while len(self.replies) > KEPT_REPLIES:
            self.replies.popitem(last=False)
        return reply_view(self.world, key, reply, action)

    def _reply(self, body: JSON) -> Reply:
        key = str(body.get("reply_id"))
        reply = self.replies.get(key)
        if reply is None:
            raise ConsoleError(f"no reply {key} (the console keeps the latest {KEPT_REPLIES})", 404)
        return reply

    def _user(self, body: JSON) -> SandboxUser:
        guild = self._guild(body.get("guild"))
        member = (
            find_member(guild, self.world, str(body["member"]))
            if body.get("member")
            else guild.members[guild.owner_id]
        )
        if member.user_id == self.world.bot.id:
            raise ConsoleError("pick a member other than the bot")
        channel = find_channel(guild, str(body["channel"])) if body.get("channel") else None
        return SandboxUser(self.sandbox, guild, member, channel=channel, timeout=ANSWER_TIMEOUT)

    def _guild(self, given: Any) -> Guild:
        guilds = list(self.world.guilds.values())
        if not guilds:
            raise ConsoleError("the sandbox has no guild", 404)
        if not given:
            return guilds[0]
        text = str(given).strip()
        found = [g for g in guilds if str(g.id) == text or g.name.casefold() == text.casefold()]
        if not found:
            names = ", ".join(g.name for g in guilds)
            raise ConsoleError(f"no guild {text!r}; guilds: {names}", 404)
        return found[0]

    def _message(self, body: JSON) -> Message:
        text = str(body.get("message_id") or "")
        if not text.isdigit():
            raise ConsoleError("give reply_id or message_id")
        message_id = int(text)
        found = next((ms[message_id] for ms in self.world.messages.values() if message_id in ms), None)
        if found is None or found.deleted:
            raise ConsoleError(f"no message {message_id}", 404)
        return found

    def _guild_view(self, guild: Guild) -> JSON:
        world = self.world
        members = sorted(guild.members.values(), key=lambda m: world.users[m.user_id].username)
        channels = sorted(
            (c for c in guild.channels.values() if c.type in TEXT_CHANNEL_TYPES), key=lambda c: c.position
        )
        roles = sorted(
            (r for r in guild.roles.values() if r.id != guild.id), key=lambda r: r.position, reverse=True
        )
        return {
            "id": str(guild.id),
            "name": guild.name,
            "owner_id": str(guild.owner_id),
            "members": [
                {
                    "id": str(m.user_id),
                    "username": world.users[m.user_id].username,
                    "name": m.nick or _display_name(world.users[m.user_id]),
                    "bot": world.users[m.user_id].bot,
                    "owner": m.user_id == guild.owner_id,
                    "roles": [guild.roles[r].name for r in m.roles if r in guild.roles],
                }
                for m in members
            ],
            "channels": [{"id": str(c.id), "name": c.name} for c in channels],
            "roles": [{"id": str(r.id), "name": r.name} for r in roles],
        }


# --- the command line -------------------------------------------------------------------------------------------


@dataclass
class CommandLine:
    """A parsed ``/name sub option:value ...`` line: the registered command, its subcommand path, its options."""

    command: ApplicationCommand
    path: list[str]
    options: dict[str, Any]

    @property
    def name(self) -> str:
        """What ``SandboxUser.slash`` takes: the command's name and its subcommands."""
        return " ".join([self.command.name, *self.path])


_TOKEN = re.compile(r"\S+")
_OPTION = re.compile(r"([^\s:]+):")


def parse_command_line(line: str, user: SandboxUser) -> CommandLine:
    """Parse ``/warn member:@luis reason:too much spam`` against the commands ``user`` can see.

    Names may be the registered ones or any localization (``/saldo`` is ``/balance``). A value runs until
    the next ``option:``, so it may contain spaces; surrounding double quotes are dropped.
    """
    tokens = list(_TOKEN.finditer(line))
    if not tokens or tokens[0].group().lstrip("/") == "":
        raise ConsoleError("type a command, e.g. /balance")
    command = _find_command(user, tokens[0].group().lstrip("/"))
    definitions = command.options
    path: list[str] = []
    rest = tokens[1:]
    while any(o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP) for o in definitions):
        subs = [o for o in definitions if o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP)]
        shown = " ".join([command.name, *path])
        if not rest:
            raise ConsoleError(f"/{shown} needs a subcommand: {', '.join(o['name'] for o in subs)}")
        sub = _by_name(subs, rest[0].group())
        if sub is None:
            raise ConsoleError(
                f"/{shown} has no subcommand {rest[0].group()!r}; it has {', '.join(o['name'] for o in subs)}"
            )
        path.append(sub["name"])
        definitions = sub.get("options") or []
        rest = rest[1:]
    shown = " ".join([command.name, *path])
    spans: dict[str, tuple[JSON, int, int]] = {}
    current: str | None = None
    for token in rest:
        match = _OPTION.match(token.group())
        definition = _by_name(definitions, match.group(1)) if match else None
        if match is not None and definition is not None:
            current = definition["name"]
            if current in spans:
                raise ConsoleError(f"option {current!r} is given twice")
            spans[current] = (definition, token.start() + match.end(), token.end())
        elif current is not None:
            definition, start, _ = spans[current]
            spans[current] = (definition, start, token.end())
        else:
            names = ", ".join(o["name"] for o in definitions) or "no options"
            raise ConsoleError(f"expected option:value, got {token.group()!r}; /{shown} takes {names}")
    options = {
        name: convert_option(definition, _unquote(line[start:end].strip()), user)
        for name, (definition, start, end) in spans.items()
    }
    return CommandLine(command, path, options)


def _find_command(user: SandboxUser, typed: str) -> ApplicationCommand:
    wanted = typed.casefold()
    names = {
        c.name: {c.name.casefold(), *(n.casefold() for n in (c.name_localizations or {}).values())}
        for c in user.world.commands.values()
        if c.type == CHAT_INPUT
    }
    canonical = next((name for name, known in names.items() if wanted in known), typed)
    return user.command(canonical)


def _by_name(definitions: list[JSON], typed: str) -> JSON | None:
    wanted = typed.casefold()
    for definition in definitions:
        localized = (definition.get("name_localizations") or {}).values()
        if wanted in {definition["name"].casefold(), *(n.casefold() for n in localized)}:
            return definition
    return None


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


def convert_option(definition: JSON, raw: str, user: SandboxUser) -> Any:
    """The typed text of one option as ``SandboxUser.slash`` takes it (a Member for a user option...)."""
    kind, name = definition["type"], definition["name"]
    for choice in definition.get("choices") or []:
        if raw.casefold() == str(choice["name"]).casefold():
            return choice["value"]
    guild = user.guild
    if kind in (USER, ROLE, CHANNEL, MENTIONABLE) and guild is None:
        raise ConsoleError(f"{name!r} needs a guild")
    if kind == USER and guild is not None:
        return find_member(guild, user.world, raw)
    if kind == ROLE and guild is not None:
        return find_role(guild, raw)
    if kind == CHANNEL and guild is not None:
        return find_channel(guild, raw)
    if kind == MENTIONABLE and guild is not None:
        try:
            return find_member(guild, user.world, raw)
        except ConsoleError:
            return find_role(guild, raw)
    if kind == INTEGER:
        try:
            return int(raw)
        except ValueError:
            raise ConsoleError(f"{name!r} takes an integer, not {raw!r}") from None
    if kind == NUMBER:
        try:
            return float(raw.replace(",", "."))
        except ValueError:
            raise ConsoleError(f"{name!r} takes a number, not {raw!r}") from None
    if kind == BOOLEAN:
        if raw.casefold() in TRUE_WORDS:
            return True
        if raw.casefold() in FALSE_WORDS:
            return False
        raise ConsoleError(f"{name!r} takes true or false, not {raw!r}")
    if kind == STRING:
        return raw
    raise ConsoleError(
        f"{name!r} takes {OPTION_TYPE_NAMES.get(kind, 'a value')}, which the console cannot give"
    )


def find_member(guild: Guild, world: World, text: str) -> Member:
    """The guild's member named by ``@username``, display name, nickname, ``<@id>`` or id."""
    key = text.strip()
    mention = re.fullmatch(r"<@!?(\d+)>", key)
    key = mention.group(1) if mention else key.removeprefix("@")
    if key.isdigit() and int(key) in guild.members:
        return guild.members[int(key)]
    wanted = key.casefold()
    for member in guild.members.values():
        user = world.users[member.user_id]
        if wanted in {n.casefold() for n in (user.username, user.global_name, member.nick) if n}:
            return member
    names = ", ".join(sorted((f"@{world.users[m].username}" for m in guild.members), key=str.casefold))
    raise ConsoleError(f"no member {text!r} in {guild.name}; members: {names}")


def find_role(guild: Guild, text: str) -> Role:
    """The guild's role named by ``@name``, ``<@&id>`` or id."""
    key = text.strip()
    mention = re.fullmatch(r"<@&(\d+)>", key)
    key = mention.group(1) if mention else key.removeprefix("@")
    if key.isdigit() and int(key) in guild.roles:
        return guild.roles[int(key)]
    found = next((r for r in guild.roles.values() if r.name.casefold() == key.casefold()), None)
    if found is None:
        names = ", ".join(f"@{r.name}" for r in guild.roles.values() if r.id != guild.id)
        raise ConsoleError(f"no role {text!r} in {guild.name}; roles: {names}")
    return found


def find_channel(guild: Guild, text: str) -> Channel:
    """The guild's channel named by ``#name``, ``<#id>`` or id."""
    key = text.strip()
    mention = re.fullmatch(r"<#(\d+)>", key)
    key = mention.group(1) if mention else key.removeprefix("#")
    if key.isdigit() and int(key) in guild.channels:
        return guild.channels[int(key)]
    found = next((c for c in guild.channels.values() if (c.name or "").casefold() == key.casefold()), None)
    if found is None:
        names = ", ".join(f"#{c.name}" for c in guild.channels.values() if c.type in TEXT_CHANNEL_TYPES)
        raise ConsoleError(f"no channel {text!r} in {guild.name}; channels: {names}")
    return found


def select_values(user: SandboxUser, component: JSON, values: list[str]) -> list[Any]:
    """The typed values of a select menu as ``SandboxUser.press`` takes them (Members for a user select...)."""
    kind, guild = component["type"], user.guild
    if kind == 3:
        return list(values)
    if guild is None:
        raise ConsoleError("this select menu needs a guild")
    if kind == 5:
        return [find_member(guild, user.world, v) for v in values]
    if kind == 6:
        return [find_role(guild, v) for v in values]
    if kind == 8:
        return [find_channel(guild, v) for v in values]
    chosen: list[Any] = []
    for value in values:
        try:
            chosen.append(find_member(guild, user.world, value))
        except ConsoleError:
            chosen.append(find_role(guild, value))
    return chosen


def _component(message: Message, custom_id: str) -> JSON:
    for component in serialize.walk_components(message.components):
        if component.get("custom_id") == custom_id:
            if component.get("type") not in SELECT_TYPES:
                raise ConsoleError(f"{custom_id!r} is a button: it takes no values")
            return component
    raise ConsoleError(f"no component {custom_id!r} on the message")


def _mention_members(guild: Guild, world: World, content: str) -> str:
    by_name = {world.users[m].username.casefold(): m for m in guild.members}

    def mention(match: re.Match[str]) -> str:
        user_id = by_name.get(match.group(1).casefold())
        return f"<@{user_id}>" if user_id is not None else match.group(0)

    return re.sub(r"(?<![<\w])@([\w.]+)", mention, content)


def _text(body: JSON, key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ConsoleError(f"{key!r} must be a non-empty string")
    return value


async def _body(request: web.Request) -> JSON:
    try:
        body = await request.json()
    except ValueError:
        raise ConsoleError("the request body must be JSON") from None
    if not isinstance(body, dict):
        raise ConsoleError("the request body must be a JSON object")
    return body


def _display_name(user: User) -> str:
    return user.global_name or user.username


# --- views --------------------------------------------------------------------------------------------------------


def command_view(command: ApplicationCommand) -> JSON:
    """A registered command for the page: its names and one usage line per runnable (sub)command."""
    localized = sorted({n for n in (command.name_localizations or {}).values() if n != command.name})
    return {
        "id": str(command.id),
        "name": command.name,
        "guild_id": str(command.guild_id) if command.guild_id is not None else None,
        "description": command.description,
        "localized_names": localized,
        "default_member_permissions": command.default_member_permissions,
        "usages": [
            {"line": line, "description": description}
            for line, description in _usages(f"/{command.name}", command.description, command.options)
        ],
    }


def _usages(prefix: str, description: str, options: list[JSON]) -> Iterator[tuple[str, str]]:
    subs = [o for o in options if o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP)]
    if subs:
        for sub in subs:
            yield from _usages(
                f"{prefix} {sub['name']}", sub.get("description", ""), sub.get("options") or []
            )
        return
    parts = [prefix]
    for option in options:
        choices = option.get("choices")
        shown = (
            "|".join(str(c["value"]) for c in choices) if choices else OPTION_TYPE_NAMES.get(option["type"])
        )
        part = f"{option['name']}:<{shown}>"
        parts.append(part if option.get("required") else f"[{part}]")
    yield " ".join(parts), description


def message_view(world: World, message: Message) -> JSON:
    """A message for the page: author, text, embeds, components, whether it is ephemeral."""
    author = world.users.get(message.author_id)
    return {
        "id": str(message.id),
        "channel_id": str(message.channel_id),
        "author_id": str(message.author_id),
        "author": _display_name(author) if author else str(message.author_id),
        "bot": bool(author and author.bot),
        "content": message.content,
        "embeds": message.embeds,
        "components": message.components,
        "ephemeral": bool(message.flags & 64),
        "timestamp": iso(message.timestamp),
        "edited": message.edited_timestamp is not None,
    }


def reply_view(world: World, key: str, reply: Reply, action: str) -> JSON:
    """The bot's answer for the page; ``id`` is what a later press or submit names."""
    user = reply.user
    channel = world.channels.get(reply.interaction.channel_id)
    modal = None
    if reply.modal is not None:
        modal = {
            "custom_id": reply.modal.get("custom_id"),
            "title": reply.modal.get("title"),
            "fields": _modal_fields(reply.modal.get("components") or []),
        }
    return {
        "id": key,
        "action": action,
        "as": {
            "user": user.user.username,
            "guild": user.guild.name if user.guild else None,
            "channel": channel.name if channel else None,
        },
        "channel_id": str(reply.interaction.channel_id),
        "kind": reply.kind,
        "kind_name": KIND_NAMES.get(reply.kind, str(reply.kind)),
        "deferred": reply.deferred,
        "ephemeral": reply.ephemeral,
        "message_id": str(reply.message_id) if reply.message_id is not None else None,
        "content": reply.content,
        "embeds": reply.embeds,
        "components": reply.components if modal is None else [],
        "modal": modal,
        "choices": reply.choices,
        "followups": [message_view(world, m) for m in reply.followups],
        "text": reply.text,
    }


def _modal_fields(components: list[JSON]) -> list[JSON]:
    fields = []
    for row in components:
        label = row.get("label") if row.get("type") == 18 else None
        for item in serialize.walk_components([row]):
            if item.get("type") != 4:
                continue
            fields.append(
                {
                    "custom_id": item["custom_id"],
                    "label": item.get("label") or label or item["custom_id"],
                    "paragraph": item.get("style") == 2,
                    "required": item.get("required", True),
                    "value": item.get("value") or "",
                    "placeholder": item.get("placeholder") or "",
                    "min_length": item.get("min_length"),
                    "max_length": item.get("max_length"),
                }
            )
    return fields


PAGE = r"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tatiana sandbox console</title>
<style>
  :root { --bg:#313338; --panel:#2b2d31; --deep:#1e1f22; --text:#dbdee1; --muted:#949ba4; --accent:#5865f2;
          --ok:#248046; --bad:#da373c; --grey:#4e5058; }
  * { box-sizing: border-box; }
  body { margin:0; font:14px/1.4 system-ui, sans-serif; background:var(--bg); color:var(--text); }
  header { padding:8px 16px; background:var(--deep); display:flex; gap:12px; align-items:center; flex-wrap:wrap; }
  header h1 { font-size:16px; margin:0 12px 0 0; }
  label { color:var(--muted); font-size:12px; }
  select, input, textarea, button { font:inherit; color:var(--text); background:var(--deep);
          border:1px solid var(--grey); border-radius:4px; padding:5px 8px; }
  button { cursor:pointer; background:var(--accent); border-color:var(--accent); color:#fff; }
  button:disabled { opacity:.5; cursor:default; }
  button.secondary { background:var(--grey); border-color:var(--grey); }
  button.success { background:var(--ok); border-color:var(--ok); }
  button.danger { background:var(--bad); border-color:var(--bad); }
  main { display:grid; grid-template-columns: 260px 1fr 360px; gap:12px; padding:12px; height:calc(100vh - 52px); }
  section { background:var(--panel); border-radius:6px; padding:10px; overflow:auto; }
  h2 { font-size:13px; text-transform:uppercase; color:var(--muted); margin:0 0 8px; }
  .cmd { padding:6px; border-radius:4px; cursor:pointer; }
  .cmd:hover { background:var(--grey); }
  .cmd code { color:#fff; }
  .cmd small { display:block; color:var(--muted); }
  form.line { display:flex; gap:6px; margin-bottom:10px; }
  form.line input { flex:1; }
  .card { background:var(--bg); border-radius:6px; padding:8px 10px; margin-bottom:10px; }
  .card .meta { color:var(--muted); font-size:12px; margin-bottom:4px; }
  .card.error { border-left:4px solid var(--bad); }
  .tag { font-size:11px; padding:1px 5px; border-radius:3px; background:var(--grey); margin-left:4px; }
  .content { white-space:pre-wrap; word-wrap:break-word; }
  .mention { background:rgba(88,101,242,.3); color:#c9cdfb; border-radius:3px; padding:0 2px; }
  .embed { border-left:4px solid var(--grey); background:var(--panel); border-radius:4px; padding:6px 10px;
           margin-top:6px; }
  .embed .title { font-weight:600; }
  .embed .field { margin-top:4px; } .embed .field b { display:block; font-size:12px; }
  .embed .footer { color:var(--muted); font-size:12px; margin-top:4px; }
  .row { display:flex; gap:6px; flex-wrap:wrap; margin-top:6px; align-items:center; }
  .modal { border:1px solid var(--grey); border-radius:6px; padding:8px; margin-top:6px; }
  .modal .f { display:flex; flex-direction:column; margin-bottom:6px; }
  .msg { margin-bottom:8px; } .msg .who { font-weight:600; } .msg .who.bot { color:#a3aaff; }
  .hint { color:var(--muted); font-size:12px; }
</style>
</head>
<body>
<header>
  <h1>Tatiana sandbox</h1>
  <label>guild <select id="guild"></select></label>
  <label>acting as <select id="member"></select></label>
  <label>in <select id="channel"></select></label>
  <button class="secondary" id="reload" title="reload guilds and commands">↻</button>
  <span class="hint" id="status"></span>
</header>
<main>
  <section>
    <h2>Commands</h2>
    <div id="commands" class="hint">loading…</div>
  </section>
  <section>
    <form class="line" id="command-form">
      <input id="line" autocomplete="off" placeholder="/balance   or   /warn member:@luis reason:spam" autofocus>
      <button>Run</button>
    </form>
    <div id="replies"></div>
  </section>
  <section>
    <h2 id="feed-title">Channel</h2>
    <form class="line" id="message-form">
      <input id="content" autocomplete="off" placeholder="Write a message (@name mentions)">
      <button>Send</button>
    </form>
    <div id="feed"></div>
  </section>
</main>
<script>
"use strict";
let world = null;
const lineHistory = [];
let historyAt = 0;
const $ = (id) => document.getElementById(id);

async function api(method, path, body) {
  const response = await fetch("/console/api/" + path, {
    method, headers: body ? {"Content-Type": "application/json"} : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  let data;
  try { data = await response.json(); } catch { data = {error: `HTTP ${response.status}`}; }
  if (!response.ok) throw new Error(data.error || `HTTP ${response.status}`);
  return data;
}

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) node.setAttribute(k, v === true ? "" : v);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function guild() { return world.guilds.find((g) => g.id === $("guild").value); }

function names() {
  const g = guild(), found = {};
  for (const [id, name] of Object.entries(world.users)) found["@" + id] = "@" + name;
  for (const r of g ? g.roles : []) found["@&" + r.id] = "@" + r.name;
  for (const c of g ? g.channels : []) found["#" + c.id] = "#" + c.name;
  return found;
}

function rich(text) {
  const known = names(), out = el("span", {class: "content"});
  let last = 0;
  for (const m of (text || "").matchAll(/<(@!?|@&|#)(\d+)>/g)) {
    out.append(text.slice(last, m.index));
    const key = (m[1] === "@!" ? "@" : m[1]) + m[2];
    out.append(el("span", {class: "mention"}, known[key] || m[0]));
    last = m.index + m[0].length;
  }
  out.append((text || "").slice(last));
  return out;
}

function embed(e) {
  const color = e.color ? "#" + e.color.toString(16).padStart(6, "0") : null;
  return el("div", {class: "embed", style: color ? `border-left-color:${color}` : null},
    e.author && e.author.name ? el("div", {class: "hint"}, e.author.name) : null,
    e.title ? el("div", {class: "title"}, e.url ? el("a", {href: e.url, target: "_blank"}, e.title) : e.title) : null,
    e.description ? rich(e.description) : null,
    (e.fields || []).map((f) => el("div", {class: "field"}, el("b", {}, f.name), rich(f.value))),
    e.image && e.image.url ? el("div", {class: "hint"}, "image: " + e.image.url) : null,
    e.footer && e.footer.text ? el("div", {class: "footer"}, e.footer.text) : null);
}

function components(list, target) {
  const out = [];
  for (const c of list || []) {
    if (c.type === 1) out.push(el("div", {class: "row"}, components(c.components, target)));
    else if (c.type === 2) {
      const style = {1: "", 2: "secondary", 3: "success", 4: "danger"}[c.style] || "secondary";
      const label = [(c.emoji && c.emoji.name) || "", c.label || ""].join(" ").trim() || c.custom_id;
      if (c.style === 5) out.push(el("a", {href: c.url, target: "_blank"}, label));
      else out.push(el("button", {class: style, disabled: !!c.disabled,
        onclick: () => press(target, c.custom_id)}, label));
    } else if (c.type === 3) {
      const select = el("select", {multiple: (c.max_values || 1) > 1},
        (c.options || []).map((o) => el("option", {value: o.value}, o.label)));
      out.push(el("div", {class: "row"}, select, el("button", {class: "secondary", disabled: !!c.disabled,
        onclick: () => press(target, c.custom_id, [...select.selectedOptions].map((o) => o.value))}, "Choose")));
    } else if ([5, 6, 7, 8].includes(c.type)) {
      const input = el("input", {placeholder: c.placeholder || "@name, @name or #channel"});
      out.push(el("div", {class: "row"}, input, el("button", {class: "secondary", disabled: !!c.disabled,
        onclick: () => press(target, c.custom_id, input.value.split(",").map((v) => v.trim()).filter(Boolean))},
        "Choose")));
    } else if (c.type === 10) out.push(rich(c.content));
    else if (c.type === 9) out.push(el("div", {}, components(c.components, target),
      c.accessory ? components([c.accessory], target) : null));
    else if (c.type === 17) out.push(el("div", {class: "embed"}, components(c.components, target)));
  }
  return out;
}

function modal(reply) {
  const inputs = {};
  const form = el("form", {class: "modal"}, el("div", {class: "title"}, reply.modal.title || "Modal"),
    reply.modal.fields.map((f) => {
      const attrs = {placeholder: f.placeholder, required: f.required, minlength: f.min_length,
        maxlength: f.max_length};
      inputs[f.custom_id] = f.paragraph ? el("textarea", attrs, f.value) : el("input", {...attrs, value: f.value});
      return el("label", {class: "f"}, f.label + (f.required ? " *" : ""), inputs[f.custom_id]);
    }),
    el("button", {}, "Submit"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const fields = {};
    for (const [k, input] of Object.entries(inputs)) fields[k] = input.value;
    show(api("POST", "submit", {reply_id: reply.id, fields}), "submitted " + (reply.modal.title || "modal"));
  });
  return form;
}

function replyCard(reply) {
  const target = {reply_id: reply.id};
  const empty = !reply.content && !reply.embeds.length && !reply.components.length && !reply.modal;
  return el("div", {class: "card"},
    el("div", {class: "meta"}, `${reply.action} · as @${reply.as.user} in #${reply.as.channel} → ${reply.kind_name}`,
      reply.ephemeral ? el("span", {class: "tag"}, "only you can see this") : null,
      reply.deferred ? el("span", {class: "tag"}, "deferred") : null),
    reply.content ? rich(reply.content) : null,
    reply.embeds.map(embed),
    components(reply.components, target),
    reply.modal ? modal(reply) : null,
    reply.choices.length ? el("div", {class: "hint"}, "choices: " + reply.choices.map((c) => c.name).join(", ")) : null,
    reply.followups.map((m) => el("div", {class: "embed"}, el("div", {class: "hint"}, "followup"), rich(m.content),
      m.embeds.map(embed), components(m.components, {message_id: m.id}))),
    empty ? el("div", {class: "hint"}, "(acknowledged without a message)") : null);
}

async function show(promise, what) {
  $("status").textContent = what + "…";
  try {
    $("replies").prepend(replyCard(await promise));
  } catch (error) {
    $("replies").prepend(el("div", {class: "card error"}, el("div", {class: "meta"}, what), error.message));
  }
  $("status").textContent = "";
  refreshFeed();
}

function actor() { return {guild: $("guild").value, member: $("member").value, channel: $("channel").value}; }

function press(target, custom_id, values) {
  const body = {...target, custom_id, values};
  if (target.message_id) Object.assign(body, actor());
  show(api("POST", "press", body), "pressed " + custom_id);
}

function fill(select, items, keep) {
  const previous = select.value;
  select.replaceChildren(...items.map(([value, label]) => el("option", {value}, label)));
  if (keep && items.some(([value]) => value === previous)) select.value = previous;
}

function renderGuild() {
  const g = guild();
  fill($("member"), g.members.filter((m) => !m.bot).map((m) =>
    [m.id, `@${m.username}${m.owner ? " (owner)" : ""}${m.roles.length ? " · " + m.roles.join(", ") : ""}`]), true);
  fill($("channel"), g.channels.map((c) => [c.id, "#" + c.name]), true);
  const commands = world.commands.filter((c) => c.guild_id === null || c.guild_id === g.id);
  $("commands").replaceChildren(...(commands.length ? commands.flatMap((c) => c.usages.map((u) =>
    el("div", {class: "cmd", title: "click to type it", onclick: () => { $("line").value = u.line.split(" [")[0]
      .replace(/:<[^>]*>/g, ":"); $("line").focus(); }},
      el("code", {}, u.line),
      c.localized_names.length ? el("span", {class: "tag"}, "also /" + c.localized_names.join(", /")) : null,
      el("small", {}, u.description || c.description)))) :
    [el("div", {class: "hint"}, "The bot registered no command yet; press ↻ once it is connected.")]));
  refreshFeed();
}

async function loadWorld() {
  try {
    world = await api("GET", "world");
  } catch (error) {
    $("status").textContent = error.message;
    return;
  }
  fill($("guild"), world.guilds.map((g) => [g.id, g.name]), true);
  renderGuild();
}

let feedBusy = false;
async function refreshFeed() {
  const channel = $("channel").value;
  if (!channel || feedBusy) return;
  feedBusy = true;
  try {
    const data = await api("GET", `channels/${channel}/messages`);
    $("feed-title").textContent = "#" + data.channel.name;
    const feed = $("feed");
    const atBottom = feed.scrollHeight - feed.scrollTop - feed.clientHeight < 40;
    feed.replaceChildren(...data.messages.map((m) => el("div", {class: "msg"},
      el("span", {class: "who" + (m.bot ? " bot" : "")}, m.author),
      m.ephemeral ? el("span", {class: "tag"}, "ephemeral") : null,
      m.edited ? el("span", {class: "tag"}, "edited") : null,
      el("div", {}, rich(m.content)), m.embeds.map(embed), components(m.components, {message_id: m.id}))));
    if (atBottom) feed.scrollTop = feed.scrollHeight;
  } catch (error) {
    $("feed").replaceChildren(el("div", {class: "hint"}, error.message));
  } finally {
    feedBusy = false;
  }
}

$("guild").addEventListener("change", renderGuild);
$("channel").addEventListener("change", refreshFeed);
$("reload").addEventListener("click", loadWorld);
$("command-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const line = $("line").value.trim();
  if (!line) return;
  lineHistory.push(line);
  historyAt = lineHistory.length;
  $("line").value = "";
  show(api("POST", "command", {...actor(), line}), line);
});
$("line").addEventListener("keydown", (event) => {
  if (event.key === "ArrowUp" && historyAt > 0) $("line").value = lineHistory[--historyAt];
  else if (event.key === "ArrowDown" && historyAt < lineHistory.length) $("line").value = lineHistory[++historyAt] || "";
  else return;
  event.preventDefault();
});
$("message-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const content = $("content").value;
  if (!content.trim()) return;
  try {
    await api("POST", "message", {...actor(), content});
    $("content").value = "";
  } catch (error) {
    $("replies").prepend(el("div", {class: "card error"}, el("div", {class: "meta"}, "message"), error.message));
  }
  refreshFeed();
});
setInterval(() => { if (!document.hidden) refreshFeed(); }, 2000);
loadWorld();
</script>
</body>
</html>
"""
