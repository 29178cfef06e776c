"""Interactions in the sandbox: their lifecycle, and a user who runs commands and presses buttons.

``SandboxUser`` (alias ``Driver``) acts as one member of one guild: it sends INTERACTION_CREATE through
the gateway exactly as Discord does, waits for the bot's callback (and the edit after a deferral), and
returns a ``Reply``::

    user = SandboxUser(sandbox, guild, member)
    reply = await user.slash("ban", user=target, reason="spam")
    assert "banned" in reply.content
    confirm = await reply.press("confirm")          # a button on the answer
    assert sandbox.world.actions[-1].kind == "ban"  # what the bot did

The deadlines are Discord's, configurable on ``rest.state(sandbox)``: the first answer within
``interaction_response_timeout`` (3 s) or the callback fails with 10062, a second answer fails with
40060, the token takes edits and followups for ``interaction_token_ttl`` (15 min), then 50027.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tatiana.testing.sandbox import serialize
from tatiana.testing.sandbox.rest import errors
from tatiana.testing.sandbox.rest.base import (
    GUILD_MESSAGE_REACTIONS,
    StoredFile,
)
from tatiana.testing.sandbox.world import (
    THREAD_TYPES,
    Action,
    ApplicationCommand,
    Channel,
    Guild,
    Member,
    Message,
    Perm,
    Role,
    User,
    World,
)

if TYPE_CHECKING:
    from tatiana.testing.sandbox.rest.base import RestState
    from tatiana.testing.sandbox.server import Sandbox

JSON = dict[str, Any]
COMMAND, COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 2, 3, 4, 5
CHAT_INPUT, USER_COMMAND, MESSAGE_COMMAND = 1, 2, 3
MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE, AUTOCOMPLETE_RESULT, MODAL = 4, 5, 6, 7, 8, 9
SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER, ATTACHMENT = 3, 4, 5, 6, 7, 8, 9, 10, 11
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024
MAX_KEPT = 20_000  # interactions kept for followups, the newest


class InteractionError(AssertionError):
    """A test-side problem: an unknown command, an option the user could not give, a bot that never answered."""


class UnknownCommand(InteractionError):
    """The command is not registered (the bot did not sync it) or not visible to this user."""


class NoResponse(InteractionError):
    """The bot did not answer (or did not finish a deferred answer) in time."""


@dataclass
class PendingInteraction:
    """One interaction from creation to its last followup."""

    id: int
    token: str
    type: int
    guild_id: int | None
    channel_id: int
    user_id: int
    created_at: float
    payload: JSON = field(default_factory=dict)
    command_name: str | None = None
    command_type: int | None = None
    source_message_id: int | None = None
    parent: PendingInteraction | None = None
    response_type: int | None = None
    response_data: JSON = field(default_factory=dict)
    responded_at: float | None = None
    original_message_id: int | None = None
    followup_ids: list[int] = field(default_factory=list)
    events: list[str] = field(default_factory=list)
    _condition: asyncio.Condition | None = field(default=None, repr=False)

    @property
    def condition(self) -> asyncio.Condition:
        """Notified on every change (created in the running loop)."""
        if self._condition is None:
            self._condition = asyncio.Condition()
        return self._condition

    def metadata(self) -> JSON:
        """The ``interaction_metadata`` Discord puts on messages answering this interaction."""
        payload: JSON = {
            "id": str(self.id),
            "type": self.type,
            "user": self.payload.get("member", {}).get("user") or self.payload.get("user"),
            "authorizing_integration_owners": self.payload.get("authorizing_integration_owners", {}),
        }
        if self.original_message_id is not None:
            payload["original_response_message_id"] = str(self.original_message_id)
        if self.type == COMPONENT and self.source_message_id is not None:
            payload["interacted_message_id"] = str(self.source_message_id)
        if self.type == COMMAND:
            target = self.payload.get("data", {}).get("target_id")
            if target and self.command_type == USER_COMMAND:
                payload["target_user"] = self.payload["data"]["resolved"]["users"][target]
            elif target and self.command_type == MESSAGE_COMMAND:
                payload["target_message_id"] = target
        if self.type == MODAL_SUBMIT and self.parent is not None:
            payload["triggering_interaction_metadata"] = self.parent.metadata()
        return payload

    async def wait_for(self, predicate: Callable[[], bool], timeout: float) -> bool:
        """Wait until ``predicate()`` holds (True) or ``timeout`` seconds pass (False)."""
        async with self.condition:
            try:
                await asyncio.wait_for(self.condition.wait_for(predicate), timeout)
            except TimeoutError:
                return predicate()
            return True


class InteractionStore:
    """Every interaction of a sandbox, found by id and token, with Discord's deadlines."""

    def __init__(self, rest: RestState) -> None:
        self.rest = rest
        self.by_id: dict[int, PendingInteraction] = {}
        self.by_token: dict[str, PendingInteraction] = {}
        self._notifying: set[asyncio.Task[None]] = set()

    def create(self, kind: int, guild_id: int | None, channel_id: int, user_id: int) -> PendingInteraction:
        """A new interaction with a fresh id and token."""
        world = self.rest.world
        interaction_id = world.snowflake()
        token = f"aW50ZXJhY3Rpb246{interaction_id}:{secrets.token_urlsafe(48)}"
        interaction = PendingInteraction(
            id=interaction_id,
            token=token,
            type=kind,
            guild_id=guild_id,
            channel_id=channel_id,
            user_id=user_id,
            created_at=time.monotonic(),
        )
        self.by_id[interaction_id] = interaction
        self.by_token[token] = interaction
        if len(self.by_id) % 1000 == 0:
            self._forget_old()
        return interaction

    def _forget_old(self) -> None:
        """Drop interactions whose token expired, and the oldest beyond ``MAX_KEPT`` (long benchmarks)."""
        now = time.monotonic()
        ttl = self.rest.interaction_token_ttl
        for interaction in list(self.by_id.values()):
            if now - interaction.created_at > ttl or len(self.by_id) > MAX_KEPT:
                del self.by_id[interaction.id]
                del self.by_token[interaction.token]
            else:
                break

    def for_callback(self, interaction_id: int, token: str) -> PendingInteraction:
        """The interaction a callback answers: 10062 when unknown or too late, 40060 when answered."""
        interaction = self.by_id.get(interaction_id)
        if interaction is None or interaction.token != token:
            raise errors.unknown("interaction")
        if interaction.response_type is not None:
            raise errors.already_acknowledged()
        if time.monotonic() - interaction.created_at > self.rest.interaction_response_timeout:
            raise errors.unknown("interaction")
        return interaction

    def for_webhook(self, application_id: int, token: str) -> PendingInteraction:
        """The interaction behind a webhook token: 10015 when unknown or unanswered, 50027 when expired."""
        interaction = self.by_token.get(token)
        if interaction is None or application_id != self.rest.world.application_id:
            raise errors.unknown("Webhook")
        if time.monotonic() - interaction.created_at > self.rest.interaction_token_ttl:
            raise errors.invalid_webhook_token()
        if interaction.response_type is None:
            raise errors.unknown("Webhook")
        return interaction

    def responded(self, interaction: PendingInteraction, kind: int, data: JSON) -> None:
        """Note the bot's answer and wake whoever waits for it."""
        interaction.response_type = kind
        interaction.response_data = data
        interaction.responded_at = time.monotonic()
        self.changed(interaction, "callback")

    def changed(self, interaction: PendingInteraction, event: str) -> None:
        """Note an event (callback, edit_original, followup, ...) and wake the waiters."""
        interaction.events.append(event)
        condition = interaction.condition

        async def notify() -> None:
            async with condition:
                condition.notify_all()

        task = asyncio.get_running_loop().create_task(notify())
        self._notifying.add(task)
        task.add_done_callback(self._notifying.discard)


