"""Per-guild settings and language for code that runs outside a command: listeners and background work."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from pydantic import BaseModel

from tatiana.plugin import NoSettings

if TYPE_CHECKING:
    import hikari

    from tatiana.bot.languages import GuildLanguages
    from tatiana.guild_plugins import GuildPluginService
    from tatiana.registry import PluginRegistry

SettingsT = TypeVar("SettingsT", bound=BaseModel)


class GuildSettings:
    """A guild's settings of a plugin, found by the plugin's settings model; listeners declare ``guild_settings: GuildSettings``.

    Commands get their guild's settings injected directly; a listener has no command context, so it asks
    for the guild of its event: ``settings = await guild_settings.get(LevelsSettings, event.guild_id)``.
    """

    def __init__(
        self, service: GuildPluginService, registry: PluginRegistry, languages: GuildLanguages
    ) -> None:
        self._service = service
        self._states = service.cached_states
        self._languages = languages
        self._plugins = {
            plugin.settings: plugin.name for plugin in registry if plugin.settings is not NoSettings
        }

    async def get(self, model: type[SettingsT], guild_id: hikari.Snowflakeish) -> SettingsT:
        """The guild's settings of the plugin whose settings model is ``model``: shared with every event of the
        guild until they change, so read them and do not modify them (``model_copy`` first if you must)."""
        plugin = self._plugins.get(model)
        if plugin is None:
            raise KeyError(f"no loaded plugin has the settings model {model.__qualname__}")
        return _checked(await self._service.current_settings(int(guild_id), plugin), model, plugin)

    def cached(self, model: type[SettingsT], guild_id: hikari.Snowflakeish) -> SettingsT | None:
        """``get`` from this process's cache alone, with no wait: None when they are not cached (``get`` then).
        For listeners that hear every message."""
        plugin = self._plugins.get(model)
        if plugin is None:
            raise KeyError(f"no loaded plugin has the settings model {model.__qualname__}")
        # A Snowflake is an int and finds the cached entry as one: no int() copy for every message. The cache is
        # read directly and the exact type tested here: each call saved is a tenth of a microsecond a message.
        state = self._states.get((guild_id, plugin))
        if state is None:
            return None
        settings = state.settings
        return settings if type(settings) is model else _checked(settings, model, plugin)

    async def language(self, guild_id: hikari.Snowflakeish | None) -> str:
        """The guild's language, ``"es"`` or ``"en"`` (the default for None)."""
        return await self._languages(None if guild_id is None else int(guild_id))


def _checked(settings: BaseModel, model: type[SettingsT], plugin: str) -> SettingsT:
    # The exact type first: pydantic's isinstance runs Python code, and listeners call this for every message.
    if type(settings) is not model and not isinstance(settings, model):
        raise TypeError(
            f"plugin {plugin}'s settings are a {type(settings).__qualname__}, not {model.__qualname__}"
        )
    return settings
