"""Per-guild plugin state: whether each plugin is on in a guild, and its settings there."""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import BaseModel, ValidationError
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from tatiana.db.models import GuildPlugin

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from tatiana.coordination import Coordination, Subscription
    from tatiana.plugin import Plugin
    from tatiana.registry import PluginRegistry

log = logging.getLogger(__name__)

WRITE_ATTEMPTS = 3


class PluginDefaults(Protocol):
    """The deployment's defaults (plugins.toml) for a guild that never changed a plugin."""

    def enabled_by_default(self, plugin: str) -> bool:
        """Whether ``plugin`` is on in a guild that never toggled it."""
        ...

    def settings_defaults(self, plugin: str) -> dict[str, Any]:
        """Settings of ``plugin`` overriding its model's defaults, before a guild changes any."""
        ...


class UnknownPluginError(KeyError):
    """No usable plugin has the requested name."""

    def __init__(self, plugin: str, installed: Iterable[str]) -> None:
        self.plugin = plugin
        names = ", ".join(installed) or "none"
        super().__init__(f"no plugin named {plugin!r} (installed: {names})")

    def __str__(self) -> str:
        return str(self.args[0])


class SettingsValidationError(ValueError):
    """Settings the plugin's model refuses; nothing was saved. ``errors`` has a ``{"loc", "msg"}`` each."""

    def __init__(self, plugin: str, errors: list[dict[str, Any]]) -> None:
        self.plugin = plugin
        self.errors = errors
        details = "; ".join(f"{'.'.join(map(str, e['loc'])) or '(all)'}: {e['msg']}" for e in errors)
        super().__init__(f"invalid settings for plugin {plugin!r}: {details}")


@dataclass(frozen=True, slots=True)
class GuildPluginState:
    """A plugin's effective state in one guild: on or off, and its settings there."""

    enabled: bool
    settings: BaseModel


