"""The sandbox's state: users, guilds, channels, roles, members, messages and what the bot did to them."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

DISCORD_EPOCH_MS = 1_420_070_400_000


# Permission bits (https://discord.com/developers/docs/topics/permissions).
THREAD_TYPES = frozenset({10, 11, 12})
"""Announcement, public and private thread channel types."""


class Perm:
    """Discord permission bits used by the sandbox's checks."""

    CREATE_INSTANT_INVITE = 1 << 0
    KICK_MEMBERS = 1 << 1
    BAN_MEMBERS = 1 << 2
    ADMINISTRATOR = 1 << 3
    MANAGE_CHANNELS = 1 << 4
    MANAGE_GUILD = 1 << 5
    ADD_REACTIONS = 1 << 6
    VIEW_AUDIT_LOG = 1 << 7
    VIEW_CHANNEL = 1 << 10
    SEND_MESSAGES = 1 << 11
    MANAGE_MESSAGES = 1 << 13
    EMBED_LINKS = 1 << 14
    ATTACH_FILES = 1 << 15
    READ_MESSAGE_HISTORY = 1 << 16
    MENTION_EVERYONE = 1 << 17
    MUTE_MEMBERS = 1 << 22
    DEAFEN_MEMBERS = 1 << 23
    CHANGE_NICKNAME = 1 << 26
    MANAGE_NICKNAMES = 1 << 27
    MANAGE_ROLES = 1 << 28
    MANAGE_WEBHOOKS = 1 << 29
    USE_APPLICATION_COMMANDS = 1 << 31
    CREATE_PUBLIC_THREADS = 1 << 35
    CREATE_PRIVATE_THREADS = 1 << 36
    SEND_MESSAGES_IN_THREADS = 1 << 38
    MODERATE_MEMBERS = 1 << 40
    ALL = (1 << 51) - 1
    DEFAULT_EVERYONE = (
        CREATE_INSTANT_INVITE
        | ADD_REACTIONS
        | VIEW_CHANNEL
        | SEND_MESSAGES
        | EMBED_LINKS
        | ATTACH_FILES
        | READ_MESSAGE_HISTORY
        | CREATE_PUBLIC_THREADS
        | CREATE_PRIVATE_THREADS
        | SEND_MESSAGES_IN_THREADS
    )


class SnowflakeFactory:
    """Unique, time-ordered Discord snowflakes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last_ms = 0
        self._sequence = 0

    def __call__(self) -> int:
        with self._lock:
            now = int(time.time() * 1000) - DISCORD_EPOCH_MS
            if now > self._last_ms:
                self._last_ms, self._sequence = now, 0
            else:
                self._sequence += 1
                if self._sequence > 0xFFF:
                    self._last_ms, self._sequence = self._last_ms + 1, 0
            return (self._last_ms << 22) | (1 << 17) | self._sequence

    def on_shard(self, shard_id: int, shard_count: int) -> int:
        """A new snowflake that, as a guild id, lands on ``shard_id`` of ``shard_count`` shards."""
        with self._lock:
            now = max(int(time.time() * 1000) - DISCORD_EPOCH_MS, self._last_ms + 1)
            # A guild's shard is (id >> 22) % count: move to the next millisecond on that shard.
            self._last_ms, self._sequence = now + (shard_id - now) % shard_count, 0
            return (self._last_ms << 22) | (1 << 17)


def iso(dt: datetime) -> str:
    """Discord's ISO 8601 timestamp with time zone."""
    return dt.astimezone(UTC).isoformat()


def utcnow() -> datetime:
    """The current time, timezone-aware."""
    return datetime.now(UTC)


@dataclass
class User:
    """A Discord account (human or bot)."""

    id: int
    username: str
    global_name: str | None = None
    avatar: str | None = None
    bot: bool = False
    locale: str = "es-ES"
    accepts_dms: bool = True  # False: the bot's DMs fail with 50007, as for a user who closed them


@dataclass
class Role:
    """A guild role; position orders the hierarchy (higher is more powerful)."""

    id: int
    guild_id: int
    name: str
    permissions: int = 0
    position: int = 0
    color: int = 0
    hoist: bool = False
    managed: bool = False
    mentionable: bool = False
    bot_id: int | None = None  # the bot a managed role belongs to (Discord's role tags)


@dataclass
class Overwrite:
    """A channel permission overwrite for a role (type 0) or a member (type 1)."""

    id: int
    type: int
    allow: int = 0
    deny: int = 0


@dataclass
class Channel:
    """A guild text channel, category, thread, or a DM channel (guild_id None)."""

    id: int
    type: int
    name: str | None = None
    guild_id: int | None = None
    position: int = 0
    parent_id: int | None = None
    topic: str | None = None
    nsfw: bool = False
    rate_limit_per_user: int = 0
    overwrites: dict[int, Overwrite] = field(default_factory=dict)
    recipients: list[int] = field(default_factory=list)
    last_message_id: int | None = None
    owner_id: int | None = None  # a thread's creator
    created_at: datetime = field(default_factory=utcnow)


