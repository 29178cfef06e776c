"""Application commands, global and per guild: list, create (upsert by name), get, edit, delete, bulk overwrite."""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web

from tatiana.testing.sandbox import serialize
from tatiana.testing.sandbox.rest import errors
from tatiana.testing.sandbox.rest.base import Context, Route, json_response, no_content
from tatiana.testing.sandbox.world import ApplicationCommand

CHAT_INPUT, USER, MESSAGE = 1, 2, 3
_NAME = re.compile(r"^[-_'\w]{1,32}$")
_LIMITS = {CHAT_INPUT: 100, USER: 15, MESSAGE: 15}


def _scope(ctx: Context) -> int | None:
    if ctx.id("application_id") != ctx.world.application_id:
        raise errors.missing_access()
    if "guild_id" in ctx.request.match_info:
        return ctx.guild().id
    return None


def _in_scope(ctx: Context, guild_id: int | None) -> list[ApplicationCommand]:
    return [c for c in ctx.world.commands.values() if c.guild_id == guild_id]


def _command(ctx: Context, guild_id: int | None) -> ApplicationCommand:
    command = ctx.world.commands.get(ctx.id("command_id"))
    if command is None or command.guild_id != guild_id:
        raise errors.unknown("Application Command")
    return command


def _check_option(option: Any, where: str) -> None:
    if not isinstance(option, dict):
        raise errors.invalid_form_body(
            where, "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType"
        )
    if option.get("type") not in range(1, 12):
        raise errors.invalid_form_body(f"{where}.type", "BASE_TYPE_CHOICES", "Value must be one of 1..11.")
    name = str(option.get("name") or "")
    if not _NAME.match(name) or name != name.lower():
        raise errors.invalid_form_body(
            f"{where}.name", "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid"
        )
    if not 1 <= len(str(option.get("description") or "")) <= 100:
        raise errors.bad_length(f"{where}.description", 1, 100)
    if len(option.get("choices") or []) > 25:
        raise errors.bad_length(f"{where}.choices", 0, 25)
    for index, sub in enumerate(option.get("options") or []):
        _check_option(sub, f"{where}.options.{index}")


def _clean_option(option: dict[str, Any]) -> dict[str, Any]:
    cleaned = {k: v for k, v in option.items() if v is not None}
    if cleaned.get("required") is False:
        del cleaned["required"]
    if "options" in cleaned:
        cleaned["options"] = [_clean_option(o) for o in cleaned["options"]]
    for key in ("name_localizations", "description_localizations"):
        if key in cleaned and not cleaned[key]:
            cleaned[key] = None
    return cleaned


def _checked(
    body: dict[str, Any], existing: ApplicationCommand | None = None, where: str = ""
) -> dict[str, Any]:
    prefix = f"{where}." if where else ""
    kind = int(body.get("type") or (existing.type if existing else CHAT_INPUT))
    name = body.get("name", existing.name if existing else None)
    if not name:
        raise errors.required(f"{prefix}name")
    name = str(name)
    if kind == CHAT_INPUT and (not _NAME.match(name) or name != name.lower()):
        raise errors.invalid_form_body(
            f"{prefix}name", "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid"
        )
    if not 1 <= len(name) <= 32:
        raise errors.bad_length(f"{prefix}name", 1, 32)
    description = str(body.get("description", existing.description if existing else "") or "")
    if kind == CHAT_INPUT and not 1 <= len(description) <= 100:
        raise errors.bad_length(f"{prefix}description", 1, 100)
    if kind != CHAT_INPUT and description:
        raise errors.invalid_form_body(
            f"{prefix}description",
            "APPLICATION_COMMAND_CONTEXT_MENU_DESCRIPTION",
            "Context menu commands cannot have a description",
        )
    options = body.get("options", existing.options if existing else []) or []
    if len(options) > 25:
        raise errors.bad_length(f"{prefix}options", 0, 25)
    for index, option in enumerate(options):
        _check_option(option, f"{prefix}options.{index}")
    permissions = body.get(
        "default_member_permissions", existing.default_member_permissions if existing else None
    )
    fields: dict[str, Any] = {
        "type": kind,
        "name": name,
        "description": description,
        "options": [_clean_option(o) for o in options],
        "default_member_permissions": None if permissions is None else str(int(permissions)),
        "nsfw": bool(body.get("nsfw", existing.nsfw if existing else False)),
        "dm_permission": bool(body.get("dm_permission", existing.dm_permission if existing else True)),
        "name_localizations": body.get(
            "name_localizations", existing.name_localizations if existing else None
        )
        or None,
        "description_localizations": (
            body.get("description_localizations", existing.description_localizations if existing else None)
            or None
        ),
        "contexts": body.get("contexts", existing.contexts if existing else None),
        "integration_types": body.get("integration_types", existing.integration_types if existing else None),
    }
    return fields


