"""The core's own user-facing sentences, in every supported language."""

from __future__ import annotations

from typing import Any

MESSAGES: dict[str, dict[str, str]] = {
    "es": {
        "plugin_disabled": "El módulo «{plugin}» está desactivado en este servidor.",
        "plugin_error": "Algo falló en «{plugin}». El error quedó registrado; inténtalo de nuevo más tarde.",
        "guild_only": "Este comando solo funciona dentro de un servidor.",
    },
    "en": {
        "plugin_disabled": "The “{plugin}” module is disabled on this server.",
        "plugin_error": "Something went wrong in “{plugin}”. The error was logged; please try again later.",
        "guild_only": "This command only works inside a server.",
    },
}


def message(locale: str, key: str, **values: Any) -> str:
    """The core sentence ``key`` in ``locale`` (English if the locale is unknown)."""
    table = MESSAGES.get(locale, MESSAGES["en"])
    return table[key].format(**values)
