"""Tatiana: a plugin-based Discord bot framework. This module is the public plugin API.

- ``Plugin``: what a plugin package exposes under the ``tatiana.plugins`` entry point.
- ``API_VERSION``: the plugin API version this core provides (checked against ``Plugin.requires``).
- ``NoSettings``: the settings model of a plugin without settings.
- ``PluginDefinitionError``: raised when a ``Plugin`` breaks the contract.
- ``Translator`` and ``load_translations``: a plugin's es/en texts; commands declare ``t: Translator`` to get
  theirs in the guild's language.
- ``ChannelId``, ``RoleId``: settings field types for Discord ids.
- ``Database``: the bot's database (sessions, transactions); commands and listeners declare ``db: Database``.
- ``GuildSettings``: a guild's settings of a plugin and its language, for listeners (commands get theirs
  injected); declare ``guild_settings: GuildSettings``.
- ``LiveEvents``: moderation alerts and activity for the dashboard's live view; declare ``live: LiveEvents``.
- ``BufferedCounter`` and ``Counters``: hot counters (XP per message) a plugin declares in
  ``Plugin(counters=...)`` and adds to through the injected ``counters: Counters``; the bot writes them in
  batches, one write per key and flush (Redis buffers them when configured, memory otherwise).

Commands and listeners may also declare ``components: miru.Client`` (hikari-miru) to send buttons, selects and
modals. ``tatiana.testing`` (and the pytest fixtures the ``tatiana`` pytest plugin installs) runs a plugin's
commands on a local Discord sandbox in its tests.

Everything else may change between versions.
"""

from tatiana.counters import BufferedCounter, Counters
from tatiana.database import Database
from tatiana.fields import ChannelId, RoleId
from tatiana.guild_settings import GuildSettings
from tatiana.i18n import Translator, load_translations
from tatiana.live_events import LiveEvents
from tatiana.plugin import API_VERSION, NoSettings, Plugin, PluginDefinitionError

__all__ = [
    "API_VERSION",
    "BufferedCounter",
    "ChannelId",
    "Counters",
    "Database",
    "GuildSettings",
    "LiveEvents",
    "NoSettings",
    "Plugin",
    "PluginDefinitionError",
    "RoleId",
    "Translator",
    "load_translations",
]
__version__ = "0.1.0"
