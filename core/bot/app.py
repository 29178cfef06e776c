"""Assembles one bot process: hikari GatewayBot, lightbulb client, plugins, per-guild state and coordination."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import hikari
import lightbulb
import miru
from pydantic import BaseModel

from tatiana.ai_tools import GuildTools
from tatiana.background import TaskContext, TaskRunner, Tasks
from tatiana.bot import command_sync
from tatiana.bot.cache import cache_settings, compact_members
from tatiana.bot.command_activity import command_activity_hook
from tatiana.bot.command_usage import CommandUsageRecorder
from tatiana.bot.gated_components import GatedComponents
from tatiana.bot.gating import PluginGate, guard_autocomplete
from tatiana.bot.guild_rows import GuildRows
from tatiana.bot.languages import GuildLanguages
from tatiana.bot.live_bridge import LiveBridge
from tatiana.counters import DEFAULT_FLUSH_INTERVAL, Counters, CounterStore, MemoryCounterStore
from tatiana.database import Database
from tatiana.guild_plugins import GuildPluginService
from tatiana.guild_settings import GuildSettings
from tatiana.i18n import Translator, localization_provider
from tatiana.live_events import LiveEvents
from tatiana.plugin import NoSettings
from tatiana.registry import PluginRegistry, PluginStatus
from tatiana.settings import DEFAULT_CACHE

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from tatiana.coordination import Coordination
    from tatiana.deployment import DeploymentConfig

log = logging.getLogger(__name__)

INTENTS = hikari.Intents.ALL_UNPRIVILEGED | hikari.Intents.MESSAGE_CONTENT | hikari.Intents.GUILD_MEMBERS


class TatianaBot:
    """One bot process on a set of shards, carrying every usable plugin of the registry."""

    def __init__(
        self,
        *,
        token: str,
        registry: PluginRegistry,
        deployment: DeploymentConfig,
        sessions: async_sessionmaker[AsyncSession],
        coordination: Coordination,
        rest_url: str | None = None,
        intents: hikari.Intents = INTENTS,
        cache: str = DEFAULT_CACHE,
        gateway_options: dict[str, Any] | None = None,
        counter_store: CounterStore | None = None,
        flush_interval: float = DEFAULT_FLUSH_INTERVAL,
        tasks: TaskRunner | None = None,
    ) -> None:
        self.registry = registry
        self.sessions = sessions
        self.coordination = coordination
        self.service = GuildPluginService(sessions, registry, coordination, deployment)
        self.languages = GuildLanguages(sessions)
        self.gate = PluginGate(self.service, self.languages)
        # Buffered counters (XP...): in Redis when the caller passes a Redis store, else in this process.
        self.counters = Counters(counter_store or MemoryCounterStore(), Database(sessions), flush_interval)
        self.command_usage = CommandUsageRecorder(sessions, self.gate.owner_of, flush_interval)
        self.live = LiveEvents(coordination)
        self.guild_rows = GuildRows(sessions, flush_interval)
        # Plugins' background tasks: in this process unless the caller sends them to workers (Redis).
        self.tasks = tasks or TaskRunner.embedded(registry)
        # ``cache``: a TATIANA_CACHE value; by default only what the core and the first-party plugins read.
        options: dict[str, Any] = {
            "banner": None,
            "logs": None,
            "intents": intents,
            "cache_settings": cache_settings(cache),
        }
        if rest_url is not None:
            options["rest_url"] = rest_url
        options.update(gateway_options or {})
        self.app = hikari.GatewayBot(token, **options)
        compact_members(self.app)
        self.live_bridge = LiveBridge(self.app)
        self.client = lightbulb.client_from_app(
            self.app,
            sync_commands=False,  # sync_commands() below: lightbulb's own sync overwrites unchanged commands
            hooks=[
                self.gate.hook(),
                *self.command_usage.hooks(),
                command_activity_hook(self.live, self.gate.owner_of),
            ],
            localization_provider=localization_provider(self._all_translations()),
        )
        self.client.error_handler(self.gate.handle_error, priority=-100)
        self._register_settings_injection()
        self._client_started = asyncio.Event()
        self._start_error: Exception | None = None
        self.app.subscribe(hikari.StartedEvent, self._on_started)

    def _all_translations(self) -> dict[str, dict[str, str]]:
        merged: dict[str, dict[str, str]] = {}
        for plugin in self.registry:
            for language, texts in plugin.translations.items():
                merged.setdefault(language, {}).update(texts)
        return merged

    def _register_settings_injection(self) -> None:
        # Components and modals (hikari-miru): plugins declare ``components: miru.Client`` to send views.
        self.components = GatedComponents(self.app, self.gate, ignore_unknown_interactions=True)
        defaults = self.client.di.registry_for(lightbulb.di.Contexts.DEFAULT)
        defaults.register_value(Database, Database(self.sessions))
        defaults.register_value(miru.Client, self.components)
        defaults.register_value(Counters, self.counters)
        defaults.register_value(LiveEvents, self.live)
        self.guild_settings = GuildSettings(self.service, self.registry, self.languages)
        defaults.register_value(GuildSettings, self.guild_settings)
        defaults.register_value(GuildTools, GuildTools(self.service, self.registry))
        defaults.register_value(Tasks, self.tasks)  # type: ignore[type-abstract]  # linkd keys by type
        registry = self.client.di.registry_for(lightbulb.di.Contexts.COMMAND)
        registry.register_factory(Translator, self._translator)
        for plugin in self.registry:
            if plugin.settings is NoSettings:
                continue
            registry.register_factory(plugin.settings, self._settings_factory(plugin.name))

    def _settings_factory(self, plugin: str) -> Any:
        service = self.service

        async def settings(context: lightbulb.Context) -> BaseModel:
            guild_id = int(context.guild_id) if context.guild_id is not None else 0
            model: BaseModel = await service.settings(guild_id, plugin)
            return model

        return settings

    async def _translator(self, context: lightbulb.Context) -> Translator:
        plugin = self.gate.owner_of(context)
        translations = (
            self.registry.get(plugin).translations if plugin is not None and plugin in self.registry else {}
        )
        language = await self.languages(int(context.guild_id) if context.guild_id is not None else None)
        return Translator(translations, language)

    async def load_plugins(self) -> None:
        """Add every usable plugin's commands and listeners to the client, each guarded by the plugin gate."""
        for record in self.registry.records:
            if record.plugin is None or not record.usable:
                continue
            before = {c._command_data.name for c in self.client.registered_commands}
            for loader in record.plugin.loaders:
                self.gate.guard_listeners(record.name, loader)
                guard_autocomplete(record.name, loader)
            await self.registry.add_to_client(self.client, only=record.name)
            if record.status is PluginStatus.LOADED:
                after = {c._command_data.name for c in self.client.registered_commands}
                self.gate.claim_commands(record.name, after - before)
        loaded = [r.name for r in self.registry.records if r.status is PluginStatus.LOADED]
        failed = [r.name for r in self.registry.records if not r.usable]
        log.info(
            "plugins loaded: %s%s",
            ", ".join(loaded) or "none",
            f"; not loaded: {', '.join(failed)}" if failed else "",
        )

    async def sync_commands(self) -> int:
        """Overwrite the commands of each scope that differ from the plugins'; returns how many scopes changed."""
        return await command_sync.sync_commands(self.client, self.app.entity_factory)

    async def _on_started(self, _: hikari.StartedEvent) -> None:
        try:
            await self.client.start()
            await self.sync_commands()
        except Exception as exc:
            self._start_error = exc
            log.exception("could not start the command client")
        finally:
            self._client_started.set()

    async def start(self, *, shard_ids: Sequence[int] | None = None, shard_count: int | None = None) -> None:
        """Load plugins, start listening to per-guild changes, connect the shards and sync commands."""
        await self.service.start()
        self.gate.attach(self.app)
        self.guild_rows.attach(self.app)
        await self.languages.follow(self.coordination)
        self.command_usage.buffer.start()
        self.guild_rows.buffer.start()
        await self.load_plugins()
        await self.live_bridge.follow(self.coordination)
        # hikari would ask PyPI for a newer version on every start: not from a shard, nor offline.
        await self.app.start(shard_ids=shard_ids, shard_count=shard_count, check_for_updates=False)
        await asyncio.wait_for(self._client_started.wait(), timeout=120)
        if self._start_error is not None:
            raise self._start_error
        for record in self.registry.records:
            if record.plugin is not None and record.status is PluginStatus.LOADED:
                self.counters.track(record.name, record.plugin.counters)
        await self.counters.start()
        self.tasks.bind(TaskContext(Database(self.sessions), self.app.rest, self.guild_settings))
        await self.tasks.start()
        # What exists now (modules, plugins, the client) lives as long as the bot: kept out of the collector's
        # scans, which then cost per event what the event allocated, not what the process imported. (No
        # gc.collect() first: it would cost each start a full collection; garbage frozen with the rest is
        # collected after stop() unfreezes it.)
        gc.freeze()

    async def stop(self) -> None:
        """Stop the background tasks, disconnect the shards and stop the client and the state listener."""
        try:
            await self.tasks.stop()
        except Exception:
            log.exception("the background tasks did not stop cleanly")
        try:
            await self.client.stop()
        except Exception:
            log.debug("lightbulb client was not running")
        if self.app.is_alive:
            await self.app.close()
        await self.counters.stop()  # after the gateway: no increment arrives once the last flush ran
        await self.command_usage.buffer.stop()
        await self.guild_rows.buffer.stop()
        self.guild_rows.detach()
        await self.languages.unfollow()
        await self.live_bridge.unfollow()
        self.gate.detach(self.app)
        await self.service.stop()
        gc.unfreeze()  # what the bot held can be collected again
