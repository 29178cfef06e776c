"""Application command sync that overwrites a scope only when its commands really changed."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from typing import Any

import hikari
import lightbulb
from lightbulb.internal import constants as lightbulb_constants
from lightbulb.internal import sync as lightbulb_sync

log = logging.getLogger(__name__)


async def sync_commands(client: lightbulb.Client, entities: hikari.api.EntityFactory) -> int:
    """Overwrite the commands of each scope that differ from the client's; returns how many scopes changed.

    Relies on lightbulb 3.2 internals to build the same command objects its own sync would.
    """
    application = await client._ensure_application()
    default_types = list(application.integration_types_config)
    scopes: list[hikari.UndefinedOr[hikari.Snowflakeish]] = [hikari.UNDEFINED]
    scopes += [g for g in client._command_invocation_mapping if g != lightbulb_constants.GLOBAL_COMMAND_KEY]
    client._created_commands.clear()
    overwritten = 0
    for scope in scopes:
        key = lightbulb_constants.GLOBAL_COMMAND_KEY if scope is hikari.UNDEFINED else scope
        # Fetches the scope's commands into client._created_commands and builds the plugins' ones.
        _, registered = await lightbulb_sync._get_existing_and_registered_commands(
            client, application, scope, default_types
        )
        existing = client._created_commands.get(key, ())
        wanted = [b for c in registered.values() for b in (c.slash, c.user, c.message) if b is not None]
        if _shapes(existing, entities) == _shapes(wanted, entities):
            log.info("%s application commands unchanged (%d)", _scope_name(scope), len(wanted))
            continue
        client._created_commands[key] = await client.rest.set_application_commands(
            application, wanted, guild=scope
        )
        overwritten += 1
        log.info("%s application commands overwritten (%d)", _scope_name(scope), len(wanted))
    return overwritten


def _scope_name(scope: hikari.UndefinedOr[hikari.Snowflakeish]) -> str:
    return "global" if scope is hikari.UNDEFINED else f"guild {scope}'s"


def _shapes(
    commands: Iterable[hikari.PartialCommand | hikari.api.CommandBuilder], entities: hikari.api.EntityFactory
) -> list[str]:
    """What Discord stores of each command, as canonical JSON, the same for a fetched command and a builder.

    Lightbulb's own comparison leaves out description localizations (so a localized command always looks
    changed) and default member permissions (so a permission change is never sent).
    """
    return sorted(_shape(command, entities) for command in commands)


def _shape(
    command: hikari.PartialCommand | hikari.api.CommandBuilder, entities: hikari.api.EntityFactory
) -> str:
    options = getattr(command, "options", None) or ()
    permissions = command.default_member_permissions
    shape = {
        "type": int(command.type),
        "name": command.name,
        "description": getattr(command, "description", None),
        "options": [entities.serialize_command_option(option) for option in options],
        "name_localizations": dict(command.name_localizations or {}),
        "description_localizations": dict(getattr(command, "description_localizations", None) or {}),
        # hikari sends a builder's 0 as null (everyone) and reads Discord's null as 0.
        "default_member_permissions": 0 if permissions is hikari.UNDEFINED else int(permissions),
        "nsfw": command.is_nsfw is True,
        "integration_types": sorted(int(t) for t in command.integration_types or ()),
        "contexts": sorted(int(c) for c in command.context_types or ()),
    }
    return json.dumps(_without_empty(shape), sort_keys=True)


def _without_empty(value: Any) -> Any:
    """``value`` without None, False and empty collections, which Discord treats as absent."""
    if isinstance(value, dict):
        kept = {k: _without_empty(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v is not None and v is not False and v not in ([], {})}
    if isinstance(value, list | tuple):
        return [_without_empty(v) for v in value]
    return value