@dataclass
class Attachment:
    """A file a user gives to an attachment option."""

    filename: str
    data: bytes
    content_type: str = "application/octet-stream"


@dataclass
class Reply:
    """What the bot answered to one interaction.

    ``kind`` is the callback type: 4 a message, 5 deferred (then edited), 6/7 an update of the
    component's message, 8 autocomplete choices, 9 a modal. ``message`` is the live message in the
    world (the answer, or the updated one); the properties read it as it is now.
    """

    kind: int
    interaction: PendingInteraction
    user: SandboxUser
    message: Message | None = None
    deferred: bool = False
    choices: list[JSON] = field(default_factory=list)
    modal: JSON | None = None

    @property
    def message_id(self) -> int | None:
        """The answer's message id (buttons on it can be pressed)."""
        return self.message.id if self.message else None

    @property
    def content(self) -> str:
        """The message's text."""
        return self.message.content if self.message else ""

    @property
    def embeds(self) -> list[JSON]:
        """The message's embeds, as Discord's JSON."""
        return self.message.embeds if self.message else []

    @property
    def components(self) -> list[JSON]:
        """The message's components (or the modal's), as Discord's JSON."""
        if self.modal is not None:
            return list(self.modal.get("components") or [])
        return self.message.components if self.message else []

    @property
    def attachments(self) -> list[JSON]:
        """The message's attachments (``attachment_data(i)`` gives a file's bytes)."""
        return self.message.attachments if self.message else []

    @property
    def ephemeral(self) -> bool:
        """Whether only the user sees the answer."""
        return bool(self.message and self.message.flags & 64)

    @property
    def custom_ids(self) -> list[str]:
        """Every component custom_id on the message (or the modal)."""
        return [c["custom_id"] for c in serialize.walk_components(self.components) if "custom_id" in c]

    @property
    def text(self) -> str:
        """Content and every embed's title, description and fields, for loose assertions."""
        parts = [self.content]
        for embed in self.embeds:
            parts.extend(str(embed.get(k, "")) for k in ("title", "description"))
            for embed_field in embed.get("fields") or []:
                parts.extend((str(embed_field.get("name", "")), str(embed_field.get("value", ""))))
            parts.append(str((embed.get("footer") or {}).get("text", "")))
        return "\n".join(p for p in parts if p)

    @property
    def followups(self) -> list[Message]:
        """The followup messages so far."""
        world = self.user.world
        found = (
            world.messages.get(self.interaction.channel_id, {}).get(i) for i in self.interaction.followup_ids
        )
        return [m for m in found if m is not None]

    def attachment_data(self, index: int = 0) -> bytes:
        """The bytes of the message's ``index``-th attachment."""
        stored: StoredFile = self.user.rest.files[int(self.attachments[index]["id"])]
        return stored.data

    async def wait_followup(self, count: int = 1, timeout: float = 5.0) -> list[Message]:
        """Wait until ``count`` followups exist; returns them."""
        interaction = self.interaction
        if not await interaction.wait_for(lambda: len(interaction.followup_ids) >= count, timeout):
            raise NoResponse(f"expected {count} followup(s), the bot sent {len(interaction.followup_ids)}")
        return self.followups

    async def press(
        self, custom_id: str, *, values: list[Any] | None = None, timeout: float | None = None
    ) -> Reply:
        """Press a button (or choose ``values`` in a select menu) on this answer's message."""
        if self.message is None:
            raise InteractionError("this reply has no message to press a component on")
        return await self.user.press(self.message, custom_id, values=values, timeout=timeout)

    async def submit(self, timeout: float | None = None, **fields: str) -> Reply:
        """Fill in and submit this modal (text inputs by custom_id)."""
        return await self.user.submit(self, timeout=timeout, **fields)


