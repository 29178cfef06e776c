"""Testing support for Tatiana and its plugins: the local Discord sandbox and pytest fixtures.

The names a plugin author needs, importable from here:

- ``Sandbox``: a local Discord-compatible server (REST and Gateway v10) that the real hikari client uses.
- ``seed_demo``: fills a sandbox's world with the demo guild "Tatiana Dev" and its members.
- ``sandbox_bot``: the real Tatiana bot with chosen plugins, started on a sandbox (an async context manager).
- ``SandboxUser``: a member who runs commands, presses buttons and submits modals; ``Reply``: what the bot
  answered.
- ``Attachment``: a file given to an attachment option.
- ``check_plugin_migrations``: a plugin's Alembic branch upgraded, compared with its models and taken down
  alone, on the database of a test (``database_url`` runs it on SQLite and PostgreSQL).
- ``FakeGemini``: a local Gemini-compatible server the real google-genai client reaches by base URL.

The pytest fixtures (``sandbox``, ``bot``, ``guild``, ``member``, ``moderator``, ``owner``) live in
``tatiana.testing.pytest_plugin``, which pytest loads by itself.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tatiana.testing.gemini import FakeGemini
    from tatiana.testing.harness import sandbox_bot
    from tatiana.testing.migrations import check_plugin_migrations
    from tatiana.testing.sandbox.interactions import Attachment, Reply, SandboxUser
    from tatiana.testing.sandbox.seed import seed_demo
    from tatiana.testing.sandbox.server import Sandbox

__all__ = [
    "Attachment",
    "FakeGemini",
    "Reply",
    "Sandbox",
    "SandboxUser",
    "check_plugin_migrations",
    "sandbox_bot",
    "seed_demo",
]

# Imported on first use: pytest imports this package with its plugin in every run, before any fixture is used.
_HOMES = {
    "Attachment": "tatiana.testing.sandbox.interactions",
    "FakeGemini": "tatiana.testing.gemini",
    "Reply": "tatiana.testing.sandbox.interactions",
    "SandboxUser": "tatiana.testing.sandbox.interactions",
    "Sandbox": "tatiana.testing.sandbox.server",
    "sandbox_bot": "tatiana.testing.harness",
    "check_plugin_migrations": "tatiana.testing.migrations",
    "seed_demo": "tatiana.testing.sandbox.seed",
}


def __getattr__(name: str) -> Any:
    """The exported names, imported when first asked for."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
