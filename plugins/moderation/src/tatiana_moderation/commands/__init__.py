"""The moderation plugin's slash commands, one module per kind of target, sharing one loader."""

from tatiana_moderation.commands import cases, channels, members
from tatiana_moderation.commands.common import loader

__all__ = ["cases", "channels", "loader", "members"]
