"""Installed plugins, and each guild's switches and settings (for the guild's managers)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Controller, get, put
from litestar.di import NamedDependency, Provide
from litestar.exceptions import (
    ClientException,
    HTTPException,
    NotFoundException,
)
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_422_UNPROCESSABLE_ENTITY

from tatiana.api.access_tokens import AccessClaims
from tatiana.api.dependencies import BEARER_SCHEME, provide_caller
from tatiana.api.roles import MANAGER_REFUSALS, provide_managed_guild
from tatiana.api.services import ApiServices
from tatiana.guild_plugins import GuildPluginState, SettingsValidationError, UnknownPluginError


@dataclass
class PluginOut:
    """An installed plugin, how it loaded, and the JSON schema of its settings (None if it did not load)."""

    name: str
    version: str | None
    description: str | None
    distribution: str
    status: str
    error: str | None
    settings_schema: dict[str, Any] | None


@dataclass
class GuildPluginOut:
    """A plugin's state in one guild."""

    name: str
    enabled: bool
    settings: dict[str, Any]


@dataclass
class GuildPluginChange:
    """Turn the plugin on or off, and/or change some of its settings (top-level fields)."""

    enabled: bool | None = None
    settings: dict[str, Any] | None = None


class _SettingsRefused(HTTPException):
    """The plugin's settings model refused the new settings (422, with the field errors)."""

    status_code = HTTP_422_UNPROCESSABLE_ENTITY


def _out(name: str, state: GuildPluginState) -> GuildPluginOut:
    return GuildPluginOut(name, state.enabled, state.settings.model_dump(mode="json"))


@get("/api/plugins", tags=["plugins"], sync_to_thread=False)
def list_plugins(services: NamedDependency[ApiServices]) -> list[PluginOut]:
    """Every installed plugin, including those that failed to load."""
    out = []
    for record in services.registry.records:
        plugin = record.plugin
        out.append(
            PluginOut(
                name=record.name,
                version=plugin.version if plugin else record.distribution_version,
                description=plugin.description if plugin else None,
                distribution=record.distribution,
                status=record.status.value,
                error=record.error,
                settings_schema=plugin.settings_schema() if plugin and record.usable else None,
            )
        )
    return out


class GuildPluginController(Controller):
    """``/api/guilds/{guild_id}/plugins``: only for the guild's owner and members with MANAGE_GUILD."""

    path = "/api/guilds/{guild_id:int}/plugins"
    tags = ["plugins"]
    security = [{BEARER_SCHEME: []}]
    dependencies = {
        "caller": Provide(provide_caller, sync_to_thread=False),
        "guild": Provide(provide_managed_guild),
    }

    @get("/", raises=MANAGER_REFUSALS)
    async def states(
        self, guild: NamedDependency[int], services: NamedDependency[ApiServices]
    ) -> list[GuildPluginOut]:
        """Every usable plugin's switch and settings in the guild."""
        states = await services.guild_plugins.states(guild)
        return [_out(name, state) for name, state in sorted(states.items())]

    @put("/{name:str}", raises=[*MANAGER_REFUSALS, NotFoundException, _SettingsRefused])
    async def change(
        self,
        guild: NamedDependency[int],
        name: FromPath[str],
        data: JSONBody[GuildPluginChange],
        caller: NamedDependency[AccessClaims],
        services: NamedDependency[ApiServices],
    ) -> GuildPluginOut:
        """Apply the change (settings first: invalid ones save nothing) and publish it to every shard."""
        if data.enabled is None and data.settings is None:
            raise ClientException("give enabled, settings, or both")
        plugins = services.guild_plugins
        try:
            if data.settings is not None:
                await plugins.update_settings(guild, name, data.settings, by=caller.user_id)
            if data.enabled is True:
                await plugins.enable(guild, name, by=caller.user_id)
            elif data.enabled is False:
                await plugins.disable(guild, name, by=caller.user_id)
            state = GuildPluginState(
                await plugins.is_enabled(guild, name), await plugins.settings(guild, name)
            )
        except UnknownPluginError as exc:
            raise NotFoundException(str(exc)) from None
        except SettingsValidationError as exc:
            errors = [{"loc": ["settings", *e["loc"]], "msg": e["msg"]} for e in exc.errors]
            raise _SettingsRefused(str(exc), extra={"errors": errors}) from None
        return _out(name, state)
