"""Per-guild plugin state on SQLite and the real PostgreSQL, with in-memory and real Redis coordination."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from pydantic import BaseModel, Field
from sqlalchemy import event, select

from tatiana import Plugin
from tatiana.coordination import Coordination, MemoryCoordination, Message, Subscription
from tatiana.db.engine import create_engine, session_factory
from tatiana.db.models import Base, GuildPlugin
from tatiana.deployment import DeploymentConfig
from tatiana.guild_plugins import (
    GuildPluginService,
    GuildPluginState,
    PluginDefaults,
    SettingsValidationError,
    UnknownPluginError,
)
from tatiana.guild_settings import GuildSettings
from tatiana.registry import PluginRegistry
from tatiana.shards.redis_coordination import RedisCoordination

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable

    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

GUILD = 111111111111111111
OTHER_GUILD = 222222222222222222
MANAGER = 333333333333333333


class GreetSettings(BaseModel):
    """Settings of the test plugin."""

    greeting: str = "hola"
    limit: int = Field(default=5, ge=1, le=10)
    channels: list[int] = Field(default_factory=list)


GREET = Plugin(name="greet", version="1.0.0", description="Greets", requires="1.*", settings=GreetSettings)
PLAIN = Plugin(name="plain", version="1.0.0", description="Has no settings", requires="1.*")
REGISTRY = PluginRegistry.of(GREET, PLAIN)


@dataclass
class Defaults:
    """Deployment defaults written inline, standing in for plugins.toml."""

    enabled: set[str] = field(default_factory=set)
    settings: dict[str, dict[str, Any]] = field(default_factory=dict)

    def enabled_by_default(self, plugin: str) -> bool:
        return plugin in self.enabled

    def settings_defaults(self, plugin: str) -> dict[str, Any]:
        return dict(self.settings.get(plugin, {}))


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def redis_target(request: pytest.FixtureRequest) -> tuple[str, str] | None:
    """None for in-memory coordination; the real Redis server's URL and a fresh namespace for Redis."""
    if request.param == "memory":
        return None
    return (request.getfixturevalue("redis_url"), request.getfixturevalue("redis_namespace"))


@dataclass
class Env:
    """One database and one coordination backend, shared by the services ("processes") a test makes."""

    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    redis_target: tuple[str, str] | None
    memory: MemoryCoordination = field(default_factory=MemoryCoordination)
    coordinations: list[Coordination] = field(default_factory=list)
    services: list[GuildPluginService] = field(default_factory=list)

    def coordination(self) -> Coordination:
        """A coordination as a new process would have: the shared memory one, or a new Redis client."""
        made = self.memory if self.redis_target is None else RedisCoordination(*self.redis_target)
        self.coordinations.append(made)
        return made

    async def service(
        self, defaults: PluginDefaults | None = None, *, start: bool = True
    ) -> GuildPluginService:
        """A service with its own coordination, started unless told otherwise."""
        service = GuildPluginService(self.sessions, REGISTRY, self.coordination(), defaults or Defaults())
        self.services.append(service)
        if start:
            await service.start()
        return service

    async def rows(self) -> list[GuildPlugin]:
        """Every guild_plugins row, by guild and plugin."""
        async with self.sessions() as session:
            result = await session.scalars(
                select(GuildPlugin).order_by(GuildPlugin.guild_id, GuildPlugin.plugin)
            )
            return list(result)


@pytest.fixture
async def env(database_url: str, redis_target: tuple[str, str] | None) -> AsyncIterator[Env]:
    """Tables created on a fresh database; services and coordinations closed afterwards."""
    engine = create_engine(database_url)
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    environment = Env(engine, session_factory(engine), redis_target)
    try:
        yield environment
    finally:
        for service in environment.services:
            await service.stop()
        for coordination in environment.coordinations:
            await coordination.close()
        await engine.dispose()


async def eventually(check: Callable[[], bool], within: float = 1.0) -> None:
    """Wait until ``check()`` is true, failing after ``within`` seconds."""
    deadline = time.monotonic() + within
    while not check():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.01)


async def next_message(sub: Subscription) -> dict[str, Any]:
    """The next message's data, failing if none comes within 2 s."""
    message = await sub.get(timeout=2)
    assert isinstance(message, Message)
    return message.data


async def test_defaults_apply_without_a_row(env: Env) -> None:
    service = await env.service(Defaults(enabled={"greet"}, settings={"greet": {"greeting": "hello"}}))
    assert await service.is_enabled(GUILD, "greet") is True
    assert await service.is_enabled(GUILD, "plain") is False
    assert await service.settings(GUILD, "greet") == GreetSettings(greeting="hello")
    assert await env.rows() == []


