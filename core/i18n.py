"""Translations: plugins ship ``locales/es.toml`` and ``locales/en.toml``; commands get a ``Translator``."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from importlib import resources
from typing import Any

import hikari
import lightbulb

LANGUAGES = ("es", "en")
DEFAULT_LANGUAGE = "es"
DISCORD_LOCALES: dict[str, tuple[hikari.Locale, ...]] = {
    "es": (hikari.Locale.ES_ES, hikari.Locale.ES_LATAM),
    "en": (hikari.Locale.EN_US, hikari.Locale.EN_GB),
}


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        if isinstance(value, Mapping):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = str(value)
    return flat


def load_translations(package: str, folder: str = "locales") -> dict[str, dict[str, str]]:
    """``<package>/<folder>/<language>.toml`` for every language, nested tables flattened to dotted keys."""
    root = resources.files(package) / folder
    return {
        language: _flatten(tomllib.loads((root / f"{language}.toml").read_text(encoding="utf-8")))
        for language in LANGUAGES
        if (root / f"{language}.toml").is_file()
    }


class Translator:
    """A plugin's texts in one language (falling back to English, then to the key); injected into commands."""

    def __init__(
        self, translations: Mapping[str, Mapping[str, str]], language: str = DEFAULT_LANGUAGE
    ) -> None:
        self.translations = translations
        self.language = language if language in LANGUAGES else DEFAULT_LANGUAGE

    def __call__(self, key: str, **values: Any) -> str:
        """The text ``key`` filled in with ``values``."""
        for language in (self.language, "en"):
            template = self.translations.get(language, {}).get(key)
            if template is not None:
                return template.format(**values) if values else template
        return key

    def to(self, language: str) -> Translator:
        """The same texts in another language."""
        return Translator(self.translations, language)


def localization_provider(
    translations: Mapping[str, Mapping[str, str]],
) -> lightbulb.DictLocalizationProvider:
    """A lightbulb provider for command names and descriptions declared with ``localize=True``."""
    table: dict[hikari.Locale, dict[str, str]] = {}
    for language, texts in translations.items():
        for locale in DISCORD_LOCALES.get(language, ()):
            table.setdefault(locale, {}).update(texts)
    return lightbulb.DictLocalizationProvider(table)
