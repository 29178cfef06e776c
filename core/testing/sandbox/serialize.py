"""The world's dataclasses as Discord's JSON objects (API v10), shared by the REST routes and the gateway.

Every function answers what Discord's API answers for that object, with the fields its OpenAPI
description requires and those hikari reads. Snowflakes are strings, timestamps ISO 8601 with a time
zone, permissions decimal strings.
"""

from __future__ import annotations

import copy
import hashlib
from typing import TYPE_CHECKING, Any

from tatiana.testing.sandbox.world import THREAD_TYPES, iso

if TYPE_CHECKING:
    from tatiana.testing.sandbox.world import (
        ApplicationCommand,
        Channel,
        Guild,
        Member,
        Message,
        Role,
        User,
        World,
    )

JSON = dict[str, Any]

PRIVATE_THREAD = 12

GUILD_TEXT, DM, GUILD_VOICE, GUILD_CATEGORY, GUILD_ANNOUNCEMENT, GUILD_STAGE, GUILD_FORUM = (
    0,
    1,
    2,
    4,
    5,
    13,
    15,
)
EPHEMERAL = 1 << 6
LOADING = 1 << 7


def snowflake(value: int | None) -> str | None:
    """A snowflake as Discord writes it: a decimal string (None stays None)."""
    return None if value is None else str(value)


def user(u: User) -> JSON:
    """A user object (Discord's UserResponse)."""
    payload: JSON = {
        "id": str(u.id),
        "username": u.username,
        "avatar": u.avatar,
        "discriminator": "0",
        "public_flags": 0,
        "flags": 0,
        "banner": None,
        "accent_color": None,
        "global_name": u.global_name,
        "avatar_decoration_data": None,
        "collectibles": None,
        "primary_guild": None,
    }
    if u.bot:
        payload["bot"] = True
    return payload


def my_user(u: User, *, email: bool = False) -> JSON:
    """The current user as GET /users/@me answers it (UserPIIResponse); ``email`` with the email scope."""
    payload = user(u)
    payload.update({"mfa_enabled": False, "locale": u.locale, "premium_type": 0, "verified": True})
    if email:
        payload["email"] = f"{u.username}@sandbox.invalid"
    return payload


def role(r: Role) -> JSON:
    """A role object (GuildRoleResponse)."""
    payload: JSON = {
        "id": str(r.id),
        "name": r.name,
        "permissions": str(r.permissions),
        "position": r.position,
        "color": r.color,
        "colors": {"primary_color": r.color, "secondary_color": None, "tertiary_color": None},
        "hoist": r.hoist,
        "managed": r.managed,
        "mentionable": r.mentionable,
        "icon": None,
        "unicode_emoji": None,
        "flags": 0,
    }
    if r.bot_id is not None:
        payload["tags"] = {"bot_id": str(r.bot_id)}
    return payload


def member(world: World, m: Member, *, guild_id: bool = False, with_user: bool = True) -> JSON:
    """A guild member object (GuildMemberResponse); ``guild_id`` adds the guild's id, as gateway events do.

    ``with_user=False`` leaves out ``user``, as in MESSAGE_CREATE's ``member`` and interaction ``resolved``.
    """
    payload: JSON = {
        "avatar": None,
        "banner": None,
        "communication_disabled_until": (
            iso(m.communication_disabled_until) if m.communication_disabled_until else None
        ),
        "flags": 0,
        "joined_at": iso(m.joined_at),
        "nick": m.nick,
        "pending": False,
        "premium_since": None,
        "roles": [str(r) for r in m.roles],
        "mute": m.mute,
        "deaf": m.deaf,
    }
    if with_user:
        payload["user"] = user(world.users[m.user_id])
    if guild_id:
        payload["guild_id"] = str(m.guild_id)
    return payload


def overwrite_list(c: Channel) -> list[JSON]:
    """A channel's permission overwrites as Discord lists them."""
    return [
        {"id": str(o.id), "type": o.type, "allow": str(o.allow), "deny": str(o.deny)}
        for o in c.overwrites.values()
    ]


