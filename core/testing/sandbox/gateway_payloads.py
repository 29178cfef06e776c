"""The JSON the gateway sends: READY, GUILD_CREATE, MESSAGE_CREATE and GUILD_MEMBERS_CHUNK, built from the world.

Shapes follow Discord's gateway documentation and OpenAPI description; every field hikari 2.6's entity
factory reads with ``payload[...]`` is present, since a missing one makes hikari drop the event silently.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from tatiana.testing.sandbox.world import Channel, Guild, Member, Message, Role, User, World, iso, utcnow

Json = dict[str, Any]

# Intent bits (https://discord.com/developers/docs/events/gateway#list-of-intents).
GUILDS = 1 << 0
GUILD_MEMBERS = 1 << 1
GUILD_PRESENCES = 1 << 8
GUILD_MESSAGES = 1 << 9
DIRECT_MESSAGES = 1 << 12
MESSAGE_CONTENT = 1 << 15
PRIVILEGED_INTENTS = GUILD_MEMBERS | GUILD_PRESENCES | MESSAGE_CONTENT
VALID_INTENTS = (1 << 17) - 1 | 1 << 20 | 1 << 21 | 1 << 24 | 1 << 25

# Application flags an unverified app with the privileged intents enabled has.
_LIMITED_FLAGS = {GUILD_PRESENCES: 1 << 13, GUILD_MEMBERS: 1 << 15, MESSAGE_CONTENT: 1 << 19}

THREAD_TYPES = frozenset({10, 11, 12})
_TEXTUAL_TYPES = frozenset({0, 5, 15, 16})
_VOICE_TYPES = frozenset({2, 13})

_USER_MENTION = re.compile(r"<@!?(\d+)>")
_ROLE_MENTION = re.compile(r"<@&(\d+)>")


def user(account: User) -> Json:
    """A user object (OpenAPI ``UserResponse``)."""
    return {
        "id": str(account.id),
        "username": account.username,
        "global_name": account.global_name,
        "discriminator": "0",
        "avatar": account.avatar,
        "bot": account.bot,
        "system": False,
        "public_flags": 0,
        "flags": 0,
        "banner": None,
        "accent_color": None,
        "avatar_decoration_data": None,
        "collectibles": None,
        "primary_guild": None,
    }


def own_user(account: User) -> Json:
    """The connecting user with its private fields, as READY carries it (OpenAPI ``UserPIIResponse``)."""
    return user(account) | {
        "mfa_enabled": False,
        "locale": "en-US",
        "verified": True,
        "email": None,
        "premium_type": 0,
    }


def role(entry: Role, world: World) -> Json:
    """A role object (OpenAPI ``GuildRoleResponse``); a managed role is tagged as the bot's."""
    payload: Json = {
        "id": str(entry.id),
        "name": entry.name,
        "permissions": str(entry.permissions),
        "position": entry.position,
        "color": entry.color,
        "colors": {"primary_color": entry.color, "secondary_color": None, "tertiary_color": None},
        "hoist": entry.hoist,
        "managed": entry.managed,
        "mentionable": entry.mentionable,
        "icon": None,
        "unicode_emoji": None,
        "flags": 0,
    }
    if entry.managed:
        payload["tags"] = {"bot_id": str(world.bot.id)}
    return payload


def partial_member(entry: Member) -> Json:
    """A guild member without its ``user`` (as MESSAGE_CREATE's ``member`` and mentions carry it)."""
    return {
        "roles": [str(r) for r in entry.roles],
        "nick": entry.nick,
        "avatar": None,
        "banner": None,
        "joined_at": iso(entry.joined_at),
        "premium_since": None,
        "deaf": entry.deaf,
        "mute": entry.mute,
        "flags": 0,
        "pending": False,
        "communication_disabled_until": (
            iso(entry.communication_disabled_until) if entry.communication_disabled_until else None
        ),
    }


def member(entry: Member, world: World) -> Json:
    """A guild member object with its user (OpenAPI ``GuildMemberResponse``)."""
    return partial_member(entry) | {"user": user(world.users[entry.user_id])}


def _overwrites(channel: Channel) -> list[Json]:
    return [
        {"id": str(o.id), "type": o.type, "allow": str(o.allow), "deny": str(o.deny)}
        for o in channel.overwrites.values()
    ]


