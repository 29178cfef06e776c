"""Per-guild plugin gating and failure isolation for commands and listeners.

A disabled plugin's commands answer that it is disabled and its listeners do not fire in that guild; an exception
raised by a plugin is logged with the plugin's name, counted, answered, and never reaches the shard.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Any

import hikari
import lightbulb
from lightbulb.loaders import _ListenerLoadable
from prometheus_client import Counter

from tatiana.bot.messages import message

if TYPE_CHECKING:
    from tatiana.guild_plugins import GuildPluginService

log = logging.getLogger(__name__)

PLUGIN_ERRORS = Counter("tatiana_plugin_errors_total", "Exceptions raised by plugins", ["plugin", "kind"])
COMMANDS_RUN = Counter("tatiana_commands_total", "Commands invoked", ["plugin", "command", "outcome"])
GATED = Counter(
    "tatiana_plugin_gated_total", "Commands and events refused because the plugin is off", ["plugin", "kind"]
)


class PluginDisabledError(Exception):
    """The command's plugin is switched off in the guild it was used in."""

    def __init__(self, plugin: str) -> None:
        super().__init__(plugin)
        self.plugin = plugin


class PluginGate:
    """Knows which plugin owns each command and checks the guild's switch before anything of a plugin runs."""

    def __init__(self, service: GuildPluginService, language: Callable[[int | None], Awaitable[str]]) -> None:
        self.service = service
        self.language = language
        self.command_owner: dict[str, str] = {}  # root command name -> plugin name

    def claim_commands(self, plugin: str, names: set[str]) -> None:
        """Record that the root commands ``names`` belong to ``plugin``."""
        for name in names:
            self.command_owner[name] = plugin

    def owner_of(self, context: lightbulb.Context) -> str | None:
        """The plugin owning the command being run, by its root name."""
        return self.command_owner.get(context.command_data.qualified_name.split(" ", 1)[0])

    def hook(self) -> lightbulb.ExecutionHook:
        """A CHECKS-step hook for every command: refuses a command whose plugin is off in the guild."""

        @lightbulb.hook(lightbulb.ExecutionSteps.CHECKS, skip_when_failed=True, name="tatiana-plugin-gate")
        async def gate(_: lightbulb.ExecutionPipeline, context: lightbulb.Context) -> None:
            plugin = self.owner_of(context)
            if plugin is None or context.guild_id is None:
                return
            if not await self.is_enabled(int(context.guild_id), plugin):
                GATED.labels(plugin, "command").inc()
                raise PluginDisabledError(plugin)

        return gate

    async def handle_error(self, failure: lightbulb.exceptions.ExecutionPipelineFailedException) -> bool:
        """Error handler: answer a refused or failed command in the guild's language; log and count failures."""
        context = failure.context
        plugin = self.owner_of(context) or "core"
        command = context.command_data.qualified_name
        locale = await self.language(int(context.guild_id) if context.guild_id else None)
        disabled = next((c for c in failure.causes if isinstance(c, PluginDisabledError)), None)
        if disabled is not None:
            COMMANDS_RUN.labels(plugin, command, "disabled").inc()
            await _answer(context, message(locale, "plugin_disabled", plugin=disabled.plugin))
            return True
        for cause in failure.causes:
            PLUGIN_ERRORS.labels(plugin, "command").inc()
            log.error(
                "plugin %s: command /%s raised",
                plugin,
                command,
                exc_info=(type(cause), cause, cause.__traceback__),
            )
        COMMANDS_RUN.labels(plugin, command, "error").inc()
        await _answer(context, message(locale, "plugin_error", plugin=plugin))
        return True

    def attach(self, app: hikari.RESTAware) -> None:
        """Gate the guarded listeners with this gate for every event ``app`` dispatches."""
        _GATES[app] = self

    def detach(self, app: hikari.RESTAware) -> None:
        """Stop gating ``app``'s events with this gate."""
        if _GATES.get(app) is self:
            del _GATES[app]

    async def is_enabled(self, guild_id: int, plugin: str) -> bool:
        """Whether ``plugin`` is on in the guild (concurrent uncached asks share one read, in order)."""
        cached = self.service.is_enabled_cached(guild_id, plugin)
        if cached is not None:
            return cached
        return await self.service.is_enabled(guild_id, plugin)

    async def allows(self, plugin: str, guild_id: int) -> bool:
        """Whether ``plugin`` may react to an event of the guild; counts a refusal."""
        enabled = await self.is_enabled(guild_id, plugin)
        if not enabled:
            GATED.labels(plugin, "listener").inc()
        return enabled

    @staticmethod
    def guard_listeners(plugin: str, loader: lightbulb.Loader) -> None:
        """Wrap the listeners of ``loader`` so they skip guilds where ``plugin`` is off and never raise.

        A loader is a module-level object that several bots of one process may load; lightbulb's subscribed
        wrapper reads the loadable's callback on every call, so the callback is wrapped once and finds the
        gate of the bot that received the event (``attach``) through ``event.app``.
        """
        for loadable in loader._loadables:
            if isinstance(loadable, _ListenerLoadable) and not getattr(
                loadable._callback, "__tatiana_guarded__", False
            ):
                loadable._callback = _guarded(plugin, loadable._callback)


