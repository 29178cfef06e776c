"""Tatiana's economy plugin: each server's own currency, wallets, daily rewards, payments and a shop."""

from importlib.metadata import version
from pathlib import Path

from tatiana import Plugin, load_translations
from tatiana_economy.ai_tools import balance
from tatiana_economy.api_routes import ROUTES
from tatiana_economy.commands import loader
from tatiana_economy.settings import EconomySettings
from tatiana_economy.tables import metadata

__all__ = ["EconomySettings", "plugin"]

plugin = Plugin(
    name="economy",
    version=version("tatiana-economy"),
    description="Each server's own currency: wallets, daily rewards with streaks, payments, a shop.",
    requires="1.*",
    loaders=[loader],
    settings=EconomySettings,
    migrations=Path(__file__).parent / "migrations",
    metadata=metadata,
    translations=load_translations("tatiana_economy"),
    ai_tools=[balance],
    routes=ROUTES,
)
"""The plugin object, found through the ``tatiana.plugins`` entry point ``economy``."""
