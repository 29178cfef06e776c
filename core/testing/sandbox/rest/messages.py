"""Channel messages: create (JSON or multipart with files), get, list, edit, delete, bulk delete.

``create_message``, ``edit_message`` and ``delete_message`` are shared with interaction responses and
webhooks: they check the body as Discord does, keep uploaded files (served at the attachment's URL),
update the world and send MESSAGE_CREATE / MESSAGE_UPDATE / MESSAGE_DELETE.
"""

from __future__ import annotations

import re
import time
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from aiohttp import web

from tatiana.testing.sandbox import serialize
from tatiana.testing.sandbox.rest import errors
from tatiana.testing.sandbox.rest.base import (
    DIRECT_MESSAGES,
    GUILD_MESSAGES,
    Context,
    RestState,
    Route,
    StoredFile,
    Upload,
    json_response,
    no_content,
)
from tatiana.testing.sandbox.world import DISCORD_EPOCH_MS, THREAD_TYPES, Channel, Message, Perm, utcnow

if TYPE_CHECKING:
    from tatiana.testing.sandbox.world import World

JSON = dict[str, Any]
MAX_CONTENT = 2000
REPLY = 19
SUPPRESS_EMBEDS, EPHEMERAL, SUPPRESS_NOTIFICATIONS, IS_VOICE_MESSAGE, IS_COMPONENTS_V2 = (
    4,
    64,
    4096,
    8192,
    32768,
)
SETTABLE_FLAGS = SUPPRESS_EMBEDS | SUPPRESS_NOTIFICATIONS | IS_VOICE_MESSAGE | IS_COMPONENTS_V2
_MENTION = re.compile(r"<@!?(\d+)>")
_EMBED_LIMITS = {"title": 256, "description": 4096}


def intents_for(channel_guild_id: int | None) -> int:
    """The intent message events need: GUILD_MESSAGES in a guild, DIRECT_MESSAGES in a DM."""
    return GUILD_MESSAGES if channel_guild_id is not None else DIRECT_MESSAGES


