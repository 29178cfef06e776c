"""The automod loader: its per-bot state and its message listener, added to the plugin next to the commands."""

import hikari
import lightbulb

from tatiana_moderation.automod.listener import moderate_message
from tatiana_moderation.automod.state import StateLoadable

loader = lightbulb.Loader()
"""Automod's part of the moderation plugin."""

loader.add(StateLoadable())
loader.listener(hikari.GuildMessageCreateEvent)(moderate_message)
