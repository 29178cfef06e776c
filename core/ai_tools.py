"""Functions a plugin offers the AI model, run on behalf of the member who asks (``Plugin(ai_tools=...)``)."""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import hikari
from pydantic import BaseModel, ValidationError

if TYPE_CHECKING:
    from tatiana.database import Database
    from tatiana.guild_plugins import GuildPluginService
    from tatiana.registry import PluginRegistry

log = logging.getLogger(__name__)

TOOL_NAME = re.compile(r"^[a-z][a-z0-9_]{0,40}$")


class ToolArgumentsError(ValueError):
    """The model called a tool with arguments its parameters model refuses."""


@dataclass(frozen=True)
class ToolCall:
    """One call of a tool: its validated arguments and the member it runs for, whose rights are its limits."""

    guild_id: int
    channel_id: int
    user_id: int
    permissions: hikari.Permissions
    """The member's permissions; a tool must not do for them what they could not do themselves."""
    arguments: BaseModel | None
    database: Database
    rest: hikari.api.RESTClient


@dataclass(frozen=True)
class AITool:
    """A function the AI model may call, e.g. the economy's ``balance``: "what is my balance?".

    ``parameters`` is a pydantic model of its arguments (its JSON schema is what the model sees), or None;
    ``permissions`` are what the member needs for the tool to be offered at all; ``run`` answers with a JSON
    object the model reads.
    """

    name: str
    description: str
    run: Callable[[ToolCall], Awaitable[Mapping[str, Any]]]
    parameters: type[BaseModel] | None = None
    permissions: hikari.Permissions = hikari.Permissions.NONE

    def __post_init__(self) -> None:
        if not TOOL_NAME.match(self.name):
            raise ValueError(f"AI tool name {self.name!r} must match {TOOL_NAME.pattern}")
        if not self.description.strip():
            raise ValueError(f"AI tool {self.name!r} needs a description: it is how the model chooses it")

    def schema(self) -> dict[str, Any]:
        """The JSON schema of the arguments (an empty object when there are none)."""
        if self.parameters is None:
            return {"type": "object", "properties": {}}
        return self.parameters.model_json_schema()

    def arguments(self, raw: Mapping[str, Any]) -> BaseModel | None:
        """The model's arguments, validated; raises ToolArgumentsError."""
        if self.parameters is None:
            return None
        try:
            return self.parameters.model_validate(dict(raw))
        except ValidationError as error:
            raise ToolArgumentsError(str(error)) from error


@dataclass(frozen=True)
class OfferedTool:
    """A tool as offered in one guild: named ``<plugin>__<tool>`` so that plugins never clash."""

    plugin: str
    tool: AITool

    @property
    def name(self) -> str:
        """The name the model calls it by."""
        return f"{self.plugin}__{self.tool.name}"


class GuildTools:
    """The AI tools of the plugins enabled in a guild; the AI plugin declares ``tools: GuildTools``."""

    def __init__(self, service: GuildPluginService, registry: PluginRegistry) -> None:
        self._service = service
        self._by_plugin = [(plugin.name, plugin.ai_tools) for plugin in registry if plugin.ai_tools]

    async def offered(self, guild_id: int, permissions: hikari.Permissions) -> list[OfferedTool]:
        """Tools of the plugins on in the guild whose permissions the member has."""
        offered = []
        for plugin, tools in self._by_plugin:
            if not await self._service.is_enabled(guild_id, plugin):
                continue
            offered += [
                OfferedTool(plugin, tool)
                for tool in tools
                if permissions & tool.permissions == tool.permissions
            ]
        return offered

    async def call(
        self, offered: OfferedTool, raw_arguments: Mapping[str, Any], context: ToolCall
    ) -> dict[str, Any]:
        """Run the tool for ``context``'s member with the model's arguments; its answer, or ``{"error": ...}``
        the model can read (arguments refused, permission missing, the tool failing)."""
        tool = offered.tool
        if context.permissions & tool.permissions != tool.permissions:
            return {"error": "the member lacks the permissions this tool needs"}
        try:
            call = dataclasses.replace(context, arguments=tool.arguments(raw_arguments))
        except ToolArgumentsError as error:
            return {"error": f"invalid arguments: {error}"}
        try:
            return dict(await tool.run(call))
        except Exception:
            log.exception("plugin %s: AI tool %s raised", offered.plugin, tool.name)
            return {"error": "the tool failed"}