def channel(entry: Channel, world: World) -> Json:
    """A channel object of any type: guild channel, thread or DM."""
    if entry.guild_id is None:
        return {
            "id": str(entry.id),
            "type": entry.type,
            "flags": 0,
            "last_message_id": _opt_id(entry.last_message_id),
            "last_pin_timestamp": None,
            "recipients": [user(world.users[r]) for r in entry.recipients if r in world.users],
        }
    payload: Json = {
        "id": str(entry.id),
        "type": entry.type,
        "guild_id": str(entry.guild_id),
        "name": entry.name,
        "position": entry.position,
        "flags": 0,
        "parent_id": _opt_id(entry.parent_id),
        "nsfw": entry.nsfw,
        "permission_overwrites": _overwrites(entry),
    }
    if entry.type in _TEXTUAL_TYPES:
        payload |= {
            "topic": entry.topic,
            "rate_limit_per_user": entry.rate_limit_per_user,
            "last_message_id": _opt_id(entry.last_message_id),
            "last_pin_timestamp": None,
            "default_auto_archive_duration": 1440,
        }
    elif entry.type in _VOICE_TYPES:
        payload |= {
            "bitrate": 64000,
            "user_limit": 0,
            "rtc_region": None,
            "video_quality_mode": 1,
            "rate_limit_per_user": entry.rate_limit_per_user,
            "last_message_id": _opt_id(entry.last_message_id),
        }
    elif entry.type in THREAD_TYPES:
        del payload["position"], payload["permission_overwrites"]
        guild = world.guilds.get(entry.guild_id)
        owner_id = guild.owner_id if guild else world.bot.id
        created = iso(utcnow())
        payload |= {
            "owner_id": str(owner_id),
            "rate_limit_per_user": entry.rate_limit_per_user,
            "last_message_id": _opt_id(entry.last_message_id),
            "last_pin_timestamp": None,
            "message_count": len(world.messages.get(entry.id, {})),
            "total_message_sent": len(world.messages.get(entry.id, {})),
            "member_count": 1,
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": 1440,
                "archive_timestamp": created,
                "locked": False,
                "create_timestamp": created,
            }
            | ({"invitable": True} if entry.type == 12 else {}),
        }
    return payload


def _opt_id(value: int | None) -> str | None:
    return None if value is None else str(value)


def unavailable_guild(guild_id: int) -> Json:
    """An unavailable guild stub, as READY lists them."""
    return {"id": str(guild_id), "unavailable": True}


def guild(entry: Guild, world: World) -> Json:
    """The guild object itself (OpenAPI ``GuildResponse``), without GUILD_CREATE's extra fields."""
    return {
        "id": str(entry.id),
        "name": entry.name,
        "icon": entry.icon,
        "description": None,
        "home_header": None,
        "splash": None,
        "discovery_splash": None,
        "features": [],
        "banner": None,
        "owner_id": str(entry.owner_id),
        "application_id": None,
        "region": "deprecated",
        "afk_channel_id": None,
        "afk_timeout": 300,
        "system_channel_id": None,
        "system_channel_flags": 0,
        "widget_enabled": False,
        "widget_channel_id": None,
        "verification_level": 0,
        "roles": [role(r, world) for r in entry.roles.values()],
        "default_message_notifications": 0,
        "mfa_level": 0,
        "explicit_content_filter": 0,
        "max_presences": None,
        "max_members": 500000,
        "max_stage_video_channel_users": 50,
        "max_video_channel_users": 25,
        "vanity_url_code": None,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "preferred_locale": entry.preferred_locale,
        "rules_channel_id": None,
        "safety_alerts_channel_id": None,
        "public_updates_channel_id": None,
        "premium_progress_bar_enabled": False,
        "nsfw": False,
        "nsfw_level": 0,
        "emojis": [],
        "stickers": [],
        "incidents_data": None,
    }


def guild_create(
    entry: Guild, world: World, *, intents: int, large_threshold: int = 50, unavailable: bool | None = False
) -> Json:
    """GUILD_CREATE's payload for a session with ``intents``.

    As Discord does: without GUILD_PRESENCES only the bot's own member is sent; with it, a guild over
    ``large_threshold`` members sends only members with a role or a nickname (no presence is tracked).
    ``unavailable=False`` marks a guild announced in READY; ``None`` omits the key (the bot joined it).
    """
    me = entry.members.get(world.bot.id)
    large = len(entry.members) > large_threshold
    if not intents & GUILD_PRESENCES:
        members = [me] if me else []
    elif large:
        members = [m for m in entry.members.values() if m is me or m.roles or m.nick]
    else:
        members = list(entry.members.values())
    channels = [c for c in entry.channels.values() if c.type not in THREAD_TYPES]
    threads = [c for c in entry.channels.values() if c.type in THREAD_TYPES and c.parent_id is not None]
    payload = guild(entry, world) | {
        "joined_at": iso(me.joined_at if me else utcnow()),
        "large": large,
        "lazy": True,
        "member_count": len(entry.members),
        "voice_states": [],
        "members": [member(m, world) for m in members],
        "channels": [channel(c, world) for c in channels],
        "threads": [channel(c, world) for c in threads],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
    }
    if unavailable is not None:
        payload["unavailable"] = unavailable
    return payload


def ready(
    *,
    world: World,
    session_id: str,
    resume_gateway_url: str,
    shard: tuple[int, int],
    guild_ids: Iterable[int],
    application_flags: int,
    version: int = 10,
) -> Json:
    """READY's payload: the bot user, its guilds as unavailable stubs, the session and the application."""
    return {
        "v": version,
        "user": own_user(world.bot),
        "guilds": [unavailable_guild(g) for g in guild_ids],
        "session_id": session_id,
        "session_type": "normal",
        "resume_gateway_url": resume_gateway_url,
        "shard": list(shard),
        "application": {"id": str(world.application_id), "flags": application_flags},
        "private_channels": [],
        "presences": [],
        "relationships": [],
        "guild_join_requests": [],
        "user_settings": {},
    }


