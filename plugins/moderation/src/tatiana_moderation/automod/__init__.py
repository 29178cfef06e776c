"""Automod: rules checked on every message (spam, duplicates, mentions, invites, links, words, caps, files)."""

from tatiana_moderation.automod.settings import AutomodSettings

__all__ = ["AutomodSettings"]