async def test_enable_disable_round_trip_is_persisted(env: Env) -> None:
    first = await env.service()
    await first.enable(GUILD, "plain", by=MANAGER)
    assert await first.is_enabled(GUILD, "plain") is True
    assert await first.is_enabled(OTHER_GUILD, "plain") is False
    [row] = await env.rows()
    assert (row.guild_id, row.plugin, row.enabled, row.updated_by) == (GUILD, "plain", True, MANAGER)
    assert row.settings == {}
    assert row.updated_at is not None

    second = await env.service()
    assert await second.is_enabled(GUILD, "plain") is True

    await first.disable(GUILD, "plain")
    assert await first.is_enabled(GUILD, "plain") is False
    [row] = await env.rows()
    assert (row.enabled, row.updated_by) == (False, None)
    assert await (await env.service()).is_enabled(GUILD, "plain") is False


async def test_state_survives_without_the_cache(env: Env) -> None:
    writer = await env.service(start=False)
    await writer.enable(GUILD, "greet")
    await writer.update_settings(GUILD, "greet", {"limit": 2})
    assert writer.is_enabled_cached(GUILD, "greet") is None
    reader = await env.service(start=False)
    assert await reader.is_enabled(GUILD, "greet") is True
    assert await reader.settings(GUILD, "greet") == GreetSettings(limit=2)


async def test_settings_update_is_validated_and_stored(env: Env) -> None:
    service = await env.service()
    updated = await service.update_settings(GUILD, "greet", {"limit": 7, "channels": ["12", 13]}, by=MANAGER)
    assert updated == GreetSettings(limit=7, channels=[12, 13])
    assert await service.settings(GUILD, "greet") == updated
    [row] = await env.rows()
    assert row.settings == {"limit": 7, "channels": [12, 13]}
    assert (row.enabled, row.updated_by) == (False, MANAGER)

    merged = await service.update_settings(GUILD, "greet", {"greeting": "buenas"})
    assert merged == GreetSettings(greeting="buenas", limit=7, channels=[12, 13])
    [row] = await env.rows()
    assert row.settings == {"greeting": "buenas", "limit": 7, "channels": [12, 13]}


async def test_cached_settings_are_the_current_ones_once_read_and_none_before(env: Env) -> None:
    service = await env.service()
    settings = GuildSettings(service, REGISTRY, languages=None)  # type: ignore[arg-type]
    assert settings.cached(GreetSettings, GUILD) is None
    current = await settings.get(GreetSettings, GUILD)
    assert settings.cached(GreetSettings, GUILD) is current
    updated = await service.update_settings(GUILD, "greet", {"limit": 7})
    assert settings.cached(GreetSettings, GUILD) == updated

    class Unknown(BaseModel):
        pass

    with pytest.raises(KeyError):
        settings.cached(Unknown, GUILD)


async def test_invalid_settings_write_nothing(env: Env) -> None:
    service = await env.service()
    watcher = await env.coordination().subscribe(GuildPluginService.CHANNEL)
    await service.update_settings(GUILD, "greet", {"limit": 7})
    assert (await next_message(watcher))["settings"]["limit"] == 7
    [before] = await env.rows()

    with pytest.raises(SettingsValidationError) as caught:
        await service.update_settings(GUILD, "greet", {"limit": 99, "greeting": "x"})
    assert isinstance(caught.value, ValueError)
    assert caught.value.plugin == "greet"
    assert [error["loc"] for error in caught.value.errors] == [["limit"]]
    assert all(isinstance(error["msg"], str) and error["msg"] for error in caught.value.errors)
    assert "limit" in str(caught.value)

    with pytest.raises(SettingsValidationError) as unknown:
        await service.update_settings(GUILD, "greet", {"colour": "red"})
    assert unknown.value.errors == [{"loc": ["colour"], "msg": "unknown setting"}]

    with pytest.raises(SettingsValidationError):
        await service.update_settings(OTHER_GUILD, "greet", {"limit": 0})

    [after] = await env.rows()
    assert (after.settings, after.updated_at) == (before.settings, before.updated_at)
    assert await service.settings(GUILD, "greet") == GreetSettings(limit=7)
    assert await watcher.get(timeout=0.2) is None


