"""The levels plugin's loader: its commands, its message listener, its error answers and per-bot state."""

import hikari
import lightbulb

from tatiana_levels.commands.errors import answer_cooldown
from tatiana_levels.commands.leaderboard import Leaderboard
from tatiana_levels.commands.rank import Rank
from tatiana_levels.commands.xp_admin import xp_group
from tatiana_levels.cooldowns import CooldownsLoadable
from tatiana_levels.listener import grant_xp

loader = lightbulb.Loader()
"""Everything the plugin adds to a bot's lightbulb client."""

loader.add(CooldownsLoadable())
loader.command(Rank)
loader.command(Leaderboard)
loader.command(xp_group)
loader.listener(hikari.GuildMessageCreateEvent)(grant_xp)
# Above the core's handler (priority -100), which would answer any failure as an error.
loader.error_handler(answer_cooldown, priority=10)

__all__ = ["loader"]
