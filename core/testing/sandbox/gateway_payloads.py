"""The JSON the gateway sends: READY, GUILD_CREATE, MESSAGE_CREATE and GUILD_MEMBERS_CHUNK, built from the world.

Shapes follow Discord's gateway documentation and OpenAPI description; every field hikari 2.6's entity
factory reads with ``payload[...]`` is present, since a missing one makes hikari drop the event silently.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from tatiana.testing.sandbox import serialize
from tatiana.testing.sandbox.world import (
    THREAD_TYPES,
    Channel,
    Guild,
    Message,
    Perm,
    User,
    World,
    iso,
    utcnow,
)

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


_USER_MENTION = re.compile(r"<@!?(\d+)>")
_ROLE_MENTION = re.compile(r"<@&(\d+)>")


def own_user(account: User) -> Json:
    """The connecting user with its private fields, as READY carries it (OpenAPI ``UserPIIResponse``)."""
    return serialize.my_user(account) | {"email": None}


def thread(entry: Channel, world: World) -> Json:
    """A thread channel (types 10, 11, 12) with the fields hikari requires: owner, counts, metadata."""
    return serialize.thread(world, entry)


def channel(entry: Channel, world: World) -> Json:
    """A channel of any type as the gateway sends it (threads included)."""
    if entry.type in THREAD_TYPES:
        return thread(entry, world)
    return serialize.channel(world, entry)


def unavailable_guild(guild_id: int) -> Json:
    """An unavailable guild stub, as READY lists them."""
    return {"id": str(guild_id), "unavailable": True}


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
    payload = serialize.guild(world, entry) | {
        "joined_at": iso(me.joined_at if me else utcnow()),
        "large": large,
        "member_count": len(entry.members),
        "voice_states": [],
        "members": [serialize.member(world, m) for m in members],
        "channels": [serialize.channel(world, c) for c in channels],
        "threads": [thread(c, world) for c in threads],
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
    """A message as MESSAGE_CREATE/UPDATE send it: REST's object plus guild, member and ``channel_type``."""
    payload = serialize.message_event(world, entry)
    chan = world.channels.get(entry.channel_id)
    if chan is not None:
        payload["channel_type"] = chan.type
    guild = world.guilds.get(entry.guild_id) if entry.guild_id is not None else None
    if not payload.get("mention_roles"):
        payload["mention_roles"] = [str(r) for r in mentioned_role_ids(entry.content, guild)]
    if not payload.get("mention_everyone") and chan is not None and guild is not None:
        allowed = world.channel_permissions(chan, entry.author_id) & Perm.MENTION_EVERYONE
        payload["mention_everyone"] = bool(allowed) and (
            "@everyone" in entry.content or "@here" in entry.content
        )
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
            "members": [serialize.member(world, m) for m in piece],
            "chunk_index": index,
            "chunk_count": len(pieces),
        }
        if index == 0 and not_found:
            chunk["not_found"] = [str(u) for u in not_found]
        if nonce is not None and len(nonce.encode()) <= 32:
            chunk["nonce"] = nonce
        chunks.append(chunk)
    return chunks