async def test_settings_defaults_are_merged(env: Env) -> None:
    defaults = Defaults(settings={"greet": {"greeting": "hello", "limit": 3}})
    service = await env.service(defaults)
    assert await service.settings(GUILD, "greet") == GreetSettings(greeting="hello", limit=3)
    updated = await service.update_settings(GUILD, "greet", {"limit": 4})
    assert updated == GreetSettings(greeting="hello", limit=4)
    [row] = await env.rows()
    assert row.settings == {"limit": 4}
    later = await env.service(Defaults(settings={"greet": {"greeting": "hi", "limit": 3}}))
    assert await later.settings(GUILD, "greet") == GreetSettings(greeting="hi", limit=4)


async def test_deployment_config_provides_the_defaults(env: Env) -> None:
    config = DeploymentConfig.parse(
        {"plugins": {"greet": {"enabled": True, "settings": {"greeting": "hey"}}}},
        REGISTRY,
        source=Path("plugins.toml"),
    )
    service = await env.service(config)
    assert await service.is_enabled(GUILD, "greet") is True
    assert await service.is_enabled(GUILD, "plain") is False
    assert await service.settings(GUILD, "greet") == GreetSettings(greeting="hey")


async def test_unknown_plugin(env: Env) -> None:
    service = await env.service()
    with pytest.raises(UnknownPluginError) as caught:
        await service.is_enabled(GUILD, "weather")
    assert isinstance(caught.value, KeyError)
    assert str(caught.value) == "no plugin named 'weather' (installed: greet, plain)"
    for attempt in (
        service.enable(GUILD, "weather"),
        service.disable(GUILD, "weather"),
        service.settings(GUILD, "weather"),
        service.update_settings(GUILD, "weather", {}),
    ):
        with pytest.raises(UnknownPluginError, match="weather"):
            await attempt
    assert service.is_enabled_cached(GUILD, "weather") is None
    assert await env.rows() == []


async def test_a_change_reaches_another_service_through_the_channel(env: Env) -> None:
    a = await env.service()
    b = await env.service()
    assert await b.is_enabled(GUILD, "greet") is False
    assert b.is_enabled_cached(GUILD, "greet") is False
    assert b.is_enabled_cached(GUILD, "plain") is None

    await a.enable(GUILD, "greet", by=MANAGER)
    await eventually(lambda: b.is_enabled_cached(GUILD, "greet") is True)
    await a.enable(GUILD, "plain")
    await eventually(lambda: b.is_enabled_cached(GUILD, "plain") is True)

    await a.update_settings(GUILD, "greet", {"greeting": "qué tal"})
    await eventually(lambda: b._cache[(GUILD, "greet")].settings == GreetSettings(greeting="qué tal"))
    assert await b.settings(GUILD, "greet") == GreetSettings(greeting="qué tal")

    await a.disable(GUILD, "greet")
    await eventually(lambda: b.is_enabled_cached(GUILD, "greet") is False)
    assert await b.is_enabled(GUILD, "greet") is False
    assert a.is_enabled_cached(GUILD, "greet") is False


async def test_every_change_is_published(env: Env) -> None:
    service = await env.service()
    watcher = await env.coordination().subscribe(GuildPluginService.CHANNEL)

    await service.enable(GUILD, "greet", by=MANAGER)
    await service.update_settings(GUILD, "greet", {"limit": 3}, by=MANAGER)
    await service.disable(GUILD, "greet")

    def change(enabled: bool, limit: int, by: int | None) -> dict[str, Any]:
        settings = {"greeting": "hola", "limit": limit, "channels": []}
        return {"guild_id": GUILD, "plugin": "greet", "enabled": enabled, "settings": settings, "by": by}

    received = [await next_message(watcher) for _ in range(3)]
    for data in received:
        assert isinstance(data.pop("origin"), str)
    assert received == [change(True, 5, MANAGER), change(True, 3, MANAGER), change(False, 3, None)]


async def test_a_message_from_elsewhere_updates_the_cache(env: Env) -> None:
    service = await env.service()
    assert await service.is_enabled(GUILD, "greet") is False
    publisher = env.coordination()
    message = {"guild_id": GUILD, "plugin": "greet", "enabled": True, "settings": {"limit": 9}, "by": None}
    await publisher.publish(GuildPluginService.CHANNEL, message)
    await eventually(lambda: service.is_enabled_cached(GUILD, "greet") is True)
    assert await service.settings(GUILD, "greet") == GreetSettings(limit=9)

    await publisher.publish(GuildPluginService.CHANNEL, {**message, "settings": {"limit": "lots"}})
    await eventually(lambda: service.is_enabled_cached(GUILD, "greet") is None)
    assert await service.is_enabled(GUILD, "greet") is False

    await publisher.publish(GuildPluginService.CHANNEL, {"nonsense": True})
    await publisher.publish(GuildPluginService.CHANNEL, {**message, "plugin": "not_installed"})
    await publisher.publish(GuildPluginService.CHANNEL, {**message, "enabled": False})
    await eventually(lambda: service.is_enabled_cached(GUILD, "greet") is False)