class SandboxUser:
    """A member acting in the sandbox: slash and context-menu commands, autocomplete, components, modals, messages.

    ``channel`` is where the user acts (the guild's first text channel by default); ``guild`` None with
    a ``User`` acts in the user's DM with the bot. ``timeout`` bounds each wait for the bot.
    """

    def __init__(
        self,
        sandbox: Sandbox,
        guild: Guild | None,
        member: Member | User,
        *,
        channel: Channel | None = None,
        timeout: float = 5.0,
    ) -> None:
        from tatiana.testing.sandbox import rest

        self.sandbox = sandbox
        self.rest = rest.state(sandbox)
        self.world: World = sandbox.world
        self.guild = guild
        user_id = member.user_id if isinstance(member, Member) else member.id
        self.user: User = self.world.users[user_id]
        self.member: Member | None = guild.members.get(user_id) if guild is not None else None
        if guild is not None and self.member is None:
            raise InteractionError(f"{self.user.username} is not a member of {guild.name}")
        self.channel = channel or self._default_channel()
        self.timeout = timeout

    def _default_channel(self) -> Channel:
        if self.guild is None:
            return self.world.dm_channel(self.user.id)
        texts = sorted((c for c in self.guild.channels.values() if c.type == 0), key=lambda c: c.position)
        if not texts:
            raise InteractionError(f"{self.guild.name} has no text channel")
        return texts[0]

    @property
    def actions(self) -> list[Action]:
        """What the bot did through REST so far (bans, role changes, timeouts...)."""
        return self.world.actions

    # --- commands ----------------------------------------------------------------------------------------------
    def command(self, name: str, kind: int = CHAT_INPUT) -> ApplicationCommand:
        """The registered command this user would see (the guild's before the global one)."""
        candidates = [c for c in self.world.commands.values() if c.name == name and c.type == kind]
        in_guild = [c for c in candidates if self.guild is not None and c.guild_id == self.guild.id]
        found = in_guild or [c for c in candidates if c.guild_id is None]
        if not found:
            known = sorted({c.name for c in self.world.commands.values() if c.type == kind})
            raise UnknownCommand(
                f"no {('/' if kind == CHAT_INPUT else '')}{name} registered; registered: {known}"
            )
        command = found[0]
        context = 0 if self.guild is not None else 1
        if command.contexts is not None and context not in command.contexts:
            raise UnknownCommand(f"{name} is not available in {'guilds' if context == 0 else 'DMs'}")
        if self.guild is not None and command.default_member_permissions is not None:
            needed = int(command.default_member_permissions)
            has = self.world.base_permissions(self.guild, self.user.id)
            if (needed == 0 and not has & Perm.ADMINISTRATOR) or has & needed != needed:
                raise UnknownCommand(f"{self.user.username} lacks the permissions {name} requires")
        return command

    async def slash(
        self,
        name: str,
        /,
        *,
        options: dict[str, Any] | None = None,
        timeout: float | None = None,
        **kwargs: Any,
    ) -> Reply:
        """Run ``/name`` (``"group sub"`` for subcommands) with options by name; the bot's reply."""
        root, *path = name.split()
        command = self.command(root)
        given = {**(options or {}), **kwargs}
        resolved: JSON = {}
        data: JSON = {"id": str(command.id), "name": command.name, "type": CHAT_INPUT}
        data["options"] = self._options(command, path, given, resolved)
        if resolved:
            data["resolved"] = resolved
        if command.guild_id is not None:
            data["guild_id"] = str(command.guild_id)
        return await self._run(COMMAND, data, command=command, timeout=timeout)

    async def user_command(self, name: str, target: User | Member, *, timeout: float | None = None) -> Reply:
        """Run a user context-menu command on ``target``."""
        command = self.command(name, USER_COMMAND)
        target_id = target.user_id if isinstance(target, Member) else target.id
        resolved: JSON = {}
        self._resolve_user(target_id, resolved)
        data: JSON = {
            "id": str(command.id),
            "name": command.name,
            "type": USER_COMMAND,
            "target_id": str(target_id),
            "resolved": resolved,
        }
        if command.guild_id is not None:
            data["guild_id"] = str(command.guild_id)
        return await self._run(COMMAND, data, command=command, timeout=timeout)

    async def message_command(
        self, name: str, message: Message | Reply, *, timeout: float | None = None
    ) -> Reply:
        """Run a message context-menu command on ``message``."""
        command = self.command(name, MESSAGE_COMMAND)
        target = self._message(message)
        data: JSON = {
            "id": str(command.id),
            "name": command.name,
            "type": MESSAGE_COMMAND,
            "target_id": str(target.id),
            "resolved": {"messages": {str(target.id): serialize.message(self.world, target)}},
        }
        if command.guild_id is not None:
            data["guild_id"] = str(command.guild_id)
        return await self._run(COMMAND, data, command=command, timeout=timeout)

    async def autocomplete(
        self, name: str, option: str, value: Any, /, *, timeout: float | None = None, **options: Any
    ) -> list[JSON]:
        """Type ``value`` into ``option`` of ``/name``; the choices the bot suggests."""
        root, *path = name.split()
        command = self.command(root)
        definitions = self._definitions(command, path)
        focused = next((d for d in definitions if d["name"] == option), None)
        if focused is None or not focused.get("autocomplete"):
            raise InteractionError(f"/{name} has no autocomplete option {option!r}")
        items = [
            {"name": k, "type": self._definition(definitions, k, name)["type"], "value": v}
            for k, v in options.items()
        ]
        items.append({"name": option, "type": focused["type"], "value": str(value), "focused": True})
        data: JSON = {
            "id": str(command.id),
            "name": command.name,
            "type": CHAT_INPUT,
            "options": self._nest(command, path, items),
        }
        if command.guild_id is not None:
            data["guild_id"] = str(command.guild_id)
        reply = await self._run(AUTOCOMPLETE, data, command=command, timeout=timeout)
        return reply.choices

    # --- components and modals ---------------------------------------------------------------------------------
    async def press(
        self,
        message: Message | Reply | int,
        custom_id: str,
        *,
        values: list[Any] | None = None,
        timeout: float | None = None,
    ) -> Reply:
        """Press the button ``custom_id`` (or pick ``values`` in that select menu) on a message."""
        target = self._message(message)
        component = next(
            (c for c in serialize.walk_components(target.components) if c.get("custom_id") == custom_id), None
        )
        if component is None:
            found = [c["custom_id"] for c in serialize.walk_components(target.components) if "custom_id" in c]
            raise InteractionError(f"no component {custom_id!r} on the message; it has {found}")
        if component.get("disabled"):
            raise InteractionError(f"the component {custom_id!r} is disabled")
        data: JSON = {"custom_id": custom_id, "component_type": component["type"]}
        if component["type"] in (3, 5, 6, 7, 8):
            data.update(self._select_values(component, values or []))
        elif values:
            raise InteractionError(f"{custom_id!r} is a button: it takes no values")
        return await self._run(COMPONENT, data, source=target, timeout=timeout)

    async def submit(self, modal: Reply, /, *, timeout: float | None = None, **fields: str) -> Reply:
        """Fill in the modal's text inputs (by custom_id) and submit it."""
        if modal.modal is None:
            raise InteractionError("that reply is not a modal")
        rows = []
        for row in serialize.normalize_components(list(modal.modal.get("components") or [])):
            inputs = []
            for text_input in row.get("components") or []:
                custom_id = text_input["custom_id"]
                value = str(fields.pop(custom_id, text_input.get("value") or ""))
                if text_input.get("required", True) and not value:
                    raise InteractionError(f"the modal's field {custom_id!r} is required")
                low, high = text_input.get("min_length") or 0, text_input.get("max_length") or 4000
                if value and not low <= len(value) <= high:
                    raise InteractionError(f"{custom_id!r} takes {low} to {high} characters")
                inputs.append({"type": 4, "id": text_input["id"], "custom_id": custom_id, "value": value})
            rows.append({"type": 1, "id": row["id"], "components": inputs})
        if fields:
            raise InteractionError(f"the modal has no fields {sorted(fields)}")
        data = {"custom_id": modal.modal["custom_id"], "components": rows}
        parent = modal.interaction
        source = self._message(parent.source_message_id) if parent.source_message_id else None
        return await self._run(MODAL_SUBMIT, data, source=source, parent=parent, timeout=timeout)

    # --- plain messages ------------------------------------------------------------------------------------------
    async def send(self, content: str, *, channel: Channel | None = None) -> Message:
        """Post a message as this user (MESSAGE_CREATE to the bot); needs SEND_MESSAGES like a real user."""
        from tatiana.testing.sandbox.driver_messages import send_message

        channel = channel or self.channel
        if channel.guild_id is not None:
            in_thread = channel.type in THREAD_TYPES
            needed = Perm.VIEW_CHANNEL | (Perm.SEND_MESSAGES_IN_THREADS if in_thread else Perm.SEND_MESSAGES)
            if self.world.channel_permissions(channel, self.user.id) & needed != needed:
                raise InteractionError(f"{self.user.username} cannot send messages in #{channel.name}")
        return await send_message(self.sandbox, channel.id, self.user.id, content)

    async def react(self, message: Message | Reply, emoji: str) -> None:
        """Add a reaction as this user (MESSAGE_REACTION_ADD to the bot)."""
        target = self._message(message)
        target.reactions.setdefault(emoji, set()).add(self.user.id)
        payload: JSON = {
            "user_id": str(self.user.id),
            "channel_id": str(target.channel_id),
            "message_id": str(target.id),
            "emoji": serialize.emoji(emoji),
            "burst": False,
            "type": 0,
            "message_author_id": str(target.author_id),
        }
        if target.guild_id is not None and self.member is not None:
            payload["guild_id"] = str(target.guild_id)
            payload["member"] = serialize.member(self.world, self.member)
        await self.rest.dispatch(
            "MESSAGE_REACTION_ADD", payload, guild_id=target.guild_id, intents=GUILD_MESSAGE_REACTIONS
        )

    # --- building interactions -----------------------------------------------------------------------------------
    def _message(self, message: Message | Reply | int) -> Message:
        if isinstance(message, Reply):
            if message.message is None:
                raise InteractionError("that reply has no message")
            message = message.message
        if isinstance(message, int):
            found = self.world.messages.get(self.channel.id, {}).get(message)
            if found is None:
                found = next((ms[message] for ms in self.world.messages.values() if message in ms), None)
            if found is None:
                raise InteractionError(f"no message {message}")
            message = found
        if message.deleted:
            raise InteractionError("the message was deleted")
        return message

    def _definitions(self, command: ApplicationCommand, path: list[str]) -> list[JSON]:
        definitions = command.options
        for part in path:
            sub = next(
                (
                    o
                    for o in definitions
                    if o["name"] == part and o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP)
                ),
                None,
            )
            if sub is None:
                raise UnknownCommand(f"/{command.name} has no subcommand {part!r}")
            definitions = sub.get("options") or []
        if any(o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP) for o in definitions):
            names = [o["name"] for o in definitions]
            raise InteractionError(f"/{' '.join([command.name, *path])} needs a subcommand: {names}")
        return definitions

    @staticmethod
    def _definition(definitions: list[JSON], name: str, command: str) -> JSON:
        found = next((o for o in definitions if o["name"] == name), None)
        if found is None:
            raise InteractionError(
                f"/{command} has no option {name!r}; it has {[o['name'] for o in definitions]}"
            )
        return found

    def _nest(self, command: ApplicationCommand, path: list[str], items: list[JSON]) -> list[JSON]:
        nested = items
        definitions = command.options
        kinds = []
        for part in path:
            sub = next(o for o in definitions if o["name"] == part)
            kinds.append((part, sub["type"]))
            definitions = sub.get("options") or []
        for part, kind in reversed(kinds):
            nested = [{"name": part, "type": kind, "options": nested}]
        return nested

    def _options(
        self, command: ApplicationCommand, path: list[str], given: dict[str, Any], resolved: JSON
    ) -> list[JSON]:
        definitions = self._definitions(command, path)
        shown = " ".join([command.name, *path])
        items = []
        for key, value in given.items():
            definition = self._definition(definitions, key, shown)
            items.append(
                {"name": key, "type": definition["type"], "value": self._value(definition, value, resolved)}
            )
        missing = [o["name"] for o in definitions if o.get("required") and o["name"] not in given]
        if missing:
            raise InteractionError(f"/{shown} requires {missing}")
        return self._nest(command, path, items)

    def _value(self, definition: JSON, value: Any, resolved: JSON) -> Any:
        kind, name = definition["type"], definition["name"]
        if kind in (USER, MENTIONABLE) and isinstance(value, User | Member):
            user_id = value.user_id if isinstance(value, Member) else value.id
            self._resolve_user(user_id, resolved)
            return str(user_id)
        if kind in (ROLE, MENTIONABLE) and isinstance(value, Role):
            resolved.setdefault("roles", {})[str(value.id)] = serialize.role(value)
            return str(value.id)
        if kind == CHANNEL and isinstance(value, Channel):
            allowed = definition.get("channel_types")
            if allowed and value.type not in allowed:
                raise InteractionError(f"{name!r} takes channels of types {allowed}")
            resolved.setdefault("channels", {})[str(value.id)] = serialize.partial_channel(
                self.world, value, self.user.id
            )
            return str(value.id)
        if kind == ATTACHMENT and isinstance(value, Attachment):
            attachment_id = self.world.snowflake()
            self.rest.files[attachment_id] = StoredFile(value.filename, value.content_type, value.data)
            from tatiana.testing.sandbox.rest.messages import attachment_url

            url = attachment_url(self.rest, self.channel.id, attachment_id, value.filename)
            resolved.setdefault("attachments", {})[str(attachment_id)] = {
                "id": str(attachment_id),
                "filename": value.filename,
                "size": len(value.data),
                "url": url,
                "proxy_url": url,
                "content_type": value.content_type,
                "ephemeral": True,
            }
            return str(attachment_id)
        if kind in (USER, ROLE, CHANNEL, MENTIONABLE, ATTACHMENT, SUB_COMMAND, SUB_COMMAND_GROUP):
            raise InteractionError(f"{name!r} takes a {_KIND_NAMES[kind]}, not {type(value).__name__}")
        if kind == BOOLEAN:
            if not isinstance(value, bool):
                raise InteractionError(f"{name!r} takes a boolean")
            return value
        if kind == INTEGER:
            if isinstance(value, bool) or not isinstance(value, int):
                raise InteractionError(f"{name!r} takes an integer")
        elif kind == NUMBER:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise InteractionError(f"{name!r} takes a number")
            value = float(value)
        elif kind == STRING:
            value = str(value)
            low, high = definition.get("min_length", 0), definition.get("max_length", 6000)
            if not low <= len(value) <= high:
                raise InteractionError(f"{name!r} takes {low} to {high} characters")
        if kind in (INTEGER, NUMBER):
            low, high = definition.get("min_value"), definition.get("max_value")
            if (low is not None and value < low) or (high is not None and value > high):
                raise InteractionError(f"{name!r} takes values from {low} to {high}")
        choices = definition.get("choices")
        if choices and value not in [c["value"] for c in choices]:
            raise InteractionError(f"{name!r} must be one of {[c['value'] for c in choices]}")
        return value

    def _resolve_user(self, user_id: int, resolved: JSON) -> None:
        user = self.world.users.get(user_id)
        if user is None:
            raise InteractionError(f"no user {user_id}")
        resolved.setdefault("users", {})[str(user_id)] = serialize.user(user)
        if self.guild is not None and user_id in self.guild.members:
            member = self.guild.members[user_id]
            partial = serialize.member(self.world, member, with_user=False)
            partial.pop("mute")
            partial.pop("deaf")
            partial["permissions"] = str(self.world.channel_permissions(self.channel, user_id))
            resolved.setdefault("members", {})[str(user_id)] = partial

    def _select_values(self, component: JSON, values: list[Any]) -> JSON:
        low, high = component.get("min_values", 1), component.get("max_values", 1)
        if not low <= len(values) <= high:
            raise InteractionError(f"{component['custom_id']!r} takes {low} to {high} values")
        if component["type"] == 3:
            allowed = [o["value"] for o in component.get("options") or []]
            wrong = [v for v in values if v not in allowed]
            if wrong:
                raise InteractionError(f"{wrong} are not options of {component['custom_id']!r}: {allowed}")
            return {"values": [str(v) for v in values]}
        resolved: JSON = {}
        ids = []
        for value in values:
            if isinstance(value, User | Member):
                user_id = value.user_id if isinstance(value, Member) else value.id
                self._resolve_user(user_id, resolved)
                ids.append(str(user_id))
            elif isinstance(value, Role):
                resolved.setdefault("roles", {})[str(value.id)] = serialize.role(value)
                ids.append(str(value.id))
            elif isinstance(value, Channel):
                resolved.setdefault("channels", {})[str(value.id)] = serialize.partial_channel(
                    self.world, value, self.user.id
                )
                ids.append(str(value.id))
            else:
                raise InteractionError(
                    f"select values must be users, members, roles or channels, not {value!r}"
                )
        return {"values": ids, "resolved": resolved}

    def _payload(self, interaction: PendingInteraction, data: JSON, source: Message | None) -> JSON:
        world = self.world
        channel = self.channel if source is None else world.channels[source.channel_id]
        payload: JSON = {
            "id": str(interaction.id),
            "application_id": str(world.application_id),
            "type": interaction.type,
            "data": data,
            "channel_id": str(channel.id),
            "channel": serialize.partial_channel(world, channel, self.user.id),
            "token": interaction.token,
            "version": 1,
            "app_permissions": str(world.channel_permissions(channel, world.bot.id)),
            "locale": self.user.locale,
            "entitlements": [],
            "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
        }
        if self.guild is not None and self.member is not None:
            member = serialize.member(world, self.member)
            member["permissions"] = str(world.channel_permissions(channel, self.user.id))
            payload.update(
                {
                    "guild_id": str(self.guild.id),
                    "guild": {
                        "id": str(self.guild.id),
                        "locale": self.guild.preferred_locale,
                        "features": [],
                    },
                    "member": member,
                    "guild_locale": self.guild.preferred_locale,
                    "authorizing_integration_owners": {"0": str(self.guild.id)},
                    "context": 0,
                }
            )
        else:
            payload.update(
                {
                    "user": serialize.user(self.user),
                    "authorizing_integration_owners": {"0": "0"},
                    "context": 1,
                }
            )
        if source is not None:
            payload["message"] = serialize.message(world, source)
        return payload

    async def _run(
        self,
        kind: int,
        data: JSON,
        *,
        command: ApplicationCommand | None = None,
        source: Message | None = None,
        parent: PendingInteraction | None = None,
        timeout: float | None = None,
    ) -> Reply:
        store = self.rest.interactions
        channel = self.channel if source is None else self.world.channels[source.channel_id]
        interaction = store.create(kind, self.guild.id if self.guild else None, channel.id, self.user.id)
        interaction.command_name = command.name if command else None
        interaction.command_type = command.type if command else None
        interaction.source_message_id = source.id if source else None
        interaction.parent = parent
        interaction.payload = self._payload(interaction, data, source)
        sent = await self.rest.dispatch(
            "INTERACTION_CREATE", interaction.payload, guild_id=interaction.guild_id, intents=0
        )
        if not sent:
            raise NoResponse("no bot is connected to the sandbox's gateway to receive the interaction")
        what = f"/{command.name}" if command else f"the {'modal' if kind == MODAL_SUBMIT else 'component'}"
        wait = self.timeout if timeout is None else timeout
        deadline = min(wait, self.rest.interaction_response_timeout + 0.5)
        if not await interaction.wait_for(lambda: interaction.response_type is not None, deadline):
            raise NoResponse(
                f"the bot did not answer {what} within {self.rest.interaction_response_timeout} s"
            )
        response = interaction.response_type
        reply = Reply(kind=response or 0, interaction=interaction, user=self)
        if response == AUTOCOMPLETE_RESULT:
            reply.choices = list(interaction.response_data.get("choices") or [])
        elif response == MODAL:
            reply.modal = dict(interaction.response_data)
        elif response in (DEFERRED_MESSAGE, DEFERRED_UPDATE):
            reply.deferred = True
            finished = await interaction.wait_for(
                lambda: any(
                    e in interaction.events for e in ("edit_original", "delete_original", "followup")
                ),
                wait,
            )
            if not finished and response == DEFERRED_MESSAGE:
                raise NoResponse(f"the bot deferred {what} but did not edit its answer within {wait} s")
        if interaction.original_message_id is not None:
            reply.message = self.world.messages.get(interaction.channel_id, {}).get(
                interaction.original_message_id
            )
        return reply


Driver = SandboxUser

_KIND_NAMES = {
    USER: "user",
    ROLE: "role",
    CHANNEL: "channel",
    MENTIONABLE: "user or role",
    ATTACHMENT: "sandbox Attachment",
    SUB_COMMAND: "subcommand",
    SUB_COMMAND_GROUP: "subcommand group",
}