def thread(world: World, c: Channel) -> JSON:
    """A thread channel (ThreadResponse): owner, message counts, metadata."""
    guild = world.guilds.get(c.guild_id) if c.guild_id is not None else None
    created = iso(c.created_at)
    messages = len(world.messages.get(c.id, {}))
    metadata: JSON = {
        "archived": False,
        "auto_archive_duration": 1440,
        "archive_timestamp": created,
        "locked": False,
        "create_timestamp": created,
    }
    if c.type == PRIVATE_THREAD:
        metadata["invitable"] = True
    owner = c.owner_id or (guild.owner_id if guild else world.bot.id)
    return {
        "id": str(c.id),
        "type": c.type,
        "flags": 0,
        "guild_id": str(c.guild_id),
        "name": c.name or "",
        "parent_id": snowflake(c.parent_id),
        "owner_id": str(owner),
        "rate_limit_per_user": c.rate_limit_per_user,
        "last_message_id": snowflake(c.last_message_id),
        "last_pin_timestamp": None,
        "message_count": messages,
        "total_message_sent": messages,
        "member_count": 1,
        "thread_metadata": metadata,
    }


def channel(world: World, c: Channel) -> JSON:
    """A channel object: a thread (ThreadResponse), a guild channel (GuildChannelResponse) or a DM."""
    if c.type in THREAD_TYPES:
        return thread(world, c)
    if c.guild_id is None:
        return {
            "id": str(c.id),
            "type": c.type,
            "flags": 0,
            "last_message_id": snowflake(c.last_message_id),
            "recipients": [user(world.users[r]) for r in c.recipients if r in world.users],
        }
    payload: JSON = {
        "id": str(c.id),
        "type": c.type,
        "flags": 0,
        "guild_id": str(c.guild_id),
        "name": c.name or "",
        "parent_id": snowflake(c.parent_id),
        "position": c.position,
        "permission_overwrites": overwrite_list(c),
        "nsfw": c.nsfw,
    }
    if c.type != GUILD_CATEGORY:
        payload["last_message_id"] = snowflake(c.last_message_id)
        payload["rate_limit_per_user"] = c.rate_limit_per_user
    if c.type in (GUILD_TEXT, GUILD_ANNOUNCEMENT, GUILD_FORUM):
        payload["topic"] = c.topic
        payload["default_auto_archive_duration"] = 1440
        payload["default_thread_rate_limit_per_user"] = 0
    if c.type in (GUILD_VOICE, GUILD_STAGE):
        payload.update({"bitrate": 64000, "user_limit": 0, "rtc_region": None, "video_quality_mode": 1})
    if c.type == GUILD_FORUM:
        payload.update(
            {
                "available_tags": [],
                "default_reaction_emoji": None,
                "default_sort_order": None,
                "default_forum_layout": 0,
                "default_tag_setting": None,
            }
        )
    return payload


