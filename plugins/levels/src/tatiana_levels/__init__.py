"""Tatiana's levels plugin: XP for messages, levels, level-up announcements, role rewards and rank cards."""

from importlib.metadata import version
from pathlib import Path

from tatiana import Plugin
from tatiana_levels.commands import loader
from tatiana_levels.models import metadata
from tatiana_levels.settings import Announce, LevelsSettings
from tatiana_levels.texts import TRANSLATIONS
from tatiana_levels.xp import XP

__all__ = ["XP", "Announce", "LevelsSettings", "plugin"]

plugin = Plugin(
    name="levels",
    version=version("tatiana-levels"),
    description="XP for taking part in the conversation, levels, level-up announcements and role rewards.",
    requires="1.*",
    loaders=[loader],
    settings=LevelsSettings,
    migrations=Path(__file__).parent / "migrations",
    metadata=metadata,
    translations=TRANSLATIONS,
    counters=[XP],
)
"""The plugin object, found through the ``tatiana.plugins`` entry point ``levels``."""