class GuildPluginService:
    """Per-guild plugin switches and settings: stored in guild_plugins, cached per process, changes published.

    Every process's cache follows the changes published on ``CHANNEL`` (``guild_id``, ``plugin``,
    ``enabled``, effective ``settings``, ``by``, and the writer's ``origin``).

    The cache is filled only between ``start()`` and ``stop()``, while changes from other processes
    arrive; outside that window every read goes to the database. A write whose change was saved but
    could not be published raises the coordination's error.
    """

    CHANNEL = "plugins"

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        registry: PluginRegistry,
        coordination: Coordination,
        defaults: PluginDefaults,
    ) -> None:
        self._sessions = sessions
        self._registry = registry
        self._coordination = coordination
        self._defaults = defaults
        self._cache: dict[tuple[int, str], GuildPluginState] = {}
        self._reads: dict[tuple[int, str], asyncio.Task[GuildPluginState]] = {}
        self._default_states: dict[str, GuildPluginState] = {}
        # Bumped on every cache change, so a database read that raced a change is not cached over it.
        self._changes = 0
        # Tags this service's messages: its own changes are already in its cache, in commit order.
        self._origin = uuid.uuid4().hex
        self._subscription: Subscription | None = None
        self._listener: asyncio.Task[None] | None = None
        self._write_lock = asyncio.Lock()

    async def start(self) -> None:
        """Subscribe to the change channel and start caching; idempotent."""
        if self._caching:
            return
        subscription = await self._coordination.subscribe(self.CHANNEL)
        self._subscription = subscription
        self._clear()
        self._listener = asyncio.create_task(self._listen(subscription), name="guild-plugins-listener")

    async def stop(self) -> None:
        """Stop listening for changes and drop the cache; idempotent."""
        listener, subscription = self._listener, self._subscription
        self._listener = self._subscription = None
        self._clear()
        if subscription is not None:
            await subscription.close()
        if listener is not None:
            listener.cancel()
            await asyncio.wait([listener])

    async def is_enabled(self, guild_id: int, plugin: str) -> bool:
        """Whether ``plugin`` is on in the guild."""
        return (await self._state(guild_id, self._plugin(plugin))).enabled

    def is_enabled_cached(self, guild_id: int, plugin: str) -> bool | None:
        """Whether ``plugin`` is on in the guild, from the cache alone; None if not cached."""
        state = self._cache.get((guild_id, plugin))
        return None if state is None else state.enabled

    @property
    def cached_states(self) -> Mapping[tuple[int, str], GuildPluginState]:
        """The cache itself, live, by (guild id, plugin name): for readers on a hot path that cannot afford a call
        per lookup. Read only."""
        return self._cache

    def settings_cached(self, guild_id: int, plugin: str) -> BaseModel | None:
        """``current_settings`` from the cache alone, with no wait; None if not cached."""
        state = self._cache.get((guild_id, plugin))
        return None if state is None else state.settings

    async def enable(self, guild_id: int, plugin: str, *, by: int | None = None) -> None:
        """Turn ``plugin`` on in the guild; ``by`` is the Discord id of who did it."""
        await self._write(guild_id, self._plugin(plugin), by, enabled=True)

    async def disable(self, guild_id: int, plugin: str, *, by: int | None = None) -> None:
        """Turn ``plugin`` off in the guild; ``by`` is the Discord id of who did it."""
        await self._write(guild_id, self._plugin(plugin), by, enabled=False)

    async def settings(self, guild_id: int, plugin: str) -> BaseModel:
        """The guild's settings of ``plugin``: an instance of its settings model, safe to modify."""
        state = await self._state(guild_id, self._plugin(plugin))
        return state.settings.model_copy(deep=True)

    async def current_settings(self, guild_id: int, plugin: str) -> BaseModel:
        """The guild's settings of ``plugin`` as cached, shared and not to be modified: for hot paths."""
        return (await self._state(guild_id, self._plugin(plugin))).settings

    async def update_settings(
        self, guild_id: int, plugin: str, values: Mapping[str, Any], *, by: int | None = None
    ) -> BaseModel:
        """Merge ``values`` (top-level fields) into the guild's settings and save them; returns the result.

        Raises SettingsValidationError, saving nothing, if the model refuses the result or a key is unknown.
        """
        found = self._plugin(plugin)
        state = await self._write(guild_id, found, by, updates=_setting_updates(found, values))
        return state.settings.model_copy(deep=True)

    async def states(self, guild_id: int) -> dict[str, GuildPluginState]:
        """Every usable plugin's state in the guild, by plugin name."""
        plugins = list(self._registry)
        known = {p.name: self._cache.get((guild_id, p.name)) for p in plugins}
        missing = [p for p in plugins if known[p.name] is None]
        loaded: dict[str, GuildPluginState] = {}
        if missing:
            changes = self._changes
            async with self._sessions() as session:
                result = await session.scalars(
                    select(GuildPlugin).where(
                        GuildPlugin.guild_id == guild_id, GuildPlugin.plugin.in_([p.name for p in missing])
                    )
                )
                rows = {row.plugin: row for row in result}
            loaded = {p.name: self._from_row(guild_id, p, rows.get(p.name)) for p in missing}
            if self._caching and self._changes == changes:
                self._cache.update({(guild_id, name): state for name, state in loaded.items()})
        states: dict[str, GuildPluginState] = {}
        for plugin in plugins:
            state = known[plugin.name] or loaded[plugin.name]
            states[plugin.name] = GuildPluginState(state.enabled, state.settings.model_copy(deep=True))
        return states

    @property
    def _caching(self) -> bool:
        return self._listener is not None and not self._listener.done()

    def _plugin(self, name: str) -> Plugin:
        try:
            return self._registry.get(name)
        except KeyError:
            raise UnknownPluginError(name, self._registry.names) from None

    async def _state(self, guild_id: int, plugin: Plugin) -> GuildPluginState:
        key = (guild_id, plugin.name)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        # Concurrent misses of one key share one read (a burst of events for a new guild is one SELECT, not
        # hundreds waiting on the pool), and resume in the order they asked.
        read = self._reads.get(key)
        if read is None:
            read = asyncio.create_task(self._read_state(guild_id, plugin))
            self._reads[key] = read
            read.add_done_callback(lambda _: self._reads.pop(key, None))
        return await asyncio.shield(read)

    async def _read_state(self, guild_id: int, plugin: Plugin) -> GuildPluginState:
        key = (guild_id, plugin.name)
        changes = self._changes
        async with self._sessions() as session:
            row = await session.scalar(
                select(GuildPlugin).where(GuildPlugin.guild_id == guild_id, GuildPlugin.plugin == plugin.name)
            )
        state = self._from_row(guild_id, plugin, row)
        if self._caching and self._changes == changes:
            self._cache[key] = state
        return state

    def _from_row(self, guild_id: int, plugin: Plugin, row: GuildPlugin | None) -> GuildPluginState:
        if row is None:
            default = self._default_states.get(plugin.name)
            if default is None:
                default = GuildPluginState(
                    self._defaults.enabled_by_default(plugin.name), self._effective(guild_id, plugin, {})
                )
                self._default_states[plugin.name] = default
            return default
        return GuildPluginState(row.enabled, self._effective(guild_id, plugin, row.settings or {}))

    def _effective(self, guild_id: int, plugin: Plugin, stored: Mapping[str, Any]) -> BaseModel:
        defaults = self._defaults.settings_defaults(plugin.name)
        try:
            return plugin.settings.model_validate({**defaults, **stored})
        except ValidationError as exc:
            # Stored by an older version of the plugin: fall back to the defaults for the refused fields.
            refused = {str(error["loc"][0]) for error in exc.errors() if error["loc"]}
            log.warning(
                "plugin %s in guild %s: stored settings %s are no longer valid; using their defaults",
                plugin.name,
                guild_id,
                ", ".join(sorted(refused)),
            )
        kept = {key: value for key, value in stored.items() if key not in refused}
        try:
            return plugin.settings.model_validate({**defaults, **kept})
        except ValidationError:
            log.warning("plugin %s: deployment settings defaults are invalid; using the model's", plugin.name)
            return plugin.settings()

    async def _write(
        self,
        guild_id: int,
        plugin: Plugin,
        by: int | None,
        *,
        enabled: bool | None = None,
        updates: dict[str, Any] | None = None,
    ) -> GuildPluginState:
        async with self._write_lock:
            state = await self._save_retrying(guild_id, plugin, by, enabled, updates)
            self._put((guild_id, plugin.name), state)
            await self._coordination.publish(
                self.CHANNEL,
                {
                    "guild_id": guild_id,
                    "plugin": plugin.name,
                    "enabled": state.enabled,
                    "settings": state.settings.model_dump(mode="json", by_alias=True),
                    "by": by,
                    "origin": self._origin,
                },
            )
        return state

    async def _save_retrying(
        self,
        guild_id: int,
        plugin: Plugin,
        by: int | None,
        enabled: bool | None,
        updates: dict[str, Any] | None,
    ) -> GuildPluginState:
        for _ in range(WRITE_ATTEMPTS - 1):
            try:
                return await self._save(guild_id, plugin, by, enabled, updates)
            except IntegrityError:
                # Another process inserted the row between our read and our insert: read it, update it.
                continue
        return await self._save(guild_id, plugin, by, enabled, updates)

    async def _save(
        self,
        guild_id: int,
        plugin: Plugin,
        by: int | None,
        enabled: bool | None,
        updates: dict[str, Any] | None,
    ) -> GuildPluginState:
        where = (GuildPlugin.guild_id == guild_id, GuildPlugin.plugin == plugin.name)
        async with self._sessions() as session, session.begin():
            # A no-op UPDATE before reading serialises writers on both databases: it locks the row on
            # PostgreSQL and takes the write lock on SQLite, where SELECT ... FOR UPDATE does nothing.
            await session.execute(
                update(GuildPlugin)
                .where(*where)
                .values(updated_at=GuildPlugin.updated_at)
                .execution_options(synchronize_session=False)
            )
            row = await session.scalar(select(GuildPlugin).where(*where))
            stored: dict[str, Any] = dict(row.settings or {}) if row is not None else {}
            if updates is None:
                settings = self._effective(guild_id, plugin, stored)
            else:
                stored.update(updates)
                settings = self._validated(plugin, stored)
                dumped = settings.model_dump(mode="json", by_alias=True)
                # Only what the guild chose is stored, so later changes of deployment defaults still apply.
                stored = {key: dumped[key] for key in stored if key in dumped}
            if enabled is None:
                enabled = row.enabled if row is not None else self._defaults.enabled_by_default(plugin.name)
            now = datetime.now(UTC)
            if row is None:
                session.add(
                    GuildPlugin(
                        guild_id=guild_id,
                        plugin=plugin.name,
                        enabled=enabled,
                        settings=stored,
                        updated_by=by,
                        updated_at=now,
                    )
                )
            else:
                row.enabled = enabled
                if updates is not None:
                    row.settings = stored
                row.updated_by = by
                row.updated_at = now
        return GuildPluginState(enabled, settings)

    def _validated(self, plugin: Plugin, stored: Mapping[str, Any]) -> BaseModel:
        try:
            return plugin.settings.model_validate({**self._defaults.settings_defaults(plugin.name), **stored})
        except ValidationError as exc:
            errors = [{"loc": list(error["loc"]), "msg": error["msg"]} for error in exc.errors()]
            raise SettingsValidationError(plugin.name, errors) from None

    async def _listen(self, subscription: Subscription) -> None:
        try:
            async for message in subscription:
                try:
                    self._apply(message.data)
                except Exception:
                    log.exception("ignoring a plugin change that could not be applied: %r", message.data)
        finally:
            if self._subscription is subscription:
                log.warning("the %r channel closed; per-guild plugin state is no longer cached", self.CHANNEL)
                self._clear()

    def _apply(self, data: Mapping[str, Any]) -> None:
        guild_id, name, enabled, settings = (
            data.get(k) for k in ("guild_id", "plugin", "enabled", "settings")
        )
        if not (
            isinstance(guild_id, int)
            and not isinstance(guild_id, bool)
            and isinstance(name, str)
            and isinstance(enabled, bool)
            and isinstance(settings, dict)
        ):
            log.warning("ignoring a malformed plugin change: %r", data)
            return
        if data.get("origin") == self._origin:
            return
        plugin = next((p for p in self._registry if p.name == name), None)
        if plugin is None:
            return
        try:
            model = plugin.settings.model_validate(settings)
        except ValidationError:
            log.warning("plugin %s in guild %s: published settings refused; re-reading them", name, guild_id)
            self._forget((guild_id, name))
            return
        self._put((guild_id, name), GuildPluginState(enabled, model))

    def _put(self, key: tuple[int, str], state: GuildPluginState) -> None:
        self._changes += 1
        if self._caching:
            self._cache[key] = state

    def _forget(self, key: tuple[int, str]) -> None:
        self._changes += 1
        self._cache.pop(key, None)

    def _clear(self) -> None:
        self._changes += 1
        self._cache.clear()


def _setting_updates(plugin: Plugin, values: Mapping[str, Any]) -> dict[str, Any]:
    # Keys become what the model dumps by alias, so stored settings validate back the same way.
    model = plugin.settings
    dump_keys = {name: field.alias or name for name, field in model.model_fields.items()}
    dump_keys.update({field.alias: field.alias for field in model.model_fields.values() if field.alias})
    extra_allowed = model.model_config.get("extra") == "allow"
    updates: dict[str, Any] = {}
    errors: list[dict[str, Any]] = []
    for key, value in values.items():
        if key in dump_keys:
            updates[dump_keys[key]] = value
        elif extra_allowed and isinstance(key, str):
            updates[key] = value
        else:
            errors.append({"loc": [key], "msg": "unknown setting"})
    if errors:
        raise SettingsValidationError(plugin.name, errors)
    return updates
