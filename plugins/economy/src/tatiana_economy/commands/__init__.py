"""The economy plugin's slash commands, buttons and error handler, in one lightbulb loader."""

from tatiana_economy.commands import admin, balance, daily, leaderboard, pay, shop
from tatiana_economy.commands.common import loader

__all__ = ["admin", "balance", "daily", "leaderboard", "loader", "pay", "shop"]