def _store(
    ctx: Context, guild_id: int | None, fields: dict[str, Any], command: ApplicationCommand | None
) -> ApplicationCommand:
    world = ctx.world
    if command is None:
        command = ApplicationCommand(
            id=world.snowflake(), application_id=world.application_id, name=fields["name"], guild_id=guild_id
        )
        world.commands[command.id] = command
    for key, value in fields.items():
        setattr(command, key, value)
    command.version = world.snowflake()
    return command


def _answer(ctx: Context, command: ApplicationCommand) -> dict[str, Any]:
    payload = serialize.application_command(command)
    if (
        not ctx.query_bool("with_localizations")
        and ctx.request.method == "GET"
        and "command_id" not in ctx.request.match_info
    ):
        payload.pop("name_localizations", None)
        payload.pop("description_localizations", None)
        payload["name_localized"] = command.name
        payload["description_localized"] = command.description
    return payload


def _check_limits(kinds: list[int]) -> None:
    for kind in set(kinds):
        if kinds.count(kind) > _LIMITS.get(kind, 100):
            raise errors.DiscordError(400, 30032, "Maximum number of application commands reached")


async def list_commands(ctx: Context) -> web.StreamResponse:
    """The commands of the scope (``with_localizations=true`` for the full localization dictionaries)."""
    guild_id = _scope(ctx)
    return json_response([_answer(ctx, c) for c in sorted(_in_scope(ctx, guild_id), key=lambda c: c.id)])


async def create_command(ctx: Context) -> web.StreamResponse:
    """Create a command, or overwrite the one with the same name and type (200 then, 201 when new)."""
    guild_id = _scope(ctx)
    fields = _checked(await ctx.json())
    existing = next(
        (c for c in _in_scope(ctx, guild_id) if c.name == fields["name"] and c.type == fields["type"]), None
    )
    if existing is None:
        _check_limits([*(c.type for c in _in_scope(ctx, guild_id)), fields["type"]])
    command = _store(ctx, guild_id, fields, existing)
    return json_response(_answer(ctx, command), 200 if existing else 201)


async def get_command(ctx: Context) -> web.StreamResponse:
    """One command (10063 when unknown in this scope)."""
    guild_id = _scope(ctx)
    return json_response(_answer(ctx, _command(ctx, guild_id)))


async def edit_command(ctx: Context) -> web.StreamResponse:
    """Change some fields of a command."""
    guild_id = _scope(ctx)
    command = _command(ctx, guild_id)
    fields = _checked(await ctx.json(), command)
    if any(
        c.name == fields["name"] and c.type == fields["type"] and c.id != command.id
        for c in _in_scope(ctx, guild_id)
    ):
        raise errors.DiscordError(
            400,
            50035,
            "Invalid Form Body",
            {
                "name": {
                    "_errors": [
                        {
                            "code": "APPLICATION_COMMANDS_DUPLICATE_NAME",
                            "message": "Application command names must be unique",
                        }
                    ]
                }
            },
        )
    return json_response(_answer(ctx, _store(ctx, guild_id, fields, command)))


async def delete_command(ctx: Context) -> web.StreamResponse:
    """Delete a command."""
    guild_id = _scope(ctx)
    command = _command(ctx, guild_id)
    del ctx.world.commands[command.id]
    return no_content()


async def overwrite_commands(ctx: Context) -> web.StreamResponse:
    """Replace every command of the scope; ones matching by id, or name and type, keep their id."""
    guild_id = _scope(ctx)
    items = await ctx.json_array()
    current = _in_scope(ctx, guild_id)
    by_id = {c.id: c for c in current}
    by_name = {(c.name, c.type): c for c in current}
    planned: list[tuple[dict[str, Any], ApplicationCommand | None]] = []
    seen: set[tuple[str, int]] = set()
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise errors.invalid_form_body(
                str(index), "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType"
            )
        fields = _checked(item, where=str(index))
        key = (fields["name"], fields["type"])
        if key in seen:
            raise errors.invalid_form_body(
                str(index), "APPLICATION_COMMANDS_DUPLICATE_NAME", "Application command names must be unique"
            )
        seen.add(key)
        existing = by_id.get(int(item["id"])) if item.get("id") else None
        planned.append((fields, existing or by_name.get(key)))
    _check_limits([fields["type"] for fields, _ in planned])
    kept = {existing.id for _, existing in planned if existing is not None}
    for command in current:
        if command.id not in kept:
            del ctx.world.commands[command.id]
    stored = [_store(ctx, guild_id, fields, existing) for fields, existing in planned]
    return json_response([_answer(ctx, c) for c in stored])


_GLOBAL = "/applications/{application_id}/commands"
_GUILD = "/applications/{application_id}/guilds/{guild_id}/commands"
ROUTES = [
    route
    for base in (_GLOBAL, _GUILD)
    for route in (
        Route("GET", base, list_commands),
        Route("POST", base, create_command),
        Route("PUT", base, overwrite_commands),
        Route("GET", base + "/{command_id}", get_command),
        Route("PATCH", base + "/{command_id}", edit_command),
        Route("DELETE", base + "/{command_id}", delete_command),
    )
]
