"""hikari-miru's client for plugins, behind the per-guild switch: a view answers only where its plugin is on.

A view started while a plugin's command runs belongs to that plugin. When a member presses one of its buttons
in a guild where the plugin has since been switched off, the press is answered with the plugin-disabled
sentence and the view's callback never runs: a payment confirmed after the economy was turned off moves no coin.
"""

from __future__ import annotations

import contextvars
import weakref
from typing import TYPE_CHECKING, Any

import hikari
import miru

from tatiana.bot.messages import message

if TYPE_CHECKING:
    from tatiana.bot.gating import PluginGate

RUNNING_PLUGIN: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "tatiana_running_plugin", default=None
)
"""The plugin whose command is running in this task (set by the gate), for the views it starts."""


class GatedComponents(miru.Client):
    """A ``miru.Client`` whose views are gated by the guild switch of the plugin that started them."""

    def __init__(self, app: Any, gate: PluginGate, **options: Any) -> None:
        super().__init__(app, **options)
        self._gate = gate
        self._owners: weakref.WeakKeyDictionary[miru.View, str] = weakref.WeakKeyDictionary()

    def start_view(
        self,
        view: miru.View,
        *,
        bind_to: hikari.UndefinedNoneOr[hikari.SnowflakeishOr[hikari.PartialMessage]] = hikari.UNDEFINED,
    ) -> None:
        """Start ``view``, remembering the plugin whose command started it."""
        plugin = RUNNING_PLUGIN.get()
        if plugin is not None:
            self._owners[view] = plugin
        super().start_view(view, bind_to=bind_to)

    async def handle_component_interaction(self, interaction: hikari.ComponentInteraction) -> Any:
        """Refuse a press on a view whose plugin is off in the interaction's guild; let miru handle the rest."""
        # The same lookup miru makes: the view bound to the message, else the one waiting for this custom id.
        view = self._bound_views.get(interaction.message.id) or self._unbound_views.get(interaction.custom_id)
        plugin = self._owners.get(view) if view is not None else None
        guild_id = interaction.guild_id
        if (
            plugin is not None
            and guild_id is not None
            and not await self._gate.is_enabled(int(guild_id), plugin)
        ):
            self._gate.refused(plugin, "component")
            locale = await self._gate.language(int(guild_id))
            await interaction.create_initial_response(
                hikari.ResponseType.MESSAGE_CREATE,
                message(locale, "plugin_disabled", plugin=plugin),
                flags=hikari.MessageFlag.EPHEMERAL,
            )
            return None
        return await super().handle_component_interaction(interaction)