def application_flags(allowed_privileged_intents: int) -> int:
    """The application's flags: the *_LIMITED gateway flags of each privileged intent it may use."""
    flags = 0
    for intent, flag in _LIMITED_FLAGS.items():
        if allowed_privileged_intents & intent:
            flags |= flag
    return flags


def _reactions(entry: Message, world: World) -> list[Json]:
    reactions = []
    for key, users in entry.reactions.items():
        if not users:
            continue
        name, _, emoji_id = key.partition(":")
        reactions.append(
            {
                "count": len(users),
                "count_details": {"burst": 0, "normal": len(users)},
                "me": world.bot.id in users,
                "me_burst": False,
                "burst_colors": [],
                "emoji": {"id": emoji_id or None, "name": name},
            }
        )
    return reactions


def mentioned_user_ids(content: str, world: World) -> list[int]:
    """Ids of existing users mentioned as ``<@id>`` in ``content``, in order, without repeats."""
    found = [int(m) for m in _USER_MENTION.findall(content)]
    return [u for u in dict.fromkeys(found) if u in world.users]


def mentioned_role_ids(content: str, guild: Guild | None) -> list[int]:
    """Ids of the guild's roles mentioned as ``<@&id>`` in ``content``."""
    if guild is None:
        return []
    return [r for r in dict.fromkeys(int(m) for m in _ROLE_MENTION.findall(content)) if r in guild.roles]


def message(entry: Message, world: World) -> Json:
    """A message object (OpenAPI ``MessageResponse``) with MESSAGE_CREATE's extra fields.

    ``guild_id``, the author's partial ``member``, ``mentions`` with their partial members and
    ``channel_type``.
    """
    author = world.users[entry.author_id]
    chan = world.channels.get(entry.channel_id)
    guild = world.guilds.get(entry.guild_id) if entry.guild_id is not None else None
    mentions = []
    for user_id in entry.mentions:
        mentioned = world.users.get(user_id)
        if mentioned is None:
            continue
        mention = user(mentioned)
        if guild is not None and user_id in guild.members:
            mention["member"] = partial_member(guild.members[user_id])
        mentions.append(mention)
    payload: Json = {
        "id": str(entry.id),
        "channel_id": str(entry.channel_id),
        "author": user(author),
        "content": entry.content,
        "timestamp": iso(entry.timestamp),
        "edited_timestamp": iso(entry.edited_timestamp) if entry.edited_timestamp else None,
        "tts": False,
        "mention_everyone": "@everyone" in entry.content or "@here" in entry.content,
        "mentions": mentions,
        "mention_roles": [str(r) for r in mentioned_role_ids(entry.content, guild)],
        "attachments": list(entry.attachments),
        "embeds": list(entry.embeds),
        "components": list(entry.components),
        "reactions": _reactions(entry, world),
        "pinned": False,
        "type": entry.type,
        "flags": entry.flags,
    }
    if chan is not None:
        payload["channel_type"] = chan.type
    if entry.webhook_id is not None:
        payload["webhook_id"] = str(entry.webhook_id)
    if entry.interaction_id is not None:
        payload["application_id"] = str(world.application_id)
    if guild is not None:
        payload["guild_id"] = str(guild.id)
        author_member = guild.members.get(entry.author_id)
        if author_member is not None and entry.webhook_id is None:
            payload["member"] = partial_member(author_member)
    return payload


def strip_message_content(payload: Json) -> Json:
    """The message as an app without MESSAGE_CONTENT sees it: user-written fields emptied."""
    return payload | {"content": "", "embeds": [], "attachments": [], "components": []}


def member_chunks(
    entry: Guild,
    world: World,
    *,
    query: str | None,
    limit: int,
    user_ids: list[int] | None,
    nonce: str | None,
    chunk_size: int = 1000,
) -> list[Json]:
    """GUILD_MEMBERS_CHUNK payloads answering a REQUEST_GUILD_MEMBERS (op 8)."""
    not_found: list[int] = []
    if user_ids is not None:
        found = [entry.members[u] for u in user_ids[:100] if u in entry.members]
        not_found = [u for u in user_ids[:100] if u not in entry.members]
    else:
        prefix = (query or "").lower()
        found = []
        for candidate in entry.members.values():
            account = world.users[candidate.user_id]
            names = (account.username, candidate.nick or "", account.global_name or "")
            if not prefix or any(n.lower().startswith(prefix) for n in names):
                found.append(candidate)
        cap = 100 if prefix else limit
        if cap:
            found = found[:cap]
    pieces = [found[i : i + chunk_size] for i in range(0, len(found), chunk_size)] or [[]]
    chunks = []
    for index, piece in enumerate(pieces):
        chunk: Json = {
            "guild_id": str(entry.id),
            "members": [member(m, world) for m in piece],
            "chunk_index": index,
            "chunk_count": len(pieces),
        }
        if index == 0 and not_found:
            chunk["not_found"] = [str(u) for u in not_found]
        if nonce is not None and len(nonce.encode()) <= 32:
            chunk["nonce"] = nonce
        chunks.append(chunk)
    return chunks
