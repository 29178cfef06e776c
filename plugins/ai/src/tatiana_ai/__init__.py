"""Tatiana's AI plugin: questions answered by a Gemini model, with a persona and daily token budgets."""

from importlib.metadata import version

from tatiana import Plugin, load_translations
from tatiana_ai.commands import loader
from tatiana_ai.settings import AISettings

__all__ = ["AISettings", "plugin"]

plugin = Plugin(
    name="ai",
    version=version("tatiana-ai"),
    description="Questions answered by a Gemini model, with a persona and daily token budgets per server.",
    requires="1.*",
    loaders=[loader],
    settings=AISettings,
    translations=load_translations("tatiana_ai"),
)
"""The plugin object, found through the ``tatiana.plugins`` entry point ``ai``."""
