"""The tools of a guild's enabled plugins, offered to the model for one member and run with their rights."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import hikari

from tatiana import Database, GuildTools, ToolCall
from tatiana.ai_tools import OfferedTool
from tatiana_ai.gemini import FunctionCall, ToolSpec

MAX_TOOL_ROUNDS = 3
"""Rounds of tool calls per answer at most; the last request offers no tool, so the model must answer."""


@dataclass
class Toolbox:
    """The tools offered to one member's question, and the context their calls run in."""

    tools: GuildTools
    context: ToolCall
    offered: dict[str, OfferedTool] = field(default_factory=dict)

    @classmethod
    async def for_member(
        cls,
        tools: GuildTools,
        *,
        guild_id: int,
        channel_id: int,
        user_id: int,
        permissions: hikari.Permissions,
        database: Database,
        rest: hikari.api.RESTClient,
    ) -> Toolbox:
        """The tools of the plugins on in the guild that the member may use, run with their ``permissions``."""
        context = ToolCall(
            guild_id=guild_id,
            channel_id=channel_id,
            user_id=user_id,
            permissions=permissions,
            arguments=None,
            database=database,
            rest=rest,
        )
        offered = await tools.offered(guild_id, permissions)
        return cls(tools, context, {tool.name: tool for tool in offered})

    def specs(self) -> tuple[ToolSpec, ...]:
        """The offered tools as the model sees them."""
        return tuple(
            ToolSpec(name, offered.tool.description, offered.tool.schema())
            for name, offered in self.offered.items()
        )

    async def run(self, call: FunctionCall) -> dict[str, Any]:
        """The answer to one call the model asked for (an ``error`` entry when it cannot be run)."""
        offered = self.offered.get(call.name)
        if offered is None:
            return {"error": f"there is no tool named {call.name!r}"}
        return await self.tools.call(offered, call.arguments, self.context)


def guild_permissions(member: hikari.Member | None, guild: hikari.Guild | None) -> hikari.Permissions:
    """A member's server-wide permissions from the bot's cache: owner and administrators have them all."""
    if member is None or guild is None:
        return hikari.Permissions.NONE
    if member.id == guild.owner_id:
        return hikari.Permissions.all_permissions()
    permissions = hikari.Permissions.NONE
    everyone = guild.get_role(guild.id)
    for role in [*([everyone] if everyone else []), *member.get_roles()]:
        permissions |= role.permissions
    if permissions & hikari.Permissions.ADMINISTRATOR:
        return hikari.Permissions.all_permissions()
    return permissions
