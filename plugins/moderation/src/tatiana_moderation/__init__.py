"""Tatiana's moderation plugin: warnings with DMs and a moderation log channel."""

from importlib.metadata import version

from tatiana import Plugin, load_translations
from tatiana_moderation.commands import loader
from tatiana_moderation.settings import ModerationSettings

__all__ = ["ModerationSettings", "plugin"]

plugin = Plugin(
    name="moderation",
    version=version("tatiana-moderation"),
    description="Warnings for members, told by DM and posted in a moderation log channel.",
    requires="1.*",
    loaders=[loader],
    settings=ModerationSettings,
    translations=load_translations("tatiana_moderation"),
)
"""The plugin object, found through the ``tatiana.plugins`` entry point ``moderation``."""
