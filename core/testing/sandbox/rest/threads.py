"""Threads: start one in a text channel, with or without a starter message; THREAD_CREATE follows."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tatiana.testing.sandbox import serialize
from tatiana.testing.sandbox.rest import errors
from tatiana.testing.sandbox.rest.base import GUILDS, Context, Route, json_response
from tatiana.testing.sandbox.world import Channel, Perm

PUBLIC_THREAD, PRIVATE_THREAD = 11, 12
ARCHIVE_DURATIONS = (60, 1440, 4320, 10080)
TEXT_PARENTS = (0, 5)  # text and announcement channels


def _name(body: dict[str, Any]) -> str:
    name = body.get("name")
    if name is None:
        raise errors.required("name")
    text = str(name)
    if not 1 <= len(text) <= 100:
        raise errors.bad_length("name", 1, 100)
    return text


def _check_archive_duration(body: dict[str, Any]) -> None:
    duration = body.get("auto_archive_duration")
    if duration is not None and int(duration) not in ARCHIVE_DURATIONS:
        raise errors.invalid_form_body(
            "auto_archive_duration", "BASE_TYPE_CHOICES", f"Value must be one of {set(ARCHIVE_DURATIONS)}."
        )


def _parent(ctx: Context) -> Channel:
    parent = ctx.channel()
    if parent.guild_id is None or parent.type not in TEXT_PARENTS:
        raise errors.DiscordError(400, 50024, "Cannot execute action on this channel type")
    return parent


async def _created(ctx: Context, thread: Channel) -> web.StreamResponse:
    payload = serialize.thread(ctx.world, thread)
    ctx.record("thread_create", thread.guild_id, thread.id, name=thread.name, parent_id=thread.parent_id)
    await ctx.dispatch(
        "THREAD_CREATE", payload | {"newly_created": True}, guild_id=thread.guild_id, intents=GUILDS
    )
    return json_response(payload, status=201)


async def start_thread(ctx: Context) -> web.StreamResponse:
    """A thread with no starter message (private unless ``type`` says 11), by the bot."""
    parent = _parent(ctx)
    body = await ctx.json()
    name = _name(body)
    _check_archive_duration(body)
    kind = int(body.get("type") or PRIVATE_THREAD)
    if kind not in (PUBLIC_THREAD, PRIVATE_THREAD):
        raise errors.invalid_form_body("type", "BASE_TYPE_CHOICES", "Value must be one of {11, 12}.")
    needed = Perm.CREATE_PUBLIC_THREADS if kind == PUBLIC_THREAD else Perm.CREATE_PRIVATE_THREADS
    ctx.require_in(parent, Perm.VIEW_CHANNEL | needed)
    return await _created(ctx, ctx.world.add_thread(parent, name, owner_id=ctx.world.bot.id, type=kind))


async def start_thread_from_message(ctx: Context) -> web.StreamResponse:
    """A public thread on a message of the channel; the thread's id is the message's."""
    parent = _parent(ctx)
    message = ctx.message(parent)
    body = await ctx.json()
    name = _name(body)
    _check_archive_duration(body)
    ctx.require_in(parent, Perm.VIEW_CHANNEL | Perm.CREATE_PUBLIC_THREADS)
    if message.id in ctx.world.channels:
        raise errors.DiscordError(400, 160004, "A thread has already been created for this message")
    thread = ctx.world.add_thread(parent, name, owner_id=ctx.world.bot.id, type=PUBLIC_THREAD, id=message.id)
    return await _created(ctx, thread)


ROUTES = [
    Route("POST", "/channels/{channel_id}/threads", start_thread),
    Route("POST", "/channels/{channel_id}/messages/{message_id}/threads", start_thread_from_message),
]
