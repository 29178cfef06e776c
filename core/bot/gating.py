"""Per-guild plugin gating and failure isolation for commands and listeners.

A disabled plugin's commands answer that it is disabled and its listeners do not fire in that guild; an exception
raised by a plugin is logged with the plugin's name, counted, answered, and never reaches the shard. Plugin
listeners run through one ``ListenerDispatch`` per bot (see ``tatiana.bot.listener_dispatch``).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Any, cast

import hikari
import lightbulb
from lightbulb.loaders import _ListenerLoadable
from prometheus_client import Counter

from tatiana.bot.gated_components import RUNNING_PLUGIN
from tatiana.bot.listener_dispatch import Callback, Handler, ListenerDispatch, PluginListener
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
        self._dispatch: ListenerDispatch | None = None
        self._refused: dict[str, dict[str, Any]] = {}  # kind -> plugin -> GATED's child

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
                self.refused(plugin, "command")
                raise PluginDisabledError(plugin)
            RUNNING_PLUGIN.set(plugin)  # the views this command starts are the plugin's

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

    def enabled_cached(self, guild_id: int, plugin: str) -> bool | None:
        """Whether ``plugin`` is on in the guild, from the cache alone; None if it must be read."""
        return self.service.is_enabled_cached(guild_id, plugin)

    def refused(self, plugin: str, kind: str) -> None:
        """Count a command, event or autocomplete of ``plugin`` refused because it is off."""
        children = self._refused.setdefault(kind, {})
        child = children.get(plugin)
        if child is None:
            child = children[plugin] = GATED.labels(plugin, kind)
        child.inc()

    @staticmethod
    def listener_failed(plugin: str, listener: str, event: hikari.Event) -> None:
        """Log (with the exception being handled) and count a listener of ``plugin`` that raised."""
        PLUGIN_ERRORS.labels(plugin, "listener").inc()
        log.exception("plugin %s: listener %s for %s raised", plugin, listener, type(event).__name__)

    def listeners(self, client: lightbulb.Client, events: hikari.api.EventManager) -> ListenerDispatch:
        """The bot's plugin listeners, subscribed with ``events`` (made on first use)."""
        if self._dispatch is None:
            self._dispatch = ListenerDispatch(self, client, events)
        return self._dispatch

    @staticmethod
    def guard_listeners(plugin: str, loader: lightbulb.Loader) -> None:
        """Make the listeners of ``loader`` skip guilds where ``plugin`` is off and never raise.

        A loader is a module-level object that several bots of one process may load: each lightbulb listener
        item is replaced, once, by a ``GatedListener`` that joins the listeners of the bot loading it.
        """
        for index, loadable in enumerate(loader._loadables):
            if isinstance(loadable, _ListenerLoadable):
                callback = cast("Callback", loadable._callback)
                loader._loadables[index] = GatedListener(plugin, callback, loadable._event_types)


class GatedListener(lightbulb.Loadable):
    """A plugin's listener, heard through the bot's ``ListenerDispatch`` when a TatianaBot loads it."""

    def __init__(self, plugin: str, callback: Callback, event_types: tuple[type[hikari.Event], ...]) -> None:
        self.listener = PluginListener(plugin, callback)
        self.event_types = event_types
        self._fallbacks: dict[lightbulb.Client, Handler] = {}

    async def load(self, client: lightbulb.Client) -> None:
        """Join the bot's listeners; on a client that is not a TatianaBot's, subscribe it alone, isolated."""
        events = getattr(client.app, "event_manager", None)
        if not isinstance(events, hikari.api.EventManager):
            log.warning("plugin %s: listener %s not loaded, the app has no events", *self._names)
            return
        gate = _GATES.get(client.app)
        if gate is not None:
            gate.listeners(client, events).add(self.listener, self.event_types)
            return
        if client not in self._fallbacks:
            self._fallbacks[client] = fallback = _isolated(client, self.listener)
            for event_type in self.event_types:
                events.subscribe(event_type, fallback)

    async def unload(self, client: lightbulb.Client) -> None:
        """Leave the bot's listeners (or unsubscribe the lone listener)."""
        events = getattr(client.app, "event_manager", None)
        if not isinstance(events, hikari.api.EventManager):
            return
        gate = _GATES.get(client.app)
        if gate is not None:
            gate.listeners(client, events).remove(self.listener, self.event_types)
        fallback = self._fallbacks.pop(client, None)
        if fallback is not None:
            for event_type in self.event_types:
                events.unsubscribe(event_type, fallback)

    @property
    def _names(self) -> tuple[str, str]:
        return self.listener.plugin, self.listener.name


def _isolated(client: lightbulb.Client, listener: PluginListener) -> Handler:
    """``listener`` in an injection context of its own, its exceptions logged and counted."""

    async def isolated(event: hikari.Event) -> None:
        try:
            async with (
                client.di.enter_context(lightbulb.di.Contexts.DEFAULT),
                client.di.enter_context(lightbulb.di.Contexts.LISTENER),
            ):
                await listener.callback(event)
        except Exception:
            PluginGate.listener_failed(listener.plugin, listener.name, event)

    return isolated


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
            gate.refused(plugin, "autocomplete")
            await context.respond([])
            return None
        return await provider(context, *args, **kwargs)

    gated.__tatiana_guarded__ = True  # type: ignore[attr-defined]
    return gated


async def _answer(context: lightbulb.Context, text: str) -> None:
    try:
        await context.respond(text, flags=hikari.MessageFlag.EPHEMERAL)
    except Exception:
        log.exception("could not answer /%s", context.command_data.qualified_name)
