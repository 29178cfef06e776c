"""What the bot keeps of Discord in memory: the hikari cache components named by the ``TATIANA_CACHE`` setting."""

from __future__ import annotations

import hikari
from hikari.impl import CacheSettings

from tatiana.settings import CACHE_COMPONENT_NAMES, DEFAULT_CACHE


def cache_components(spec: str = DEFAULT_CACHE) -> hikari.api.CacheComponents:
    """The components a ``TATIANA_CACHE`` value names: comma-separated names, ``all`` or ``none``."""
    names = {name.strip().lower() for name in spec.split(",") if name.strip()}
    if "all" in names:
        return hikari.api.CacheComponents.ALL
    unknown = names - CACHE_COMPONENT_NAMES - {"none"}
    if unknown:
        raise ValueError(f"unknown cache components: {', '.join(sorted(unknown))}")
    components = hikari.api.CacheComponents.NONE
    for name in names - {"none"}:
        components |= hikari.api.CacheComponents[name.upper()]
    return components


def cache_settings(spec: str = DEFAULT_CACHE) -> CacheSettings:
    """hikari's cache settings for a ``TATIANA_CACHE`` value (all members, not only the bot's own)."""
    return CacheSettings(components=cache_components(spec))
