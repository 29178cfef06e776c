"""This plugin's texts in Spanish and English (``locales/<language>.toml``) and the language to answer in."""

from __future__ import annotations

import tomllib
from importlib import resources
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import hikari

LANGUAGES = ("es", "en")
DEFAULT_LANGUAGE = "es"


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = str(value)
    return flat


def load_translations() -> dict[str, dict[str, str]]:
    """Every text of this plugin by language, TOML tables flattened into dotted keys (``a.b.c``)."""
    folder = resources.files(__name__.rpartition(".")[0]) / "locales"
    return {
        language: _flatten(tomllib.loads((folder / f"{language}.toml").read_text(encoding="utf-8")))
        for language in LANGUAGES
    }


TRANSLATIONS = load_translations()
"""This plugin's texts as ``Plugin(translations=...)`` takes them: ``{"es": {key: text}, "en": {...}}``."""


def text(language: str, key: str, **values: Any) -> str:
    """The text ``key`` in ``language`` (English when that language lacks it), filled in with ``values``."""
    template = TRANSLATIONS.get(language, {}).get(key) or TRANSLATIONS["en"][key]
    return template.format(**values)


def language_of(interaction: hikari.CommandInteraction) -> str:
    """The language of the member's Discord client when it is one we speak, otherwise the default, Spanish."""
    language = str(interaction.locale).split("-", 1)[0]
    return language if language in LANGUAGES else DEFAULT_LANGUAGE