async def test_a_cache_miss_reads_the_database_once(env: Env) -> None:
    service = await env.service()
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(env.engine.sync_engine, "before_cursor_execute", count)
    try:
        for _ in range(3):
            assert await service.is_enabled(GUILD, "greet") is False
            assert await service.settings(GUILD, "greet") == GreetSettings()
        assert len([s for s in statements if "guild_plugins" in s]) == 1
        assert service.is_enabled_cached(GUILD, "greet") is False
        await service.states(GUILD)
        await service.states(GUILD)
        assert len([s for s in statements if "guild_plugins" in s]) == 2
    finally:
        event.remove(env.engine.sync_engine, "before_cursor_execute", count)


async def test_concurrent_cache_misses_share_one_read(env: Env) -> None:
    service = await env.service()
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(env.engine.sync_engine, "before_cursor_execute", count)
    try:
        # A burst of events for a guild not yet cached: more asks than the connection pool has connections.
        answers = await asyncio.gather(*(service.is_enabled(GUILD, "greet") for _ in range(200)))
        assert answers == [False] * 200
        assert len([s for s in statements if "guild_plugins" in s]) == 1
    finally:
        event.remove(env.engine.sync_engine, "before_cursor_execute", count)


async def test_settings_returned_are_copies(env: Env) -> None:
    service = await env.service()
    settings = await service.settings(GUILD, "greet")
    assert isinstance(settings, GreetSettings)
    settings.channels.append(1)
    settings.limit = 1
    assert await service.settings(GUILD, "greet") == GreetSettings()


async def test_states_lists_every_plugin(env: Env) -> None:
    service = await env.service(Defaults(enabled={"plain"}, settings={"greet": {"greeting": "hello"}}))
    await service.enable(GUILD, "greet")
    await service.update_settings(GUILD, "greet", {"limit": 2})
    states = await service.states(GUILD)
    assert states == {
        "greet": GuildPluginState(enabled=True, settings=GreetSettings(greeting="hello", limit=2)),
        "plain": GuildPluginState(enabled=True, settings=PLAIN.settings()),
    }
    fresh = await (await env.service()).states(OTHER_GUILD)
    assert {name: state.enabled for name, state in fresh.items()} == {"greet": False, "plain": False}


async def test_stop_drops_the_cache(env: Env) -> None:
    service = await env.service()
    await service.enable(GUILD, "greet")
    assert service.is_enabled_cached(GUILD, "greet") is True
    await service.stop()
    assert service.is_enabled_cached(GUILD, "greet") is None
    assert await service.is_enabled(GUILD, "greet") is True
    assert service.is_enabled_cached(GUILD, "greet") is None
    await service.stop()
    await service.start()
    assert await service.is_enabled(GUILD, "greet") is True
    assert service.is_enabled_cached(GUILD, "greet") is True


async def test_cache_is_dropped_when_the_channel_closes(env: Env) -> None:
    service = await env.service()
    await service.enable(GUILD, "greet")
    assert service.is_enabled_cached(GUILD, "greet") is True
    for coordination in env.coordinations:
        await coordination.close()
    await eventually(lambda: service.is_enabled_cached(GUILD, "greet") is None)
    assert await service.is_enabled(GUILD, "greet") is True
    assert service.is_enabled_cached(GUILD, "greet") is None


async def test_concurrent_toggles_of_one_row_do_not_raise(env: Env) -> None:
    a = await env.service()
    b = await env.service()
    toggles = [
        (a if n % 2 else b).enable(GUILD, "greet") if n % 3 else (b if n % 2 else a).disable(GUILD, "greet")
        for n in range(20)
    ]
    await asyncio.gather(*toggles, a.update_settings(GUILD, "greet", {"limit": 3}))
    [row] = await env.rows()
    assert row.settings == {"limit": 3}
    final = row.enabled
    await a.enable(OTHER_GUILD, "plain")
    await eventually(lambda: b.is_enabled_cached(OTHER_GUILD, "plain") is True)
    assert await (await env.service()).is_enabled(GUILD, "greet") is final
