"""The deployment's plugin configuration (``plugins.toml``): which plugins new guilds get, and their defaults."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from tatiana.registry import PluginRegistry

PLUGIN_KEYS = {"enabled", "settings"}


class DeploymentConfigError(ValueError):
    """plugins.toml is unreadable or says something invalid; the message names the file, key and problem."""


@dataclass(frozen=True)
class PluginDefault:
    """One plugin's deployment default: on for new guilds or not, and settings overriding the model's defaults."""

    enabled: bool = False
    settings: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DeploymentConfig:
    """The validated contents of plugins.toml; plugins it does not name are off by default."""

    path: Path | None = None
    plugins: Mapping[str, PluginDefault] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    def enabled_by_default(self, plugin: str) -> bool:
        """Whether ``plugin`` is on in a guild that never toggled it."""
        return self.plugins.get(plugin, PluginDefault()).enabled

    def settings_defaults(self, plugin: str) -> dict[str, Any]:
        """The deployment's settings for ``plugin``, before a guild changes any."""
        return dict(self.plugins.get(plugin, PluginDefault()).settings)

    @classmethod
    def load(cls, path: Path, registry: PluginRegistry, *, required: bool = False) -> DeploymentConfig:
        """Read and validate ``path`` against the installed plugins; a missing optional file means no defaults."""
        if not path.exists():
            if required:
                raise DeploymentConfigError(f"{path}: file not found")
            return cls(path=None)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise DeploymentConfigError(f"{path}: invalid TOML: {exc}") from None
        except OSError as exc:
            raise DeploymentConfigError(f"{path}: cannot read: {exc.strerror}") from None
        return cls.parse(data, registry, source=path)

    @classmethod
    def parse(cls, data: Mapping[str, Any], registry: PluginRegistry, *, source: Path) -> DeploymentConfig:
        """Validate already-parsed TOML ``data``; errors are reported as coming from ``source``."""
        unknown_top = set(data) - {"plugins"}
        if unknown_top:
            raise DeploymentConfigError(
                f"{source}: {sorted(unknown_top)[0]}: unknown key (expected [plugins.<name>])"
            )
        tables = data.get("plugins", {})
        if not isinstance(tables, dict):
            raise DeploymentConfigError(f"{source}: plugins: must be a table of [plugins.<name>]")
        plugins: dict[str, PluginDefault] = {}
        warnings: list[str] = []
        for name, table in tables.items():
            key = f"plugins.{name}"
            record = registry.record(name)
            if record is None:
                installed = ", ".join(r.name for r in registry.records) or "none"
                raise DeploymentConfigError(
                    f"{source}: {key}: no installed plugin named {name!r} (installed: {installed})"
                )
            plugins[name] = _parse_plugin(table, key, record.plugin if record.usable else None, source)
            if not record.usable:
                warnings.append(
                    f"{key}: plugin is {record.status.value} ({record.error}); its settings are not checked"
                )
        return cls(path=source, plugins=plugins, warnings=tuple(warnings))


def _parse_plugin(table: Any, key: str, plugin: Any, source: Path) -> PluginDefault:
    if not isinstance(table, dict):
        raise DeploymentConfigError(f"{source}: {key}: must be a table with 'enabled' and 'settings'")
    unknown = set(table) - PLUGIN_KEYS
    if unknown:
        raise DeploymentConfigError(
            f"{source}: {key}.{sorted(unknown)[0]}: unknown key (expected enabled, settings)"
        )
    enabled = table.get("enabled", False)
    if not isinstance(enabled, bool):
        raise DeploymentConfigError(f"{source}: {key}.enabled: must be true or false, not {enabled!r}")
    settings = table.get("settings", {})
    if not isinstance(settings, dict):
        raise DeploymentConfigError(f"{source}: {key}.settings: must be a table")
    if plugin is not None:
        model = plugin.settings
        fields = set(model.model_fields) | {f.alias for f in model.model_fields.values() if f.alias}
        for setting in settings:
            if setting not in fields:
                raise DeploymentConfigError(
                    f"{source}: {key}.settings.{setting}: unknown setting (known: {', '.join(sorted(model.model_fields))})"
                )
        try:
            model.model_validate(settings)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            raise DeploymentConfigError(f"{source}: {key}.settings.{where}: {first['msg']}") from None
    return PluginDefault(enabled=enabled, settings=settings)
