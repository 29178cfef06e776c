"""Tatiana's levels plugin: XP for messages, levels and level-up announcements."""

from importlib.metadata import version

from tatiana import Plugin, load_translations
from tatiana_levels.commands import loader
from tatiana_levels.settings import Announce, LevelsSettings

__all__ = ["Announce", "LevelsSettings", "plugin"]

plugin = Plugin(
    name="levels",
    version=version("tatiana-levels"),
    description="XP for taking part in the conversation, levels, and level-up announcements.",
    requires="1.*",
    loaders=[loader],
    settings=LevelsSettings,
    translations=load_translations("tatiana_levels"),
)
"""The plugin object, found through the ``tatiana.plugins`` entry point ``levels``."""
