"""Tatiana's economy plugin: each server's own currency, wallets and daily rewards."""

from importlib.metadata import version

from tatiana import Plugin, load_translations
from tatiana_economy.commands import loader
from tatiana_economy.settings import EconomySettings

__all__ = ["EconomySettings", "plugin"]

plugin = Plugin(
    name="economy",
    version=version("tatiana-economy"),
    description="Each server's own currency: wallets, daily rewards with streaks, payments between members.",
    requires="1.*",
    loaders=[loader],
    settings=EconomySettings,
    translations=load_translations("tatiana_economy"),
)
"""The plugin object, found through the ``tatiana.plugins`` entry point ``economy``."""
