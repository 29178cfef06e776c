"""Each command that ran in a guild, published to the dashboards watching it (the ``activity`` live event)."""

from __future__ import annotations

import logging
from collections.abc import Callable

import lightbulb

from tatiana.bot.command_names import invoked_name
from tatiana.live_events import LiveEvents

log = logging.getLogger(__name__)


def command_activity_hook(
    live: LiveEvents, plugin_of: Callable[[lightbulb.Context], str | None]
) -> lightbulb.ExecutionHook:
    """A client hook publishing ``{"action": "command", "command", "plugin", "user_id", "channel_id"}``.

    Only commands that ran to the end count: one refused (plugin off, cooldown) or failed is not activity.
    """

    @lightbulb.hook(lightbulb.ExecutionSteps.POST_INVOKE, skip_when_failed=True, name="tatiana-activity")
    async def published(_: lightbulb.ExecutionPipeline, context: lightbulb.Context) -> None:
        if context.guild_id is None:
            return
        data = {
            "action": "command",
            "command": invoked_name(context),
            "plugin": plugin_of(context),
            "user_id": str(context.user.id),
            "channel_id": str(context.channel_id),
        }
        try:
            await live.activity(int(context.guild_id), data)
        except Exception as exc:
            # The dashboard misses one line of its feed; the command itself already answered.
            log.debug("command activity not published: %s", exc)

    return published
