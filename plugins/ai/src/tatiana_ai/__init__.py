"""Tatiana's AI plugin: a Gemini model answering questions and conversations, with a persona and budgets."""

from importlib.metadata import version
from pathlib import Path

from tatiana import Plugin, load_translations
from tatiana_ai.commands import loader
from tatiana_ai.settings import AISettings
from tatiana_ai.tables import metadata

__all__ = ["AISettings", "plugin"]

plugin = Plugin(
    name="ai",
    version=version("tatiana-ai"),
    description="A Gemini model answering questions, mentions and /chat threads, with a persona and daily budgets.",
    requires="1.*",
    loaders=[loader],
    settings=AISettings,
    migrations=Path(__file__).parent / "migrations",
    metadata=metadata,
    translations=load_translations("tatiana_ai"),
)
"""The plugin object, found through the ``tatiana.plugins`` entry point ``ai``."""