@dataclass
class Member:
    """A user's membership of a guild."""

    user_id: int
    guild_id: int
    roles: list[int] = field(default_factory=list)
    nick: str | None = None
    joined_at: datetime = field(default_factory=utcnow)
    communication_disabled_until: datetime | None = None
    deaf: bool = False
    mute: bool = False


@dataclass
class Guild:
    """A Discord server."""

    id: int
    name: str
    owner_id: int
    roles: dict[int, Role] = field(default_factory=dict)
    channels: dict[int, Channel] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)
    bans: dict[int, str | None] = field(default_factory=dict)
    preferred_locale: str = "es-ES"
    icon: str | None = None
    unavailable: bool = False


@dataclass
class Message:
    """A message in a channel, by a user, the bot or an interaction response."""

    id: int
    channel_id: int
    author_id: int
    content: str = ""
    guild_id: int | None = None
    embeds: list[dict[str, Any]] = field(default_factory=list)
    components: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[dict[str, Any]] = field(default_factory=list)
    flags: int = 0
    timestamp: datetime = field(default_factory=utcnow)
    edited_timestamp: datetime | None = None
    reactions: dict[str, set[int]] = field(default_factory=dict)
    interaction_id: int | None = None
    webhook_id: int | None = None
    mentions: list[int] = field(default_factory=list)
    type: int = 0
    deleted: bool = False
    tts: bool = False
    pinned: bool = False
    message_reference: dict[str, Any] | None = None  # Discord's message reference JSON, for replies
    interaction_metadata: dict[str, Any] | None = None  # Discord's JSON, on interaction responses


@dataclass
class ApplicationCommand:
    """A registered application command (global when guild_id is None)."""

    id: int
    application_id: int
    name: str
    type: int = 1
    guild_id: int | None = None
    description: str = ""
    options: list[dict[str, Any]] = field(default_factory=list)
    default_member_permissions: str | None = None
    dm_permission: bool = True
    nsfw: bool = False
    name_localizations: dict[str, str] | None = None
    description_localizations: dict[str, str] | None = None
    contexts: list[int] | None = None
    integration_types: list[int] | None = None
    version: int = 1


@dataclass
class Action:
    """Something the bot did through REST (a ban, a role change, a timeout...), for tests to assert on."""

    kind: str
    guild_id: int | None
    target_id: int | None
    data: dict[str, Any] = field(default_factory=dict)
    reason: str | None = None
    at: datetime = field(default_factory=utcnow)


