"""Discovers installed plugins through the ``tatiana.plugins`` entry point group and isolates their failures."""

from __future__ import annotations

import importlib
import logging
import traceback
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import TYPE_CHECKING

from tatiana.plugin import API_VERSION, Plugin

if TYPE_CHECKING:
    import lightbulb
    from sqlalchemy import MetaData

ENTRY_POINT_GROUP = "tatiana.plugins"
# A token of Discord's shape (hikari reads the application id from it) for a client that never connects.
_OFFLINE_TOKEN = "MTAwMDAwMDAwMDAwMDAwMDAw.AAAAAA.offline-plugin-load-check-000000000000"
log = logging.getLogger(__name__)


class PluginStatus(StrEnum):
    """Where a discovered plugin stands."""

    AVAILABLE = "available"  # imported and accepted, not yet added to a bot
    LOADED = "loaded"  # its loaders are on a bot client
    REJECTED = "rejected"  # refused: not a Plugin, duplicate name, incompatible API version
    FAILED = "failed"  # raised on import or while loading


@dataclass
class PluginRecord:
    """One entry point of the group and what became of it."""

    name: str
    distribution: str
    distribution_version: str | None
    entry_point: str
    plugin: Plugin | None = None
    status: PluginStatus = PluginStatus.AVAILABLE
    error: str | None = None
    detail: str | None = field(default=None, repr=False)

    @property
    def usable(self) -> bool:
        """Whether the plugin was accepted (available or loaded)."""
        return self.plugin is not None and self.status in (PluginStatus.AVAILABLE, PluginStatus.LOADED)

    def fail(self, status: PluginStatus, error: str, detail: str | None = None) -> None:
        """Mark this plugin as refused or broken, logging why with its name."""
        self.status, self.error, self.detail = status, error, detail
        log.error("plugin %s (%s) %s: %s", self.name, self.distribution, status.value, error)


class PluginRegistry:
    """The installed plugins, each with its load status; broken ones are reported, never fatal."""

    def __init__(self, records: Iterable[PluginRecord]) -> None:
        self.records: list[PluginRecord] = sorted(records, key=lambda r: (r.name, r.distribution))

    @classmethod
    def discover(cls, group: str = ENTRY_POINT_GROUP, api_version: str = API_VERSION) -> PluginRegistry:
        """Import every plugin registered in ``group`` and check it against the contract."""
        importlib.invalidate_caches()
        records = [_import(ep, api_version) for ep in entry_points(group=group)]
        _reject_duplicates(records)
        return cls(records)

    @classmethod
    def of(cls, *plugins: Plugin) -> PluginRegistry:
        """A registry of the given plugin objects, for tests and embedding (no entry points involved)."""
        records = [
            PluginRecord(p.name, "<direct>", p.version, f"<direct>:{p.name}", plugin=p) for p in plugins
        ]
        _reject_duplicates(records)
        return cls(records)

    def __iter__(self) -> Iterator[Plugin]:
        return (r.plugin for r in self.records if r.usable and r.plugin is not None)

    def __contains__(self, name: object) -> bool:
        return any(p.name == name for p in self)

    @property
    def names(self) -> list[str]:
        """Names of the usable plugins, sorted."""
        return [p.name for p in self]

    def get(self, name: str) -> Plugin:
        """The usable plugin called ``name``; KeyError naming the installed ones otherwise."""
        for plugin in self:
            if plugin.name == name:
                return plugin
        raise KeyError(f"no plugin named {name!r} (installed: {', '.join(self.names) or 'none'})")

    def record(self, name: str) -> PluginRecord | None:
        """The record of ``name``, whatever its status."""
        return next((r for r in self.records if r.name == name), None)

    def migration_locations(self) -> dict[str, Path]:
        """Each usable plugin's Alembic version folder, by plugin name."""
        return {p.name: Path(p.migrations).resolve() for p in self if p.migrations is not None}

    def metadatas(self) -> dict[str, MetaData]:
        """Each usable plugin's table metadata, by plugin name."""
        return {p.name: p.metadata for p in self if p.metadata is not None}

    async def add_to_client(self, client: lightbulb.Client, *, only: str | None = None) -> None:
        """Add every usable plugin's loaders (or only plugin ``only``'s) to ``client``; one that raises is removed
        again and marked failed."""
        for record in self.records:
            if not record.usable or record.plugin is None or (only is not None and record.name != only):
                continue
            added: list[lightbulb.Loader] = []
            try:
                for loader in record.plugin.loaders:
                    added.append(loader)
                    await loader.add_to_client(client)
            except Exception as exc:
                for loader in reversed(added):
                    try:
                        await loader.remove_from_client(client)
                    except Exception:
                        log.exception("plugin %s: could not unload after a failed load", record.name)
                record.fail(PluginStatus.FAILED, f"load: {type(exc).__name__}: {exc}", traceback.format_exc())
            else:
                record.status = PluginStatus.LOADED


async def check_loading(registry: PluginRegistry) -> None:
    """Load every usable plugin into a lightbulb client that never connects, then unload it again.

    Afterwards each record says what a bot would find: ``loaded``, or ``failed`` with the load error.
    """
    import hikari
    import lightbulb

    app = hikari.GatewayBot(_OFFLINE_TOKEN, banner=None, logs=None)
    client = lightbulb.client_from_app(app)
    await registry.add_to_client(client)
    for record in registry.records:
        if record.status is not PluginStatus.LOADED or record.plugin is None:
            continue
        for loader in reversed(record.plugin.loaders):
            try:
                await loader.remove_from_client(client)
            except Exception:
                log.exception("plugin %s: could not unload after the load check", record.name)


def _import(ep: EntryPoint, api_version: str) -> PluginRecord:
    dist = ep.dist
    record = PluginRecord(
        name=ep.name,
        distribution=dist.name if dist is not None else "?",
        distribution_version=dist.version if dist is not None else None,
        entry_point=ep.value,
    )
    try:
        obj = ep.load()
    except Exception as exc:
        record.fail(PluginStatus.FAILED, f"import: {type(exc).__name__}: {exc}", traceback.format_exc())
        return record
    if not isinstance(obj, Plugin):
        record.fail(PluginStatus.REJECTED, f"{ep.value} is a {type(obj).__name__}, not a tatiana.Plugin")
        return record
    if obj.name != ep.name:
        record.fail(
            PluginStatus.REJECTED,
            f"entry point is named {ep.name!r} but the plugin calls itself {obj.name!r}",
        )
        return record
    if not obj.supports_api(api_version):
        record.fail(
            PluginStatus.REJECTED, f"requires plugin API {obj.requires!r}, this core provides {api_version}"
        )
        return record
    record.plugin = obj
    return record


def _reject_duplicates(records: list[PluginRecord]) -> None:
    by_name: dict[str, list[PluginRecord]] = {}
    for record in records:
        if record.usable:
            by_name.setdefault(record.name, []).append(record)
    for name, same in by_name.items():
        if len(same) > 1:
            dists = ", ".join(r.distribution for r in same)
            for record in same:
                record.fail(PluginStatus.REJECTED, f"duplicate plugin name {name!r} (provided by {dists})")