def guild(world: World, g: Guild, *, with_counts: bool = False) -> JSON:
    """A guild object as GET /guilds/{id} answers it (GuildWithCountsResponse)."""
    text_channels = sorted((c for c in g.channels.values() if c.type == GUILD_TEXT), key=lambda c: c.position)
    payload: JSON = {
        "id": str(g.id),
        "name": g.name,
        "icon": g.icon,
        "description": None,
        "home_header": None,
        "splash": None,
        "discovery_splash": None,
        "features": [],
        "banner": None,
        "owner_id": str(g.owner_id),
        "application_id": None,
        "region": "deprecated",
        "afk_channel_id": None,
        "afk_timeout": 300,
        "system_channel_id": str(text_channels[0].id) if text_channels else None,
        "system_channel_flags": 0,
        "widget_enabled": False,
        "widget_channel_id": None,
        "verification_level": 0,
        "roles": [role(r) for r in sorted(g.roles.values(), key=lambda r: r.position)],
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
        "preferred_locale": g.preferred_locale,
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
    if with_counts:
        payload["approximate_member_count"] = len(g.members)
        payload["approximate_presence_count"] = 0
    return payload


def guild_create(world: World, g: Guild) -> JSON:
    """A guild as the gateway's GUILD_CREATE sends it: the guild plus members, channels and the rest."""
    bot_member = g.members.get(world.bot.id)
    payload = guild(world, g)
    payload.update(
        {
            "joined_at": iso(bot_member.joined_at) if bot_member else None,
            "large": len(g.members) > 250,
            "unavailable": False,
            "member_count": len(g.members),
            "voice_states": [],
            "members": [member(world, m) for m in g.members.values()],
            "channels": [channel(world, c) for c in g.channels.values()],
            "threads": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }
    )
    return payload


def partial_channel(world: World, c: Channel, user_id: int) -> JSON:
    """The channel of an interaction or a resolved option, with ``user_id``'s permissions in it."""
    payload = channel(world, c)
    payload["permissions"] = str(world.channel_permissions(c, user_id))
    return payload


def emoji(key: str) -> JSON:
    """A reaction emoji from its key: a unicode emoji, or ``name:id`` for a custom one."""
    name, _, emoji_id = key.partition(":")
    if emoji_id:
        return {"id": emoji_id, "name": name, "animated": False}
    return {"id": None, "name": key}


def reactions(world: World, m: Message) -> list[JSON]:
    """A message's reactions, counted, with ``me`` for the bot's own."""
    return [
        {
            "emoji": emoji(key),
            "count": len(users),
            "count_details": {"burst": 0, "normal": len(users)},
            "burst_colors": [],
            "me_burst": False,
            "me": world.bot.id in users,
        }
        for key, users in m.reactions.items()
        if users
    ]


def message(world: World, m: Message) -> JSON:
    """A message object as the REST API answers it (MessageResponse)."""
    author = world.users[m.author_id]
    payload: JSON = {
        "type": m.type,
        "content": m.content,
        "mentions": [user(world.users[u]) for u in m.mentions if u in world.users],
        "mention_roles": [],
        "attachments": [dict(a) for a in m.attachments],
        "embeds": [dict(e) for e in m.embeds],
        "timestamp": iso(m.timestamp),
        "edited_timestamp": iso(m.edited_timestamp) if m.edited_timestamp else None,
        "flags": m.flags,
        "components": m.components,
        "id": str(m.id),
        "channel_id": str(m.channel_id),
        "author": user(author),
        "pinned": m.pinned,
        "mention_everyone": False,
        "tts": m.tts,
    }
    if m.webhook_id is not None:
        payload["webhook_id"] = str(m.webhook_id)
    if m.interaction_metadata is not None:
        payload["application_id"] = str(world.application_id)
        payload["interaction_metadata"] = m.interaction_metadata
    if m.message_reference is not None:
        payload["message_reference"] = m.message_reference
        referenced_id = m.message_reference.get("message_id")
        referenced = world.messages.get(m.channel_id, {}).get(int(referenced_id)) if referenced_id else None
        if m.type == 19:
            payload["referenced_message"] = (
                message(world, referenced) if referenced is not None and not referenced.deleted else None
            )
    if m.reactions:
        payload["reactions"] = reactions(world, m)
    return payload


def message_event(world: World, m: Message) -> JSON:
    """A message as MESSAGE_CREATE and MESSAGE_UPDATE send it: with ``guild_id`` and the author's ``member``."""
    payload = message(world, m)
    if m.guild_id is not None:
        payload["guild_id"] = str(m.guild_id)
        author_member = world.guilds[m.guild_id].members.get(m.author_id)
        if author_member is not None and m.webhook_id is None:
            payload["member"] = member(world, author_member, with_user=False)
        payload["mentions"] = [
            {
                **user(world.users[u]),
                "member": member(world, world.guilds[m.guild_id].members[u], with_user=False),
            }
            if u in world.guilds[m.guild_id].members
            else user(world.users[u])
            for u in m.mentions
            if u in world.users
        ]
    return payload


def application_command(cmd: ApplicationCommand) -> JSON:
    """An application command object (ApplicationCommandResponse)."""
    payload: JSON = {
        "id": str(cmd.id),
        "application_id": str(cmd.application_id),
        "version": str(cmd.version),
        "default_member_permissions": cmd.default_member_permissions,
        "type": cmd.type,
        "name": cmd.name,
        "name_localizations": cmd.name_localizations,
        "description": cmd.description,
        "description_localizations": cmd.description_localizations,
        "dm_permission": cmd.dm_permission,
        "contexts": cmd.contexts,
        "integration_types": cmd.integration_types if cmd.integration_types is not None else [0],
        "nsfw": cmd.nsfw,
    }
    if cmd.guild_id is not None:
        payload["guild_id"] = str(cmd.guild_id)
    if cmd.options:
        payload["options"] = cmd.options
    return payload


def ban(world: World, user_id: int, reason: str | None) -> JSON:
    """A ban object (GuildBanResponse)."""
    return {"user": user(world.users[user_id]), "reason": reason}


def verify_key(world: World) -> str:
    """The application's public key: 32 bytes as hex, derived from its id."""
    return hashlib.sha256(f"sandbox-{world.application_id}".encode()).hexdigest()


def application(world: World, *, redirect_uris: list[str] | None = None) -> JSON:
    """The bot's own application (PrivateApplicationResponse), as GET /oauth2/applications/@me answers it."""
    bot = world.users[world.application_id]
    install_params = {"scopes": ["applications.commands", "bot"], "permissions": "0"}
    return {
        "id": str(world.application_id),
        "name": bot.username,
        "icon": None,
        "description": "",
        "type": None,
        "bot": user(bot),
        "summary": "",
        "bot_public": True,
        "bot_require_code_grant": False,
        "verify_key": verify_key(world),
        "flags": 0,
        "flags_new": "0",
        "hook": True,
        "redirect_uris": list(redirect_uris or []),
        "interactions_endpoint_url": None,
        "role_connections_verification_url": None,
        "owner": user(world.application_owner),
        "approximate_guild_count": sum(1 for g in world.guilds.values() if world.bot.id in g.members),
        "approximate_user_install_count": 0,
        "approximate_user_authorization_count": 0,
        "explicit_content_filter": 0,
        "team": None,
        "install_params": install_params,
        "integration_types_config": {"0": {"oauth2_install_params": install_params}},
        "eligible_oauth2_scopes": ["applications.commands", "bot", "identify", "guilds", "email"],
        "tags": [],
    }


def partial_application(world: World) -> JSON:
    """The application as OAuth2 authorization information shows it (ApplicationResponse)."""
    full = application(world)
    keys = (
        "id",
        "name",
        "icon",
        "description",
        "type",
        "bot",
        "summary",
        "bot_public",
        "bot_require_code_grant",
    )
    payload = {k: full[k] for k in keys}
    payload.update({"verify_key": full["verify_key"], "flags": 0, "flags_new": "0", "hook": True})
    return payload


# --- what Discord adds to the components and embeds a bot sends ----------------------------------------------
_SELECT_TYPES = {3, 5, 6, 7, 8}


def normalize_components(components: list[JSON]) -> list[JSON]:
    """The components as Discord stores them: each numbered (``id``) and with Discord's defaults filled in."""
    result = copy.deepcopy(components)
    used = {c["id"] for c in _walk(result) if isinstance(c.get("id"), int)}
    next_id = 1
    for component in _walk(result):
        if not isinstance(component.get("id"), int):
            while next_id in used:
                next_id += 1
            component["id"] = next_id
            used.add(next_id)
        kind = component.get("type")
        if kind in _SELECT_TYPES:
            component.setdefault("min_values", 1)
            component.setdefault("max_values", 1)
        if kind == 4:
            component.setdefault("label", None)
            component.setdefault("min_length", None)
            component.setdefault("max_length", None)
    return result


def _walk(components: list[JSON]) -> list[JSON]:
    found: list[JSON] = []
    for component in components:
        found.append(component)
        found.extend(_walk(component.get("components") or []))
        accessory = component.get("accessory")
        if isinstance(accessory, dict):
            found.append(accessory)
        if isinstance(component.get("component"), dict):
            found.extend(_walk([component["component"]]))
    return found


def walk_components(components: list[JSON]) -> list[JSON]:
    """Every component of a message, depth first (action rows and what they hold)."""
    return _walk(components)


def normalize_embed(embed: JSON) -> JSON:
    """An embed as Discord stores it: ``type`` "rich" and every field's ``inline`` set."""
    result = copy.deepcopy(embed)
    result.setdefault("type", "rich")
    for embed_field in result.get("fields") or []:
        embed_field.setdefault("inline", False)
    return result