class World:
    """Everything the sandbox knows; the REST routes and the gateway read and change it."""

    def __init__(self, *, bot_name: str = "Tatiana") -> None:
        self.snowflake = SnowflakeFactory()
        self.users: dict[int, User] = {}
        self.guilds: dict[int, Guild] = {}
        self.channels: dict[int, Channel] = {}  # every channel, guild and DM, by id
        self.messages: dict[int, dict[int, Message]] = {}  # channel id -> message id -> message
        self.commands: dict[int, ApplicationCommand] = {}
        self.actions: list[Action] = []
        self.bot = self.add_user(bot_name, bot=True)
        self.application_id = self.bot.id
        self.application_owner = self.add_user("developer", global_name="Developer")

    # --- building the world -------------------------------------------------------------------
    def add_user(self, username: str, *, bot: bool = False, global_name: str | None = None) -> User:
        """A new account."""
        user = User(id=self.snowflake(), username=username, bot=bot, global_name=global_name)
        self.users[user.id] = user
        return user

    def add_guild(
        self,
        name: str,
        *,
        owner: User | None = None,
        bot_permissions: int = Perm.ALL & ~Perm.ADMINISTRATOR,
        id: int | None = None,
    ) -> Guild:
        """A new guild with @everyone, a bot role, a #general channel, its owner and the bot as members."""
        owner = owner or self.add_user(f"{name.lower().replace(' ', '-')}-owner")
        guild = Guild(id=id or self.snowflake(), name=name, owner_id=owner.id)
        self.guilds[guild.id] = guild
        everyone = Role(id=guild.id, guild_id=guild.id, name="@everyone", permissions=Perm.DEFAULT_EVERYONE)
        guild.roles[everyone.id] = everyone
        bot_role = self.add_role(guild, self.bot.username, permissions=bot_permissions, managed=True)
        bot_role.bot_id = self.bot.id
        self.add_channel(guild, "general")
        self.add_member(guild, owner)
        self.add_member(guild, self.bot, roles=[bot_role])
        return guild

    def add_role(
        self,
        guild: Guild,
        name: str,
        *,
        permissions: int = 0,
        position: int | None = None,
        managed: bool = False,
    ) -> Role:
        """A new role, by default above every existing one."""
        if position is None:
            position = max((r.position for r in guild.roles.values()), default=0) + 1
        role = Role(
            id=self.snowflake(),
            guild_id=guild.id,
            name=name,
            permissions=permissions,
            position=position,
            managed=managed,
        )
        guild.roles[role.id] = role
        return role

    def add_channel(self, guild: Guild, name: str, *, type: int = 0, parent_id: int | None = None) -> Channel:
        """A new guild channel (text by default)."""
        channel = Channel(
            id=self.snowflake(),
            type=type,
            name=name,
            guild_id=guild.id,
            parent_id=parent_id,
            position=len(guild.channels),
        )
        guild.channels[channel.id] = channel
        self.channels[channel.id] = channel
        self.messages[channel.id] = {}
        return channel

    def add_thread(
        self, parent: Channel, name: str, *, owner_id: int, type: int = 11, id: int | None = None
    ) -> Channel:
        """A new thread in ``parent`` (public by default), started by ``owner_id``; ``id``: its starter message's."""
        assert parent.guild_id is not None, "threads live in guild channels"
        thread = Channel(
            id=id or self.snowflake(),
            type=type,
            name=name,
            guild_id=parent.guild_id,
            parent_id=parent.id,
            owner_id=owner_id,
        )
        self.guilds[parent.guild_id].channels[thread.id] = thread
        self.channels[thread.id] = thread
        self.messages[thread.id] = {}
        return thread

    def add_member(
        self, guild: Guild, user: User, *, roles: list[Role] | None = None, nick: str | None = None
    ) -> Member:
        """``user`` joins ``guild``."""
        member = Member(user_id=user.id, guild_id=guild.id, roles=[r.id for r in roles or []], nick=nick)
        guild.members[user.id] = member
        return member

    def dm_channel(self, user_id: int) -> Channel:
        """The bot's DM channel with ``user_id``, created on first use."""
        for channel in self.channels.values():
            if channel.type == 1 and channel.recipients == [user_id]:
                return channel
        channel = Channel(id=self.snowflake(), type=1, recipients=[user_id])
        self.channels[channel.id] = channel
        self.messages[channel.id] = {}
        return channel

    def record(
        self, kind: str, guild_id: int | None, target_id: int | None, reason: str | None = None, **data: Any
    ) -> Action:
        """Note an action of the bot for tests."""
        action = Action(kind=kind, guild_id=guild_id, target_id=target_id, data=data, reason=reason)
        self.actions.append(action)
        return action

    # --- permissions ------------------------------------------------------------------------------
    def top_role_position(self, guild: Guild, user_id: int) -> int:
        """Position of the member's highest role (0 for @everyone only); the owner is above everyone."""
        if user_id == guild.owner_id:
            return 1 << 30
        member = guild.members.get(user_id)
        if member is None:
            return -1
        return max((guild.roles[r].position for r in member.roles if r in guild.roles), default=0)

    def base_permissions(self, guild: Guild, user_id: int) -> int:
        """Guild-level permissions of a member, as Discord computes them."""
        if user_id == guild.owner_id:
            return Perm.ALL
        member = guild.members.get(user_id)
        if member is None:
            return 0
        permissions = guild.roles[guild.id].permissions
        for role_id in member.roles:
            role = guild.roles.get(role_id)
            if role is not None:
                permissions |= role.permissions
        if permissions & Perm.ADMINISTRATOR:
            return Perm.ALL
        return permissions

    def channel_permissions(self, channel: Channel, user_id: int) -> int:
        """Permissions of a member in a channel, overwrites applied in Discord's order."""
        if channel.guild_id is None:
            return Perm.DEFAULT_EVERYONE
        guild = self.guilds[channel.guild_id]
        if channel.type in THREAD_TYPES and channel.parent_id in guild.channels:
            # A thread has no overwrites of its own: its parent's apply (Discord's permissions page).
            return self.channel_permissions(guild.channels[channel.parent_id], user_id)
        permissions = self.base_permissions(guild, user_id)
        if permissions & Perm.ADMINISTRATOR or user_id == guild.owner_id:
            return Perm.ALL
        member = guild.members.get(user_id)
        everyone = channel.overwrites.get(guild.id)
        if everyone:
            permissions = (permissions & ~everyone.deny) | everyone.allow
        allow = deny = 0
        for role_id in member.roles if member else []:
            overwrite = channel.overwrites.get(role_id)
            if overwrite and overwrite.type == 0:
                allow |= overwrite.allow
                deny |= overwrite.deny
        permissions = (permissions & ~deny) | allow
        own = channel.overwrites.get(user_id)
        if own and own.type == 1:
            permissions = (permissions & ~own.deny) | own.allow
        member_timed_out = (
            member is not None
            and member.communication_disabled_until is not None
            and member.communication_disabled_until > utcnow()
        )
        if member_timed_out:
            permissions &= Perm.VIEW_CHANNEL | Perm.READ_MESSAGE_HISTORY
        return permissions
