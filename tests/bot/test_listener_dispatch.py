"""Plugin listeners share one hikari subscription per event type, yet stay independent of each other.

The real bot on the sandbox through the real hikari client; the plugins are recording test plugins.
"""

from __future__ import annotations

import asyncio
import contextvars
import time
from collections.abc import Callable
from typing import Any

import hikari
import lightbulb
import linkd
import pytest

from tatiana import Database, Plugin
from tatiana.bot.gating import PluginGate
from tatiana.testing.harness import sandbox_bot
from tatiana.testing.sandbox.server import Sandbox

DEMO = "Tatiana Dev"


async def eventually(check: Callable[[], bool], timeout: float = 5.0) -> None:
    """Wait until ``check()`` holds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


def tatiana_handlers(app: hikari.GatewayBot, event_type: type[hikari.Event]) -> list[Any]:
    """The callbacks subscribed to exactly ``event_type`` with hikari."""
    return list(app.event_manager.get_listeners(event_type, polymorphic=False))


async def test_every_plugin_listener_of_an_event_type_is_one_hikari_subscription(
    sandbox: Sandbox, sqlite_url: str, probe: Any, act: Any
) -> None:
    first, second, third = probe("first"), probe("second"), probe("third")
    marta = act(sandbox, DEMO, "marta")
    plugins = [first.plugin, second.plugin, third.plugin]
    async with sandbox_bot(sandbox, sqlite_url, plugins=plugins) as bot:
        [handler] = tatiana_handlers(bot.app, hikari.GuildMessageCreateEvent)
        assert "GuildMessageCreateEvent" in handler.__name__

        await bot.service.disable(marta.guild.id, "second")
        await marta.send("hola")
        await eventually(lambda: first.heard_in(bot.app) == third.heard_in(bot.app) == ["hola"])
        assert second.heard_in(bot.app) == []

        # A plugin taken off the client leaves the subscription to the others; the last one removes it.
        for tested in (first, third):
            for loader in tested.plugin.loaders:
                await loader.remove_from_client(bot.client)
        assert tatiana_handlers(bot.app, hikari.GuildMessageCreateEvent) == [handler]
        for loader in second.plugin.loaders:
            await loader.remove_from_client(bot.client)
        assert tatiana_handlers(bot.app, hikari.GuildMessageCreateEvent) == []


def waiting_plugin(release: asyncio.Event, heard: list[str]) -> Plugin:
    """A plugin whose message listener, with an injected dependency, waits for ``release`` before recording."""
    loader = lightbulb.Loader()

    @loader.listener(hikari.GuildMessageCreateEvent)
    async def on_message(event: hikari.GuildMessageCreateEvent, db: Database = lightbulb.di.INJECTED) -> None:
        if not event.is_human:
            return
        assert isinstance(db, Database)  # injected like in a listener subscribed alone
        await release.wait()
        heard.append(event.content or "")

    return Plugin(name="waiting", version="1.0", description="Waits", requires="1.*", loaders=[loader])


async def test_a_listener_that_waits_holds_back_neither_the_other_plugins_nor_the_next_events(
    sandbox: Sandbox, sqlite_url: str, probe: Any, act: Any
) -> None:
    release, waited = asyncio.Event(), []
    quick = probe("quick")
    marta = act(sandbox, DEMO, "marta")
    async with sandbox_bot(
        sandbox, sqlite_url, plugins=[waiting_plugin(release, waited), quick.plugin]
    ) as bot:
        await marta.send("uno")
        await marta.send("dos")
        await eventually(lambda: quick.heard_in(bot.app) == ["uno", "dos"])
        assert waited == []
        release.set()
        await eventually(lambda: sorted(waited) == ["dos", "uno"])


CURRENT: contextvars.ContextVar[str | None] = contextvars.ContextVar("current", default=None)


def context_plugin(name: str, done: list[str]) -> Plugin:
    """A plugin whose message listener sets a context variable, waits, and resets it."""
    loader = lightbulb.Loader()

    @loader.listener(hikari.GuildMessageCreateEvent)
    async def on_message(event: hikari.GuildMessageCreateEvent) -> None:
        if not event.is_human:
            return
        token = CURRENT.set(name)
        await asyncio.sleep(0)
        assert CURRENT.get() == name
        CURRENT.reset(token)
        done.append(name)

    return Plugin(name=name, version="1.0", description="Sets", requires="1.*", loaders=[loader])


async def test_listeners_of_one_event_each_have_their_own_context_variables_across_a_wait(
    sandbox: Sandbox, sqlite_url: str, act: Any
) -> None:
    done: list[str] = []
    marta = act(sandbox, DEMO, "marta")
    plugins = [context_plugin("first", done), context_plugin("second", done)]
    async with sandbox_bot(sandbox, sqlite_url, plugins=plugins):
        await marta.send("hola")
        await eventually(lambda: sorted(done) == ["first", "second"])


async def test_a_guarded_loader_on_a_plain_lightbulb_client_still_isolates_its_listeners(
    sandbox: Sandbox, probe: Any, act: Any, caplog: pytest.LogCaptureFixture
) -> None:
    boom = probe("boom", fail_listener=True)
    [loader] = boom.plugin.loaders
    PluginGate.guard_listeners("boom", loader)
    marta = act(sandbox, DEMO, "marta")
    app = hikari.GatewayBot(
        sandbox.token, banner=None, logs=None, intents=hikari.Intents.ALL, rest_url=sandbox.rest_url
    )
    client = lightbulb.client_from_app(app)
    await loader.add_to_client(client)
    await app.start(check_for_updates=False)
    try:
        await marta.send("hola")
        await eventually(lambda: boom.heard_in(app) == ["hola"])
        await eventually(lambda: any("plugin boom: listener" in r.getMessage() for r in caplog.records))
        await loader.remove_from_client(client)
        assert tatiana_handlers(app, hikari.GuildMessageCreateEvent) == []
    finally:
        await app.close()


class Marker:
    """A dependency registered for the listener injection context only."""


def container_plugin(seen: list[object]) -> Plugin:
    """A plugin whose message listener asks for the listener injection context itself, and for ``Marker``."""
    loader = lightbulb.Loader()

    @loader.listener(hikari.GuildMessageCreateEvent)
    async def on_message(
        event: hikari.GuildMessageCreateEvent,
        container: lightbulb.di.ListenerContainer = lightbulb.di.INJECTED,
        db: Database = lightbulb.di.INJECTED,
    ) -> None:
        if event.is_human:
            seen.append(container)

    return Plugin(name="container", version="1.0", description="Asks", requires="1.*", loaders=[loader])


async def test_a_listener_gets_the_listener_context_and_what_is_registered_for_it(
    sandbox: Sandbox, sqlite_url: str, act: Any
) -> None:
    containers: list[object] = []
    marta = act(sandbox, DEMO, "marta")
    async with sandbox_bot(sandbox, sqlite_url, plugins=[container_plugin(containers)]) as bot:
        await marta.send("uno")
        await eventually(lambda: len(containers) == 1)
        assert isinstance(containers[0], linkd.Container)
        assert containers[0] is not bot.client.di.default_container

        markers: list[Marker] = []
        loader = lightbulb.Loader()

        @loader.listener(hikari.GuildMessageCreateEvent)
        async def with_marker(
            event: hikari.GuildMessageCreateEvent, marker: Marker = lightbulb.di.INJECTED
        ) -> None:
            if event.is_human:
                markers.append(marker)

        bot.client.di.registry_for(lightbulb.di.Contexts.LISTENER).register_factory(Marker, Marker)
        PluginGate.guard_listeners("container", loader)
        await loader.add_to_client(bot.client)
        await marta.send("dos")
        await eventually(lambda: len(markers) == 1 and len(containers) == 2)
        assert isinstance(markers[0], Marker) and containers[1] is not containers[0]


class Fresh:
    """A dependency made anew for every resolution (linkd's prototype lifetime)."""


class Replaced:
    """A dependency the test replaces in the default container while the bot runs."""


class RegistersFresh(lightbulb.Loadable):
    """Registers ``Fresh`` as a prototype in the default registry when the plugin loads."""

    async def load(self, client: lightbulb.Client) -> None:
        """Register the factory once per client."""
        registry = client.di.registry_for(lightbulb.di.Contexts.DEFAULT)
        if Fresh not in registry:
            registry.register_factory(Fresh, Fresh, lifetime=linkd.Lifetime.PROTOTYPE)
            registry.register_value(Replaced, Replaced())

    async def unload(self, client: lightbulb.Client) -> None:
        """Nothing to undo."""


def injected_plugin(seen: list[tuple[Database, Replaced]], fresh: list[Fresh]) -> Plugin:
    """A plugin whose two message listeners record what linkd injected into them."""
    loader = lightbulb.Loader()
    loader.add(RegistersFresh())

    @loader.listener(hikari.GuildMessageCreateEvent)
    async def on_message(
        event: hikari.GuildMessageCreateEvent,
        db: Database = lightbulb.di.INJECTED,
        *,
        replaced: Replaced = lightbulb.di.INJECTED,
    ) -> None:
        # Cached dependencies are passed positionally where the signature allows, by keyword where it asks.
        if event.is_human:
            seen.append((db, replaced))

    @loader.listener(hikari.GuildMessageCreateEvent)
    async def with_fresh(event: hikari.GuildMessageCreateEvent, made: Fresh = lightbulb.di.INJECTED) -> None:
        if event.is_human:
            fresh.append(made)

    return Plugin(name="injected", version="1.0", description="Records", requires="1.*", loaders=[loader])


async def test_a_listener_keeps_its_singletons_gets_a_new_prototype_each_event_and_sees_a_replacement(
    sandbox: Sandbox, sqlite_url: str, act: Any
) -> None:
    seen: list[tuple[Database, Replaced]] = []
    fresh: list[Fresh] = []
    marta = act(sandbox, DEMO, "marta")
    async with sandbox_bot(sandbox, sqlite_url, plugins=[injected_plugin(seen, fresh)]) as bot:
        for number in range(3):
            await marta.send(f"mensaje {number}")
            await eventually(lambda number=number: len(seen) == len(fresh) == number + 1)
        default = bot.client.di.default_container  # made on first use
        assert default is not None
        database = await default.get(Database)
        assert all(db is database for db, _ in seen)
        assert len({id(replaced) for _, replaced in seen}) == 1
        assert len({id(made) for made in fresh}) == 3  # a prototype is never kept between events

        newer = Replaced()
        default.add_value(Replaced, newer)
        await marta.send("después")
        await eventually(lambda: len(seen) == 4)
        assert seen[-1] == (database, newer)