# The gate of each running bot, by its hikari app (GatewayBot has no __weakref__ slot).
_GATES: dict[object, PluginGate] = {}


def guard_autocomplete(plugin: str, loader: lightbulb.Loader) -> None:
    """Wrap the autocomplete providers of ``loader``'s commands so they suggest nothing where ``plugin`` is off.

    Lightbulb runs autocomplete outside the execution pipeline, so the CHECKS hook never sees it. Like the
    listeners, a provider is wrapped once and finds the gate of the bot that received the interaction.
    """
    for loadable in loader._loadables:
        for command in _commands(getattr(loadable, "_command", None)):
            for option in command._command_data.options.values():
                provider = option.autocomplete_provider
                if provider is not hikari.UNDEFINED and not getattr(provider, "__tatiana_guarded__", False):
                    option.autocomplete_provider = _gated_provider(plugin, provider)


def _commands(item: Any) -> Iterator[Any]:
    """The command classes of a loaded item: itself, or a group's subcommands, recursively."""
    if item is None:
        return
    if isinstance(item, lightbulb.Group | lightbulb.SubGroup):
        for sub in item.subcommands.values():
            yield from _commands(sub)
    elif hasattr(item, "_command_data"):
        yield item


def _gated_provider(plugin: str, provider: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    @functools.wraps(provider)
    async def gated(context: lightbulb.AutocompleteContext[Any], *args: Any, **kwargs: Any) -> Any:
        gate = _GATES.get(context.client.app)
        guild_id = context.interaction.guild_id
        if gate is not None and guild_id is not None and not await gate.is_enabled(int(guild_id), plugin):
            GATED.labels(plugin, "autocomplete").inc()
            await context.respond([])
            return None
        return await provider(context, *args, **kwargs)

    gated.__tatiana_guarded__ = True  # type: ignore[attr-defined]
    return gated


def _guarded(plugin: str, callback: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    @functools.wraps(callback)
    async def guarded(event: hikari.Event, *args: Any, **kwargs: Any) -> Any:
        # An app without a gate is not a TatianaBot: nothing to gate, but the shard is still protected.
        gate = _GATES.get(getattr(event, "app", None))
        guild_id = getattr(event, "guild_id", None)
        try:
            if gate is not None and guild_id is not None and not await gate.allows(plugin, int(guild_id)):
                return None
            return await callback(event, *args, **kwargs)
        except Exception:
            PLUGIN_ERRORS.labels(plugin, "listener").inc()
            log.exception(
                "plugin %s: listener %s for %s raised",
                plugin,
                callback.__qualname__,
                type(event).__name__,
            )
            return None

    guarded.__tatiana_guarded__ = True  # type: ignore[attr-defined]
    return guarded


async def _answer(context: lightbulb.Context, text: str) -> None:
    try:
        await context.respond(text, flags=hikari.MessageFlag.EPHEMERAL)
    except Exception:
        log.exception("could not answer /%s", context.command_data.qualified_name)
