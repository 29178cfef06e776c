"""Tatiana: a plugin-based Discord bot framework. This module is the public plugin API.

- ``Plugin``: what a plugin package exposes under the ``tatiana.plugins`` entry point.
- ``API_VERSION``: the plugin API version this core provides (checked against ``Plugin.requires``).
- ``NoSettings``: the settings model of a plugin without settings.
- ``PluginDefinitionError``: raised when a ``Plugin`` breaks the contract.
- ``Translator`` and ``load_translations``: a plugin's es/en texts; commands declare ``t: Translator`` to get
  theirs in the guild's language.
- ``ChannelId``, ``RoleId``: settings field types for Discord ids.
- ``record_case``, ``CaseRecord``, ``CaseUser``: a moderation action written to the core's ``moderation_logs``
  as its guild's next numbered case (by the moderation plugin, the API, or any plugin that acts on members);
  ``case_alert`` is the moderation alert of the row it wrote, for ``LiveEvents.moderation_alert``
  (``dm_first``: the action waits for the member's DM, which the bot confirms with ``LiveEvents.case_told``).
- ``Database``: the bot's database (sessions, transactions); commands and listeners declare ``db: Database``.
- ``GuildSettings``: a guild's settings of a plugin and its language, for listeners (commands get theirs
  injected); declare ``guild_settings: GuildSettings``.
- ``LiveEvents``: moderation alerts and activity for the dashboard's live view; declare ``live: LiveEvents``.
  ``LiveEventReceived``: the hikari event by which the bot process serving a guild hears that guild's live
  events, whoever published them (the API's moderation actions...); listen with
  ``@loader.listener(LiveEventReceived)``.
- ``RouteAccess``: the caller of a plugin's own API route (``Plugin(routes=...)``, mounted under
  ``/api/plugins/<name>``), with the API's role checks; handlers declare ``access: NamedDependency[RouteAccess]``.
- ``TaskContext``, ``every`` and ``Tasks``: background tasks (taskiq). A plugin lists async functions taking a
  ``TaskContext`` in ``Plugin(tasks=...)`` (``@every(seconds)`` for periodic ones); commands and listeners declare
  ``tasks: Tasks`` to run one now or later. They run in the bot's process, or in ``tatiana worker`` processes
  with REDIS_URL.
- ``BufferedCounter`` and ``Counters``: hot counters (XP per message) a plugin declares in
  ``Plugin(counters=...)`` and adds to through the injected ``counters: Counters``; the bot writes them in
  batches, one write per key and flush (Redis buffers them when configured, memory otherwise).

- ``AITool`` and ``ToolCall``: a function the AI model may call for the member who asks
  (``Plugin(ai_tools=...)``), run with that member's permissions; ``GuildTools`` (injected) offers and runs
  the tools of the plugins enabled in a guild.

Commands and listeners may also declare ``components: miru.Client`` (hikari-miru) to send buttons, selects and
modals. ``tatiana.testing`` (and the pytest fixtures the ``tatiana`` pytest plugin installs) runs a plugin's
commands on a local Discord sandbox in its tests.

Everything else may change between versions.
"""

from tatiana.ai_tools import AITool, GuildTools, ToolCall
from tatiana.background import TaskContext, Tasks, every
from tatiana.counters import BufferedCounter, Counters
from tatiana.database import Database
from tatiana.fields import ChannelId, RoleId
from tatiana.guild_settings import GuildSettings
from tatiana.i18n import Translator, load_translations
from tatiana.live_events import LiveEventReceived, LiveEvents
from tatiana.moderation_cases import CaseRecord, CaseUser, case_alert, record_case
from tatiana.plugin import API_VERSION, NoSettings, Plugin, PluginDefinitionError
from tatiana.route_access import RouteAccess

__all__ = [
    "API_VERSION",
    "AITool",
    "BufferedCounter",
    "CaseRecord",
    "CaseUser",
    "ChannelId",
    "Counters",
    "Database",
    "GuildSettings",
    "GuildTools",
    "LiveEventReceived",
    "LiveEvents",
    "NoSettings",
    "Plugin",
    "PluginDefinitionError",
    "RoleId",
    "RouteAccess",
    "TaskContext",
    "Tasks",
    "ToolCall",
    "Translator",
    "case_alert",
    "every",
    "load_translations",
    "record_case",
]
__version__ = "0.1.0"