# --- checking and applying a message body -------------------------------------------------------------------------
def _too_long(field: str, limit: int) -> errors.DiscordError:
    return errors.invalid_form_body(field, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")


def _check_embed(embed: Any, where: str) -> int:
    if not isinstance(embed, dict):
        raise errors.invalid_form_body(
            where, "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType"
        )
    size = 0
    for key, limit in _EMBED_LIMITS.items():
        value = embed.get(key)
        if value is not None:
            if len(str(value)) > limit:
                raise _too_long(f"{where}.{key}", limit)
            size += len(str(value))
    fields = embed.get("fields") or []
    if len(fields) > 25:
        raise _too_long(f"{where}.fields", 25)
    for index, item in enumerate(fields):
        for key, limit in (("name", 256), ("value", 1024)):
            if not item.get(key):
                raise errors.required(f"{where}.fields.{index}.{key}")
            if len(str(item[key])) > limit:
                raise _too_long(f"{where}.fields.{index}.{key}", limit)
            size += len(str(item[key]))
    footer, author = embed.get("footer") or {}, embed.get("author") or {}
    if len(str(footer.get("text", ""))) > 2048:
        raise _too_long(f"{where}.footer.text", 2048)
    if len(str(author.get("name", ""))) > 256:
        raise _too_long(f"{where}.author.name", 256)
    return size + len(str(footer.get("text", ""))) + len(str(author.get("name", "")))


def _check_components(components: Any, flags: int) -> None:
    if not isinstance(components, list):
        raise errors.invalid_form_body(
            "components", "LIST_TYPE_CONVERT", "Only iterables may be used in a ListType"
        )
    custom_ids: set[str] = set()
    for component in serialize.walk_components(components):
        custom_id = component.get("custom_id")
        if custom_id is not None:
            if len(str(custom_id)) > 100:
                raise _too_long("components.custom_id", 100)
            if custom_id in custom_ids:
                raise errors.invalid_form_body(
                    "components", "COMPONENT_CUSTOM_ID_DUPLICATED", "Component custom id cannot be duplicated"
                )
            custom_ids.add(custom_id)
    if flags & IS_COMPONENTS_V2:
        return
    if len(components) > 5:
        raise errors.bad_length("components", 0, 5)
    for index, row in enumerate(components):
        if row.get("type") != 1:
            raise errors.invalid_form_body(
                f"components.{index}.type", "UNION_TYPE_CHOICES", 'Value of field "type" must be one of (1,).'
            )
        children = row.get("components") or []
        if not 1 <= len(children) <= 5:
            raise errors.bad_length(f"components.{index}.components", 1, 5)
        for position, child in enumerate(children):
            where = f"components.{index}.components.{position}"
            if child.get("type") == 2:
                style = child.get("style")
                if style == 5 and not child.get("url"):
                    raise errors.required(f"{where}.url")
                if style in (1, 2, 3, 4) and not child.get("custom_id"):
                    raise errors.required(f"{where}.custom_id")
                if not child.get("label") and not child.get("emoji"):
                    raise errors.required(f"{where}.label")
            elif len(children) > 1:
                raise errors.bad_length(f"components.{index}.components", 1, 1)


def attachment_url(state: RestState, channel_id: int, attachment_id: int, filename: str) -> str:
    """Where the sandbox serves an uploaded file (Discord's CDN URL)."""
    return f"{state.sandbox.base_url}/attachments/{channel_id}/{attachment_id}/{filename}"


def _stored_attachment(state: RestState, channel_id: int, upload: Upload, item: JSON) -> JSON:
    world = state.world
    attachment_id = world.snowflake()
    filename = str(item.get("filename") or upload.filename)
    state.files[attachment_id] = StoredFile(filename, upload.content_type, upload.data)
    url = attachment_url(state, channel_id, attachment_id, filename)
    attachment: JSON = {
        "id": str(attachment_id),
        "filename": filename,
        "size": len(upload.data),
        "url": url,
        "proxy_url": url,
        "content_type": upload.content_type,
    }
    if item.get("description"):
        attachment["description"] = item["description"]
    return attachment


def _attachments(
    state: RestState, message: Message, body: JSON, uploads: dict[int, Upload], edit: bool
) -> None:
    if "attachments" not in body:
        if not uploads:
            return
        kept = list(message.attachments) if edit else []
        items = [{"id": index} for index in sorted(uploads)]
    else:
        kept = []
        items = body["attachments"] or []
    existing = {a["id"]: a for a in message.attachments}
    result = list(kept)
    for index, item in enumerate(items):
        raw_id = str(item.get("id", index))
        upload = uploads.get(int(raw_id)) if raw_id.isdigit() and int(raw_id) in uploads else None
        if upload is not None:
            result.append(_stored_attachment(state, message.channel_id, upload, item))
        elif raw_id in existing:
            result.append(existing[raw_id])
        else:
            raise errors.invalid_form_body(
                f"attachments.{index}.id", "ATTACHMENT_NOT_FOUND", f"Attachment data not found ({raw_id})"
            )
    message.attachments = result


def _resolve_attachment_urls(message: Message) -> None:
    urls = {a["filename"]: a["url"] for a in message.attachments}

    def swap(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: swap(v) for k, v in node.items()}
        if isinstance(node, list):
            return [swap(v) for v in node]
        if isinstance(node, str) and node.startswith("attachment://"):
            return urls.get(node.removeprefix("attachment://"), node)
        return node

    message.embeds = swap(message.embeds)
    message.components = swap(message.components)


def apply_body(
    state: RestState, message: Message, body: JSON, uploads: dict[int, Upload], *, edit: bool
) -> None:
    """Check a create or edit body as Discord does and apply it to ``message`` (50035 / 50006 otherwise)."""
    flags = message.flags
    if body.get("flags") is not None:
        keep = message.flags & (EPHEMERAL | 128) if edit else message.flags & EPHEMERAL
        flags = keep | (int(body["flags"]) & SETTABLE_FLAGS)
    if "content" in body:
        content = "" if body["content"] is None else str(body["content"])
        if len(content) > MAX_CONTENT:
            raise _too_long("content", MAX_CONTENT)
        message.content = content
    if "embeds" in body:
        embeds = body["embeds"] or []
        if len(embeds) > 10:
            raise errors.bad_length("embeds", 0, 10)
        if sum(_check_embed(e, f"embeds.{i}") for i, e in enumerate(embeds)) > 6000:
            raise errors.invalid_form_body(
                "embeds", "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000"
            )
        message.embeds = [serialize.normalize_embed(e) for e in embeds]
    if "components" in body:
        components = body["components"] or []
        _check_components(components, flags)
        message.components = serialize.normalize_components(components)
    if flags & IS_COMPONENTS_V2 and (message.content or message.embeds):
        raise errors.invalid_form_body(
            "content",
            "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2",
            "The 'content' and 'embeds' fields cannot be used when using MessageFlags.IS_COMPONENTS_V2",
        )
    message.flags = flags
    _attachments(state, message, body, uploads, edit)
    _resolve_attachment_urls(message)
    if "tts" in body:
        message.tts = bool(body["tts"])
    message.mentions = [
        int(m) for m in dict.fromkeys(_MENTION.findall(message.content)) if int(m) in state.world.users
    ]
    if not (
        message.content
        or message.embeds
        or message.components
        or message.attachments
        or body.get("sticker_ids")
        or body.get("poll")
    ) and not (edit or message.flags & 128):
        raise errors.empty_message()


async def create_message(
    state: RestState,
    channel: Channel,
    author_id: int,
    body: JSON,
    uploads: dict[int, Upload],
    *,
    type: int = 0,
    webhook_id: int | None = None,
    interaction_metadata: JSON | None = None,
    flags: int = 0,
    message_reference: JSON | None = None,
) -> Message:
    """A new message in ``channel`` from a checked body; MESSAGE_CREATE unless it is ephemeral."""
    world = state.world
    message = Message(
        id=world.snowflake(),
        channel_id=channel.id,
        author_id=author_id,
        guild_id=channel.guild_id,
        type=type,
        webhook_id=webhook_id,
        interaction_metadata=interaction_metadata,
        flags=flags,
        message_reference=message_reference,
    )
    apply_body(state, message, body, uploads, edit=False)
    world.messages.setdefault(channel.id, {})[message.id] = message
    if not message.flags & EPHEMERAL:
        channel.last_message_id = message.id
        await state.dispatch_message(message)
    return message


async def edit_message(state: RestState, message: Message, body: JSON, uploads: dict[int, Upload]) -> Message:
    """Apply an edit body; MESSAGE_UPDATE unless the message is ephemeral."""
    apply_body(state, message, body, uploads, edit=True)
    message.flags &= ~128
    message.edited_timestamp = utcnow()
    if not message.flags & EPHEMERAL:
        await state.dispatch_message(message, "MESSAGE_UPDATE")
    return message


async def delete_message(state: RestState, message: Message) -> None:
    """Mark a message deleted (it stays in the world for tests); MESSAGE_DELETE unless ephemeral."""
    message.deleted = True
    if not message.flags & EPHEMERAL:
        payload: JSON = {"id": str(message.id), "channel_id": str(message.channel_id)}
        if message.guild_id is not None:
            payload["guild_id"] = str(message.guild_id)
        await state.dispatch(
            "MESSAGE_DELETE", payload, guild_id=message.guild_id, intents=intents_for(message.guild_id)
        )


def _check_dm(ctx: Context, channel: Channel) -> None:
    world = ctx.world
    for user_id in channel.recipients:
        user = world.users.get(user_id)
        shares_guild = any(user_id in g.members and world.bot.id in g.members for g in world.guilds.values())
        if user is None or user.bot or not user.accepts_dms or not shares_guild:
            raise errors.cannot_send_to_user()


def _check_slowmode(ctx: Context, channel: Channel) -> None:
    if not channel.rate_limit_per_user or channel.guild_id is None:
        return
    if ctx.channel_permissions(channel) & (Perm.MANAGE_MESSAGES | Perm.MANAGE_CHANNELS):
        return
    key = (channel.id, ctx.world.bot.id)
    now = time.monotonic()
    last = ctx.state.last_message_at.get(key)
    if last is not None and now - last < channel.rate_limit_per_user:
        raise _SlowmodeError(round(channel.rate_limit_per_user - (now - last), 3))
    ctx.state.last_message_at[key] = now


class _SlowmodeError(errors.DiscordError):
    def __init__(self, retry_after: float) -> None:
        super().__init__(429, 20016, "This action cannot be performed due to slowmode rate limit.")
        self.retry_after = retry_after

    def body(self) -> dict[str, Any]:
        return {**super().body(), "retry_after": self.retry_after, "global": False}


def _reference(ctx: Context, channel: Channel, body: JSON) -> tuple[JSON | None, int]:
    raw = body.get("message_reference")
    if not raw:
        return None, 0
    message_id = raw.get("message_id")
    target = ctx.world.messages.get(int(raw.get("channel_id") or channel.id), {}).get(int(message_id or 0))
    if target is None or target.deleted:
        if raw.get("fail_if_not_exists", True):
            raise errors.invalid_form_body(
                "message_reference", "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message"
            )
        return None, 0
    ctx.require_in(channel, Perm.READ_MESSAGE_HISTORY)
    reference: JSON = {"type": 0, "channel_id": str(target.channel_id), "message_id": str(target.id)}
    if target.guild_id is not None:
        reference["guild_id"] = str(target.guild_id)
    return reference, REPLY


# --- routes ---------------------------------------------------------------------------------------------------------
async def post_message(ctx: Context) -> web.StreamResponse:
    """Send a message: SEND_MESSAGES (and ATTACH_FILES for files) in the channel; DMs the user accepts."""
    channel = ctx.channel()
    body, uploads = await ctx.payload()
    in_thread = channel.type in THREAD_TYPES
    ctx.require_in(
        channel, Perm.VIEW_CHANNEL | (Perm.SEND_MESSAGES_IN_THREADS if in_thread else Perm.SEND_MESSAGES)
    )
    if uploads or body.get("attachments"):
        ctx.require_in(channel, Perm.ATTACH_FILES)
    if channel.guild_id is None:
        _check_dm(ctx, channel)
    reference, message_type = _reference(ctx, channel, body)
    _check_slowmode(ctx, channel)
    body = {**body, "flags": int(body.get("flags") or 0) & SETTABLE_FLAGS}
    message = await create_message(
        ctx.state, channel, ctx.world.bot.id, body, uploads, type=message_type, message_reference=reference
    )
    return json_response(serialize.message(ctx.world, message))


async def get_message(ctx: Context) -> web.StreamResponse:
    """One message (READ_MESSAGE_HISTORY)."""
    channel = ctx.channel()
    ctx.require_in(channel, Perm.READ_MESSAGE_HISTORY)
    return json_response(serialize.message(ctx.world, ctx.message(channel)))


async def list_messages(ctx: Context) -> web.StreamResponse:
    """Messages newest first, ``limit`` 1–100 (50), around / before / after a message id."""
    channel = ctx.channel()
    limit = ctx.query_int("limit", 50, 1, 100)
    if not ctx.channel_permissions(channel) & Perm.READ_MESSAGE_HISTORY:
        return json_response([])
    visible = sorted(
        (
            m
            for m in ctx.world.messages.get(channel.id, {}).values()
            if not m.deleted and not m.flags & EPHEMERAL
        ),
        key=lambda m: m.id,
        reverse=True,
    )
    if (pivot := ctx.query_snowflake("around")) is not None:
        older = [m for m in visible if m.id <= pivot][: (limit + 1) // 2]
        newer = [m for m in visible if m.id > pivot][-(limit // 2) :] if limit // 2 else []
        chosen = newer + older
    elif (before := ctx.query_snowflake("before")) is not None:
        chosen = [m for m in visible if m.id < before][:limit]
    elif (after := ctx.query_snowflake("after")) is not None:
        chosen = [m for m in visible if m.id > after][-limit:]
    else:
        chosen = visible[:limit]
    return json_response([serialize.message(ctx.world, m) for m in chosen])


async def patch_message(ctx: Context) -> web.StreamResponse:
    """Edit the bot's own message (50005 for another's)."""
    channel = ctx.channel()
    message = ctx.message(channel)
    if message.author_id != ctx.world.bot.id:
        raise errors.cannot_edit_others_message()
    body, uploads = await ctx.payload()
    await edit_message(ctx.state, message, body, uploads)
    return json_response(serialize.message(ctx.world, message))


async def remove_message(ctx: Context) -> web.StreamResponse:
    """Delete a message: the bot's own, or another's with MANAGE_MESSAGES (recorded as ``message_delete``)."""
    channel = ctx.channel()
    message = ctx.message(channel)
    if message.author_id != ctx.world.bot.id:
        if channel.guild_id is None:
            raise errors.DiscordError(403, 50003, "Cannot execute action on a DM channel")
        ctx.require_in(channel, Perm.MANAGE_MESSAGES)
        ctx.record(
            "message_delete",
            channel.guild_id,
            message.author_id,
            channel_id=channel.id,
            message_id=message.id,
        )
    await delete_message(ctx.state, message)
    return no_content()


def snowflake_age(message_id: int) -> timedelta:
    """How long ago a snowflake was made."""
    created_ms = (message_id >> 22) + DISCORD_EPOCH_MS
    return timedelta(milliseconds=time.time() * 1000 - created_ms)


async def bulk_delete(ctx: Context) -> web.StreamResponse:
    """Delete 2–100 messages under 14 days old at once (MANAGE_MESSAGES); MESSAGE_DELETE_BULK."""
    channel = ctx.channel()
    if channel.guild_id is None:
        raise errors.DiscordError(403, 50003, "Cannot execute action on a DM channel")
    ctx.require_in(channel, Perm.MANAGE_MESSAGES)
    body = await ctx.json()
    raw_ids = body.get("messages")
    if raw_ids is None:
        raise errors.required("messages")
    if not isinstance(raw_ids, list) or not 2 <= len(raw_ids) <= 100:
        raise errors.bad_length("messages", 2, 100)
    ids = [int(i) for i in raw_ids]
    if len(set(ids)) != len(ids):
        raise errors.invalid_form_body(
            "messages", "BASE_TYPE_BAD_LENGTH", "Duplicate messages are not allowed."
        )
    if any(snowflake_age(i) > timedelta(days=14) for i in ids):
        raise errors.bulk_delete_too_old()
    messages = ctx.world.messages.get(channel.id, {})
    deleted = [messages[i] for i in ids if i in messages and not messages[i].deleted]
    for message in deleted:
        message.deleted = True
    ctx.record(
        "message_bulk_delete",
        channel.guild_id,
        None,
        channel_id=channel.id,
        message_ids=[m.id for m in deleted],
    )
    await ctx.dispatch(
        "MESSAGE_DELETE_BULK",
        {
            "ids": [str(m.id) for m in deleted],
            "channel_id": str(channel.id),
            "guild_id": str(channel.guild_id),
        },
        guild_id=channel.guild_id,
        intents=GUILD_MESSAGES,
    )
    return no_content()


ROUTES = [
    Route("GET", "/channels/{channel_id}/messages", list_messages),
    Route("POST", "/channels/{channel_id}/messages", post_message),
    Route("POST", "/channels/{channel_id}/messages/bulk-delete", bulk_delete),
    Route("GET", "/channels/{channel_id}/messages/{message_id}", get_message),
    Route("PATCH", "/channels/{channel_id}/messages/{message_id}", patch_message),
    Route("DELETE", "/channels/{channel_id}/messages/{message_id}", remove_message),
]


def install_attachment_files(app: web.Application, state: RestState) -> None:
    """Serve uploaded files at their attachment URL (Discord's CDN)."""

    async def attachment(request: web.Request) -> web.StreamResponse:
        stored = state.files.get(int(request.match_info["attachment_id"]))
        if stored is None or stored.filename != request.match_info["filename"]:
            raise web.HTTPNotFound()
        return web.Response(body=stored.data, content_type=stored.content_type.split(";")[0])

    app.router.add_get(r"/attachments/{channel_id:\d+}/{attachment_id:\d+}/{filename}", attachment)


def world_message(world: World, channel_id: int, message_id: int) -> Message | None:
    """A live (not deleted) message by channel and id."""
    message = world.messages.get(channel_id, {}).get(message_id)
    return None if message is None or message.deleted else message
