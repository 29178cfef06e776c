"""Interaction responses over HTTP: the callback, the original response and followups (webhook routes).

The lifecycle rules (3 s to answer, one answer, 15 min of followups) live in
``tatiana.testing.sandbox.interactions``; here are the routes that apply them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from tatiana.testing.sandbox import serialize
from tatiana.testing.sandbox.rest import errors
from tatiana.testing.sandbox.rest.base import Context, Route, json_response, no_content
from tatiana.testing.sandbox.rest.messages import EPHEMERAL, create_message, delete_message, edit_message
from tatiana.testing.sandbox.world import Message

if TYPE_CHECKING:
    from tatiana.testing.sandbox.interactions import PendingInteraction

PONG, MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE, AUTOCOMPLETE_RESULT, MODAL = 1, 4, 5, 6, 7, 8, 9
COMMAND, COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 2, 3, 4, 5
LOADING = 1 << 7
_ALLOWED = {
    COMMAND: {MESSAGE, DEFERRED_MESSAGE, MODAL},
    COMPONENT: {MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE, MODAL},
    AUTOCOMPLETE: {AUTOCOMPLETE_RESULT},
    MODAL_SUBMIT: {MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE},
}


def _message_type(interaction: PendingInteraction) -> int:
    if interaction.type == COMMAND:
        return 20 if interaction.command_type == 1 else 23
    return 0


def _source_message(ctx: Context, interaction: PendingInteraction) -> Message:
    message = ctx.world.messages.get(interaction.channel_id, {}).get(interaction.source_message_id or 0)
    if message is None or message.deleted:
        raise errors.unknown("Message")
    return message


def _check_modal(data: dict[str, Any]) -> None:
    custom_id, title = str(data.get("custom_id") or ""), str(data.get("title") or "")
    if not 1 <= len(custom_id) <= 100:
        raise errors.bad_length("data.custom_id", 1, 100)
    if not 1 <= len(title) <= 45:
        raise errors.bad_length("data.title", 1, 45)
    components = data.get("components") or []
    if not 1 <= len(components) <= 5:
        raise errors.bad_length("data.components", 1, 5)


def _check_choices(data: dict[str, Any]) -> list[dict[str, Any]]:
    choices = data.get("choices")
    if choices is None:
        raise errors.required("data.choices")
    if len(choices) > 25:
        raise errors.bad_length("data.choices", 0, 25)
    for index, choice in enumerate(choices):
        if not 1 <= len(str(choice.get("name", ""))) <= 100:
            raise errors.bad_length(f"data.choices.{index}.name", 1, 100)
        if "value" not in choice:
            raise errors.required(f"data.choices.{index}.value")
    return list(choices)


async def callback(ctx: Context) -> web.StreamResponse:
    """Answer an interaction: within the deadline, once, with a type its kind allows."""
    store = ctx.state.interactions
    interaction = store.for_callback(ctx.id("interaction_id"), ctx.param("interaction_token"))
    body, uploads = await ctx.payload()
    kind = body.get("type")
    if kind is None:
        raise errors.required("type")
    kind = int(kind)
    allowed = set(_ALLOWED.get(interaction.type, set()))
    if interaction.type == MODAL_SUBMIT and interaction.source_message_id is None:
        allowed -= {DEFERRED_UPDATE, UPDATE}
    if kind not in allowed:
        raise errors.invalid_form_body(
            "type",
            "INTERACTION_RESPONSE_TYPE_INVALID" if kind != PONG else "BASE_TYPE_CHOICES",
            f"Interaction response type {kind} is not valid for interaction type {interaction.type}.",
        )
    data = body.get("data") or {}
    channel = ctx.world.channels[interaction.channel_id]
    message: Message | None = None
    if kind == MESSAGE:
        message = await create_message(
            ctx.state,
            channel,
            ctx.world.bot.id,
            data,
            uploads,
            type=_message_type(interaction),
            webhook_id=ctx.world.application_id,
            interaction_metadata=interaction.metadata(),
            flags=int(data.get("flags") or 0) & EPHEMERAL,
        )
        interaction.original_message_id = message.id
    elif kind == DEFERRED_MESSAGE:
        message = await create_message(
            ctx.state,
            channel,
            ctx.world.bot.id,
            {},
            {},
            type=_message_type(interaction),
            webhook_id=ctx.world.application_id,
            interaction_metadata=interaction.metadata(),
            flags=LOADING | (int(data.get("flags") or 0) & EPHEMERAL),
        )
        interaction.original_message_id = message.id
    elif kind == DEFERRED_UPDATE:
        interaction.original_message_id = _source_message(ctx, interaction).id
    elif kind == UPDATE:
        message = _source_message(ctx, interaction)
        await edit_message(ctx.state, message, data, uploads)
        interaction.original_message_id = message.id
    elif kind == AUTOCOMPLETE_RESULT:
        data = {"choices": _check_choices(data)}
    elif kind == MODAL:
        _check_modal(data)
    store.responded(interaction, kind, data)
    if not ctx.query_bool("with_response"):
        return no_content()
    original = ctx.world.messages.get(channel.id, {}).get(interaction.original_message_id or 0)
    answer: dict[str, Any] = {
        "interaction": {
            "id": str(interaction.id),
            "type": interaction.type,
            "activity_instance_id": None,
            "response_message_loading": kind == DEFERRED_MESSAGE,
            "response_message_ephemeral": bool(original is not None and original.flags & EPHEMERAL),
        }
    }
    if original is not None and kind in (MESSAGE, DEFERRED_MESSAGE, UPDATE):
        answer["interaction"]["response_message_id"] = str(original.id)
    if kind in (MESSAGE, UPDATE) and message is not None:
        answer["resource"] = {"type": kind, "message": serialize.message(ctx.world, message)}
    return json_response(answer)


def _webhook_message(ctx: Context, interaction: PendingInteraction, which: str) -> Message:
    message_id = interaction.original_message_id if which == "@original" else int(which)
    if (
        which != "@original"
        and message_id not in interaction.followup_ids
        and message_id != interaction.original_message_id
    ):
        raise errors.unknown("Message")
    message = ctx.world.messages.get(interaction.channel_id, {}).get(message_id or 0)
    if message is None or message.deleted:
        raise errors.unknown("Message")
    return message


def _interaction(ctx: Context) -> PendingInteraction:
    return ctx.state.interactions.for_webhook(ctx.id("webhook_id"), ctx.param("webhook_token"))


async def followup(ctx: Context) -> web.StreamResponse:
    """A followup message (after a deferred answer still loading, it edits the original instead)."""
    interaction = _interaction(ctx)
    body, uploads = await ctx.payload()
    original = ctx.world.messages.get(interaction.channel_id, {}).get(interaction.original_message_id or 0)
    if interaction.response_type == DEFERRED_MESSAGE and original is not None and original.flags & LOADING:
        await edit_message(ctx.state, original, {k: v for k, v in body.items() if k != "flags"}, uploads)
        ctx.state.interactions.changed(interaction, "edit_original")
        return json_response(serialize.message(ctx.world, original))
    channel = ctx.world.channels[interaction.channel_id]
    message = await create_message(
        ctx.state,
        channel,
        ctx.world.bot.id,
        body,
        uploads,
        webhook_id=ctx.world.application_id,
        interaction_metadata=interaction.metadata(),
        flags=int(body.get("flags") or 0) & EPHEMERAL,
    )
    interaction.followup_ids.append(message.id)
    ctx.state.interactions.changed(interaction, "followup")
    return json_response(serialize.message(ctx.world, message))


async def get_webhook_message(ctx: Context) -> web.StreamResponse:
    """The original response or a followup."""
    interaction = _interaction(ctx)
    return json_response(
        serialize.message(
            ctx.world,
            _webhook_message(ctx, interaction, ctx.request.match_info.get("message_id", "@original")),
        )
    )


async def edit_webhook_message(ctx: Context) -> web.StreamResponse:
    """Edit the original response or a followup."""
    interaction = _interaction(ctx)
    which = ctx.request.match_info.get("message_id", "@original")
    message = _webhook_message(ctx, interaction, which)
    body, uploads = await ctx.payload()
    await edit_message(ctx.state, message, body, uploads)
    ctx.state.interactions.changed(interaction, "edit_original" if which == "@original" else "edit_followup")
    return json_response(serialize.message(ctx.world, message))


async def delete_webhook_message(ctx: Context) -> web.StreamResponse:
    """Delete the original response or a followup."""
    interaction = _interaction(ctx)
    which = ctx.request.match_info.get("message_id", "@original")
    message = _webhook_message(ctx, interaction, which)
    await delete_message(ctx.state, message)
    ctx.state.interactions.changed(
        interaction, "delete_original" if which == "@original" else "delete_followup"
    )
    return no_content()


_WEBHOOK = "/webhooks/{webhook_id}/{webhook_token}"
ROUTES = [
    Route(
        "POST",
        "/interactions/{interaction_id}/{interaction_token}/callback",
        callback,
        auth="none",
        ratelimited=False,
    ),
    Route("POST", _WEBHOOK, followup, auth="none"),
    *(
        Route(method, _WEBHOOK + "/messages/" + which, handler, auth="none")
        for which in ("@original", "{message_id}")
        for method, handler in (
            ("GET", get_webhook_message),
            ("PATCH", edit_webhook_message),
            ("DELETE", delete_webhook_message),
        )
    ),
]
