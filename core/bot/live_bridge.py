"""Live events (from the API, other processes) handed to this process's plugin listeners as ``LiveEventReceived``.

Every bot process hears every live event of the coordination channel; only the one holding the guild's shard
dispatches it, so that a reaction (a mod-log post) happens once across the bot, and only when a plugin listens.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import hikari

from tatiana.coordination import EVENTS_CHANNEL, LiveEvent
from tatiana.coordination.follower import ChannelFollower
from tatiana.live_events import LiveEventReceived

if TYPE_CHECKING:
    from tatiana.coordination import Subscription

log = logging.getLogger(__name__)


def serves(app: hikari.GatewayBot, guild_id: int) -> bool:
    """Whether ``app`` holds the shard of ``guild_id`` now."""
    shards = app.shards
    if not shards:
        return False
    shard_count = next(iter(shards.values())).shard_count
    return hikari.snowflakes.calculate_shard_id(shard_count, guild_id) in shards


class LiveBridge(ChannelFollower):
    """Follows the live-events channel and dispatches the events of the guilds ``app`` serves."""

    channel = EVENTS_CHANNEL

    def __init__(self, app: hikari.GatewayBot) -> None:
        super().__init__()
        self._app = app

    async def _listen(self, subscription: Subscription) -> None:
        events = self._app.event_manager
        async for message in subscription:
            if not events.get_listeners(LiveEventReceived):
                continue  # no plugin listens: not even decoded
            event = LiveEvent.from_message(message)
            if event is None or event.guild_id is None or not serves(self._app, event.guild_id):
                continue
            try:
                events.dispatch(LiveEventReceived(self._app, event.kind, event.guild_id, event.data))
            except Exception:  # a bad event must not end the bridge
                log.exception("could not dispatch the live event %s of guild %s", event.kind, event.guild_id)
