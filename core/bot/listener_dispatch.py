"""Plugin listeners behind one hikari subscription per event type: the guild's switches checked once per event.

Each plugin listener subscribed on its own would cost, for every event, a task and a dependency-injection
context of its own, and a gate check inside each. The bot instead subscribes once per event type; for each
event it keeps the listeners whose plugin is on in the event's guild, enters one injection context for them
all, and runs them side by side. A listener's exception is logged with its plugin's name and counted, and never
reaches the other listeners nor the shard.
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import types
import typing
from collections.abc import Awaitable, Callable, Coroutine, Generator, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import hikari
import lightbulb
import linkd
from linkd.solver import AutoInjecting

if TYPE_CHECKING:
    from tatiana.bot.gating import PluginGate

Callback = Callable[[hikari.Event], Awaitable[Any]]
"""A plugin's listener (with lightbulb's dependency injection)."""
Handler = Callable[[Any], Coroutine[Any, Any, None]]
"""What hikari subscribes."""


@dataclass(frozen=True, slots=True, eq=False)
class PluginListener:
    """One listener of one plugin (compared by identity: each is made once, by the plugin's loader item)."""

    plugin: str
    callback: Callback
    needs_listener_context: bool = field(init=False)
    """Whether the callback may ask for the listener injection context itself (see ``declares_container``)."""
    function: Callable[..., Coroutine[Any, Any, Any]] | None = field(init=False)
    """The coroutine function behind linkd's injecting wrapper, called directly with cached dependencies."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "needs_listener_context", declares_container(self.callback))
        object.__setattr__(self, "function", _injected_function(self.callback))

    @property
    def name(self) -> str:
        """The callback's qualified name, for logs."""
        return str(getattr(self.callback, "__qualname__", self.callback))


def _injected_function(callback: Callback) -> Callable[..., Coroutine[Any, Any, Any]] | None:
    """The coroutine function a linkd ``AutoInjecting`` wraps, if ``callback`` is one (not bound to an object)."""
    if not isinstance(callback, AutoInjecting) or getattr(callback, "_self", None) is not None:
        return None
    function = getattr(callback, "_func", None)
    return function if inspect.iscoroutinefunction(function) else None


def _guild_of(event: hikari.Event) -> int | None:
    """The guild an event happened in: an interaction's (a button pressed, a form sent) is on the interaction."""
    if isinstance(event, hikari.InteractionCreateEvent):
        return event.interaction.guild_id
    guild_id = getattr(event, "guild_id", None)
    return guild_id if isinstance(guild_id, int) else None


def declares_container(callback: Callback) -> bool:
    """Whether ``callback``'s parameters may ask for an injection container (``linkd.Container``,
    ``lightbulb.di.ListenerContainer``) or a dependency by name: True when its annotations cannot be read."""
    function = getattr(callback, "_func", callback)  # linkd's AutoInjecting keeps the function it wraps there
    try:
        hints = typing.get_type_hints(function, include_extras=True)
    except Exception:
        return True
    hints.pop("return", None)
    return any(_names_container(hint) for hint in hints.values())


def _names_container(hint: Any) -> bool:
    if isinstance(hint, str):
        return True
    if isinstance(hint, type) and issubclass(hint, linkd.Container):
        return True
    return any(_names_container(arg) for arg in typing.get_args(hint))


def _registrations(registry: linkd.Registry) -> dict[str, Any] | None:
    """The live mapping of what is registered in ``registry`` (linkd keeps one per registry), or None if linkd no
    longer says where it is."""
    nodes = getattr(getattr(registry, "_graph", None), "nodes", None)
    return nodes if isinstance(nodes, dict) else None


Call = tuple[tuple[Any, ...], dict[str, Any]]
"""A listener's injected dependencies as the arguments that follow the event: positional, then keyword-only."""


def _call(function: Callable[..., Any], injected: dict[str, Any]) -> Call:
    """``injected`` (by parameter name) as the arguments of ``function`` after its event, as positionally as its
    signature allows."""
    try:
        bound = inspect.signature(function).bind_partial(None, **injected)
    except (TypeError, ValueError):
        return (), injected
    return tuple(bound.args[1:]), dict(bound.kwargs)


@types.coroutine
def _resumed(started: Coroutine[Any, Any, None], awaited: Any) -> Generator[Any, Any, None]:
    """The rest of ``started``, a coroutine stepped by hand until it waited on ``awaited``: what a task runs."""
    try:
        yield awaited
    except BaseException as error:  # a cancellation is the coroutine's to handle, as if it had been a task
        try:
            awaited = started.throw(error)
        except StopIteration:
            return
        yield from _resumed(started, awaited)
        return
    yield from started


class ListenerDispatch:
    """Every gated plugin listener of one bot, by event type, each type subscribed once with hikari."""

    def __init__(self, gate: PluginGate, client: lightbulb.Client, events: hikari.api.EventManager) -> None:
        self._gate = gate
        self._di = client.di
        # Read at every event (something may be registered for listeners later), so found once.
        self._listener_registrations = _registrations(client.di.registry_for(lightbulb.di.Contexts.LISTENER))
        self._events = events
        self._listeners: dict[type[hikari.Event], tuple[PluginListener, ...]] = {}
        self._handlers: dict[type[hikari.Event], Handler] = {}
        self._injected: dict[PluginListener, tuple[linkd.Container, Call | None]] = {}

    def add(self, listener: PluginListener, event_types: Iterable[type[hikari.Event]]) -> None:
        """Let ``listener`` hear ``event_types`` (subscribing the first listener of a type with hikari)."""
        for event_type in event_types:
            current = self._listeners.get(event_type, ())
            if listener in current:
                continue
            self._listeners[event_type] = (*current, listener)
            if event_type not in self._handlers:
                self._handlers[event_type] = handler = self._handler(event_type)
                self._events.subscribe(event_type, handler)

    def remove(self, listener: PluginListener, event_types: Iterable[type[hikari.Event]]) -> None:
        """Stop ``listener`` hearing ``event_types`` (unsubscribing a type nobody listens to any more)."""
        self._injected.pop(listener, None)
        for event_type in event_types:
            remaining = tuple(x for x in self._listeners.get(event_type, ()) if x != listener)
            if remaining:
                self._listeners[event_type] = remaining
                continue
            self._listeners.pop(event_type, None)
            handler = self._handlers.pop(event_type, None)
            if handler is not None:
                self._events.unsubscribe(event_type, handler)

    def _handler(self, event_type: type[hikari.Event]) -> Handler:
        async def dispatch(event: hikari.Event) -> None:
            # Read at each event: a plugin loaded or unloaded meanwhile is heard, or not, from the next one.
            await self.dispatch(event, self._listeners.get(event_type, ()))

        dispatch.__name__ = dispatch.__qualname__ = f"tatiana_plugins_{event_type.__name__}"
        return dispatch

    async def dispatch(self, event: hikari.Event, listeners: tuple[PluginListener, ...]) -> None:
        """Run the listeners whose plugin is on in the event's guild (all of them for events of no guild)."""
        guild_id = _guild_of(event)
        if guild_id is not None:
            # A Snowflake finds the cached switches as the int it is: no int() copy at every event.
            kept = self._enabled_cached(guild_id, listeners)
            listeners = kept if kept is not None else await self._enabled(int(guild_id), listeners, event)
        if not listeners:
            return
        default = self._di.default_container
        if default is None or not linkd.DI_ENABLED or linkd.DI_CONTAINER.get(None) is not None:
            async with self._di.enter_context(lightbulb.di.Contexts.DEFAULT):
                await self._in_default_context(listeners, event)
            return
        # What entering the default context does once it exists and no other is entered, without the cost of
        # linkd's generator-based context manager.
        token = linkd.DI_CONTAINER.set(default)
        try:
            registrations = self._listener_registrations
            if (
                len(listeners) == 1
                and registrations is not None
                and not registrations
                and not listeners[0].needs_listener_context
            ):
                # The usual case (one plugin listens to this event) without the coroutines of the general one.
                await self._isolated(listeners[0], event, default)
            else:
                await self._in_default_context(listeners, event, default)
        finally:
            linkd.DI_CONTAINER.reset(token)

    def _needs_listener_context(self, listeners: tuple[PluginListener, ...]) -> bool:
        registrations = self._listener_registrations
        if registrations is None or registrations:
            return True
        return any(listener.needs_listener_context for listener in listeners)

    async def _in_default_context(
        self,
        listeners: tuple[PluginListener, ...],
        event: hikari.Event,
        default: linkd.Container | None = None,
    ) -> None:
        # The listener context, new for each event, holds only what is registered for it and itself: a tenth
        # of the cost of an event when nothing is registered and no listener asks for the container.
        if self._needs_listener_context(listeners):
            async with self._di.enter_context(lightbulb.di.Contexts.LISTENER):
                await self._run(listeners, event, None)
        else:
            await self._run(listeners, event, default)

    async def _run(
        self, listeners: tuple[PluginListener, ...], event: hikari.Event, default: linkd.Container | None
    ) -> None:
        if len(listeners) == 1:
            await self._isolated(listeners[0], event, default)
            return
        # Side by side, as separate subscriptions would run: a listener that waits (on a model, on REST) does
        # not hold back the others. Each starts here, in a copy of the context as a task of its own would, and
        # gets a task in that context only once it waits (most never do). The injection context stays open
        # until the last one is done.
        loop = asyncio.get_running_loop()
        waiting: list[asyncio.Task[None]] = []
        try:
            for listener in listeners:
                started = self._isolated(listener, event, default)
                context = contextvars.copy_context()
                try:
                    awaited = context.run(started.send, None)
                except StopIteration:
                    continue
                waiting.append(loop.create_task(_resumed(started, awaited), context=context))
        finally:
            if waiting:
                await asyncio.wait(waiting)

    def _enabled_cached(
        self, guild_id: int, listeners: tuple[PluginListener, ...]
    ) -> tuple[PluginListener, ...] | None:
        """The listeners whose plugin is on in the guild, from the gate's cache; None if one must be read."""
        gate = self._gate
        refused: list[PluginListener] = []
        for listener in listeners:
            allowed = gate.enabled_cached(guild_id, listener.plugin)
            if allowed is None:
                return None
            if not allowed:
                refused.append(listener)
        if not refused:
            return listeners
        for listener in refused:
            gate.refused(listener.plugin, "listener")
        return tuple(x for x in listeners if x not in refused)

    async def _enabled(
        self, guild_id: int, listeners: tuple[PluginListener, ...], event: hikari.Event
    ) -> tuple[PluginListener, ...]:
        gate = self._gate
        kept: list[PluginListener] = []
        for listener in listeners:
            allowed = gate.enabled_cached(guild_id, listener.plugin)
            if allowed is None:  # the guild's first event since start or a change: one database read
                try:
                    allowed = await gate.is_enabled(guild_id, listener.plugin)
                except Exception:
                    gate.listener_failed(listener.plugin, listener.name, event)
                    continue
            if allowed:
                kept.append(listener)
            else:
                gate.refused(listener.plugin, "listener")
        return tuple(kept)

    async def _isolated(
        self, listener: PluginListener, event: hikari.Event, default: linkd.Container | None
    ) -> None:
        """Run one listener, its exceptions logged and counted. ``default``: the default injection container,
        the only one entered, whose dependencies of the listener are resolved once and kept."""
        try:
            function = listener.function
            if default is None or function is None:
                await listener.callback(event)
                return
            cached = self._injected.get(listener)
            if cached is None or cached[0] is not default:
                injected = await self._resolve(listener, event, default)
                cached = self._injected[listener] = (
                    default,
                    None if injected is None else _call(function, injected),
                )
            call = cached[1]
            if call is None:
                await listener.callback(event)
            elif call[1]:
                await function(event, *call[0], **call[1])
            else:
                # Positionally: unpacking keywords into a call costs a dictionary per event.
                await function(event, *call[0])
        except Exception:
            self._gate.listener_failed(listener.plugin, listener.name, event)

    async def _resolve(
        self, listener: PluginListener, event: hikari.Event, default: linkd.Container
    ) -> dict[str, Any] | None:
        """What linkd injects into ``listener`` from ``default`` when it is the same objects each time, else None.

        linkd resolves a listener's dependencies at every call: about 3 µs, as much as the rest of a plugin's
        share of a message. In the default container they are the bot's singletons, so they are resolved
        twice, kept if both times gave the same objects (a factory making a new one per call is not), and
        forgotten when something is added to the container. None also when resolving fails: the call through
        linkd then reports it.
        """
        changes = getattr(default, "_on_change_listeners", None)
        prepare = getattr(listener.callback, "_prepare_kwargs", None)
        if not isinstance(changes, set) or prepare is None:
            return None
        try:
            first, second = await prepare((event,), {}), await prepare((event,), {})
        except Exception:
            return None
        if first.keys() != second.keys() or any(first[name] is not second[name] for name in first):
            return None
        changes.add(self._injected.clear)
        return dict(first)
