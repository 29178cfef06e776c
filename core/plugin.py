"""The plugin contract: the one object a plugin package exposes through its entry point."""

from __future__ import annotations

import functools
import inspect
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version
from pydantic import BaseModel

from tatiana.ai_tools import AITool
from tatiana.counters.buffered import BufferedCounter

if TYPE_CHECKING:
    import lightbulb
    from sqlalchemy import MetaData

API_VERSION = "1.0"
"""The version of the plugin API this core provides; a plugin's `requires` is checked against it."""

NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,31}$")
LOCALES = ("es", "en")


@functools.lru_cache(maxsize=512)
def _json_schema(model: type[BaseModel]) -> str:
    # Generating a schema takes milliseconds; GET /api/plugins asks for every plugin's on each request.
    return json.dumps(model.model_json_schema())


class PluginDefinitionError(ValueError):
    """A plugin object that does not satisfy the contract."""


class NoSettings(BaseModel):
    """Settings model of a plugin that has none."""


@dataclass(frozen=True, kw_only=True, eq=False)
class Plugin:
    """A Tatiana plugin, exposed by its package under the ``tatiana.plugins`` entry point group.

    Only ``name``, ``version``, ``description`` and ``requires`` are required:

    - ``requires``: the plugin API versions it works with, a PEP 440 specifier (``">=1.0,<2"``)
      or a bare version pattern (``"1.*"``).
    - ``loaders``: hikari-lightbulb loaders holding its commands, listeners and error handlers.
    - ``settings``: a pydantic model of its per-guild settings; every field needs a default. Its JSON
      schema is the form the dashboard renders.
    - ``migrations``: a folder of Alembic revisions (its own branch, labelled with the plugin's name).
    - ``metadata``: the SQLAlchemy ``MetaData`` of its tables, compared against its migrations.
    - ``tasks``: async functions run as background tasks (taskiq) under ``<plugin>.<function>``; each takes a
      ``TaskContext`` first, then keyword arguments; ``@every(seconds)`` makes one periodic.
    - ``routes``: Litestar route handlers or routers, mounted under ``/api/plugins/<name>``.
    - ``translations``: ``{"es": {key: text}, "en": {key: text}}`` for its messages and command names.
    - ``counters``: its ``BufferedCounter``s, named ``"<plugin>.<what>"``: hot increments the bot buffers and
      writes in batches (XP per message, usage counts) instead of one database write each.
    - ``ai_tools``: ``AITool``s the AI model may call for a member of a guild where the plugin is on.
    """

    name: str
    version: str
    description: str
    requires: str
    loaders: Sequence[lightbulb.Loader] = ()
    settings: type[BaseModel] = NoSettings
    migrations: Path | str | None = None
    metadata: MetaData | None = None
    tasks: Sequence[Callable[..., Any]] = ()
    routes: Sequence[Any] = ()
    translations: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    counters: Sequence[BufferedCounter] = ()
    ai_tools: Sequence[AITool] = ()

    def __post_init__(self) -> None:
        if not NAME_PATTERN.match(self.name):
            raise PluginDefinitionError(
                f"plugin name {self.name!r} must be 2-32 lowercase letters, digits or '_', starting with a letter"
            )
        try:
            Version(self.version)
        except InvalidVersion:
            raise PluginDefinitionError(
                f"plugin {self.name!r}: version {self.version!r} is not PEP 440"
            ) from None
        self.api_specifier()  # validates `requires`
        if not (isinstance(self.settings, type) and issubclass(self.settings, BaseModel)):
            raise PluginDefinitionError(
                f"plugin {self.name!r}: settings must be a pydantic BaseModel subclass"
            )
        missing = [n for n, f in self.settings.model_fields.items() if f.is_required()]
        if missing:
            raise PluginDefinitionError(
                f"plugin {self.name!r}: settings fields without a default: {', '.join(missing)}"
            )
        unknown = set(self.translations) - set(LOCALES)
        if unknown:
            raise PluginDefinitionError(
                f"plugin {self.name!r}: translations for unsupported locales: {', '.join(sorted(unknown))}"
            )
        if self.migrations is not None and not Path(self.migrations).is_dir():
            raise PluginDefinitionError(
                f"plugin {self.name!r}: migrations folder {self.migrations} does not exist"
            )
        for task in self.tasks:
            if not inspect.iscoroutinefunction(task):
                raise PluginDefinitionError(f"plugin {self.name!r}: task {task!r} is not an async function")
        for counter in self.counters:
            if not isinstance(counter, BufferedCounter) or not counter.name.startswith(f"{self.name}."):
                raise PluginDefinitionError(
                    f"plugin {self.name!r}: counters must be BufferedCounter objects named '{self.name}.<what>',"
                    f" not {counter!r}"
                )

        names = [tool.name for tool in self.ai_tools if isinstance(tool, AITool)]
        if len(names) != len(self.ai_tools) or len(set(names)) != len(names):
            raise PluginDefinitionError(
                f"plugin {self.name!r}: ai_tools must be AITool objects with distinct names"
            )

    def api_specifier(self) -> SpecifierSet:
        """The plugin API versions this plugin accepts, as a specifier set."""
        text = self.requires.strip()
        if text and text[0].isdigit():
            text = f"=={text}"
        try:
            return SpecifierSet(text)
        except InvalidSpecifier:
            raise PluginDefinitionError(
                f"plugin {self.name!r}: requires={self.requires!r} is not a version specifier"
            ) from None

    def supports_api(self, api_version: str = API_VERSION) -> bool:
        """Whether this plugin works with the given plugin API version."""
        return self.api_specifier().contains(api_version, prereleases=True)

    def settings_schema(self) -> dict[str, Any]:
        """The JSON schema of the settings model, as the dashboard renders it (a new copy each call)."""
        schema: dict[str, Any] = json.loads(_json_schema(self.settings))
        return schema

    def translate(self, locale: str, key: str, **values: Any) -> str:
        """The text for ``key`` in ``locale`` (falling back to ``en``, then to the key), formatted with ``values``."""
        for candidate in (locale, "en"):
            text = self.translations.get(candidate, {}).get(key)
            if text is not None:
                return text.format(**values) if values else text
        return key
