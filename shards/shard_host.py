"""The shards of one process, run on its started GatewayBot: added and removed one at a time while it runs.

hikari's ``GatewayBot.start`` starts a fixed set of shards; a shard process starts it with none and adds each
shard it leases here, so that leases can come and go without restarting the bot. Added shards go into the bot's
shard map (``GatewayBot.shards``), where hikari's presence updates, member requests and ``close`` find them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any

import hikari

from tatiana.sharding.records import ResumeState, ShardState
from tatiana.shards.coordinated_shard import CoordinatedShard

log = logging.getLogger(__name__)


@dataclass
class HostedShard:
    """One shard of this process and the guilds Discord said it carries."""

    shard: CoordinatedShard
    guild_ids: set[int] = field(default_factory=set)
    started: bool = False
    stopping: bool = False
    watcher: asyncio.Task[None] | None = None


@dataclass(frozen=True, slots=True)
class ShardReport:
    """What this process knows of one of its shards right now."""

    shard_id: int
    state: ShardState
    latency: float | None
    guilds: int


def _shard_options(app: hikari.GatewayBot, shard_id: int, shard_count: int, url: str) -> dict[str, Any]:
    # The same arguments GatewayBot._start_one_shard gives its own shards (hikari 2.6).
    return {
        "http_settings": app.http_settings,
        "proxy_settings": app.proxy_settings,
        "event_manager": app.event_manager,
        "event_factory": app.event_factory,
        "intents": app.intents,
        "capabilities": app._capabilities,
        "dumps": app._dumps,
        "loads": app._loads,
        "token": app._token,
        "shard_id": shard_id,
        "shard_count": shard_count,
        "url": url,
    }


class ShardHost:
    """Starts, stops and hands over the shards of one running GatewayBot.

    ``identify_turn(shard_id)`` is awaited before every IDENTIFY; ``on_exit(shard_id, error)`` is called when a
    started shard stops by itself (hikari gave up on it), not when it is stopped here.
    """

    def __init__(
        self,
        app: hikari.GatewayBot,
        *,
        shard_count: int,
        gateway_url: str,
        identify_turn: Callable[[int], Awaitable[None]],
        on_exit: Callable[[int, BaseException | None], None] | None = None,
    ) -> None:
        self.app = app
        self.shard_count = shard_count
        self.gateway_url = gateway_url
        self._identify_turn = identify_turn
        self.on_exit = on_exit
        self._shards: dict[int, HostedShard] = {}
        app.event_manager.subscribe(hikari.ShardReadyEvent, self._on_ready)
        app.event_manager.subscribe(hikari.GuildAvailableEvent, self._on_guild)
        app.event_manager.subscribe(hikari.GuildJoinEvent, self._on_guild)
        app.event_manager.subscribe(hikari.GuildLeaveEvent, self._on_guild_left)

    @property
    def shard_ids(self) -> set[int]:
        """The shards this process runs or is starting."""
        return set(self._shards)

    async def start(self, shard_id: int, resume: ResumeState | None = None) -> bool:
        """Connect the shard, resuming ``resume`` if given; once READY or RESUMED, whether it resumed.

        Raises if it cannot start, or if it is stopped meanwhile.
        """
        if shard_id in self._shards:
            raise ValueError(f"shard {shard_id} is already running here")
        shard = CoordinatedShard(
            identify_turn=self._identify_turn,
            resume=resume,
            **_shard_options(self.app, shard_id, self.shard_count, self.gateway_url),
        )
        hosted = HostedShard(shard, set(resume.guild_ids) if resume else set())
        self._shards[shard_id] = hosted
        try:
            await shard.start()
        except BaseException:
            if self._shards.get(shard_id) is hosted:
                del self._shards[shard_id]
            with contextlib.suppress(Exception):
                await shard.terminate()
            raise
        if hosted.stopping or self._shards.get(shard_id) is not hosted:
            raise RuntimeError(f"shard {shard_id} was stopped while starting")
        hosted.started = True
        self.app._shards[shard_id] = shard
        hosted.watcher = asyncio.create_task(self._watch(shard_id, hosted), name=f"watch shard {shard_id}")
        return shard.identified == 0

    async def stop(self, shard_id: int) -> None:
        """Disconnect the shard (ending its session unless frozen); nothing if it is not here."""
        hosted = self._forget(shard_id)
        if hosted is not None:
            await self._terminate(hosted)

    def freeze(self, shard_id: int) -> ResumeState | None:
        """Stop passing the shard's events to the bot; its session if resumable, else None.

        Once frozen no further event of the shard reaches this process's bot, and ``stop`` keeps the session
        resumable: every later event is replayed to whoever resumes the returned session.
        """
        hosted = self._shards.get(shard_id)
        if hosted is None:
            return None
        state = hosted.shard.freeze()
        return None if state is None else replace(state, guild_ids=tuple(sorted(hosted.guild_ids)))

    def report(self, shard_id: int) -> ShardReport:
        """The shard's state, latency and guild count."""
        hosted = self._shards[shard_id]
        shard = hosted.shard
        if not hosted.started:
            state = ShardState.WAITING if shard.waiting_for_identify else ShardState.CONNECTING
        else:
            state = ShardState.READY if shard.is_connected else ShardState.RECONNECTING
        latency = shard.heartbeat_latency
        return ShardReport(shard_id, state, None if math.isnan(latency) else latency, len(hosted.guild_ids))

    async def stop_all(self) -> None:
        """Disconnect every shard for good."""
        await asyncio.gather(*(self.stop(shard_id) for shard_id in list(self._shards)))

    def _forget(self, shard_id: int) -> HostedShard | None:
        hosted = self._shards.pop(shard_id, None)
        if hosted is None:
            return None
        hosted.stopping = True
        if self.app._shards.get(shard_id) is hosted.shard:
            del self.app._shards[shard_id]
        return hosted

    async def _terminate(self, hosted: HostedShard) -> None:
        try:
            await hosted.shard.terminate()
        except Exception:
            log.exception("shard %s did not close cleanly", hosted.shard.id)
        watcher = hosted.watcher
        if watcher is not None and watcher is not asyncio.current_task():
            await asyncio.wait([watcher])

    async def _watch(self, shard_id: int, hosted: HostedShard) -> None:
        error: BaseException | None = None
        try:
            await hosted.shard.join()
        except Exception as exc:
            error = exc
        if hosted.stopping:
            return
        log.error("shard %s stopped by itself%s", shard_id, f": {error!r}" if error else "")
        self._forget(shard_id)
        if self.on_exit is not None:
            self.on_exit(shard_id, error)

    def _hosted_for_guild(self, guild_id: int) -> HostedShard | None:
        return self._shards.get(hikari.snowflakes.calculate_shard_id(self.shard_count, guild_id))

    async def _on_ready(self, event: hikari.ShardReadyEvent) -> None:
        hosted = self._shards.get(event.shard.id)
        if hosted is not None:
            hosted.guild_ids = {int(guild_id) for guild_id in event.unavailable_guilds}

    async def _on_guild(self, event: hikari.GuildAvailableEvent | hikari.GuildJoinEvent) -> None:
        hosted = self._hosted_for_guild(int(event.guild_id))
        if hosted is not None:
            hosted.guild_ids.add(int(event.guild_id))

    async def _on_guild_left(self, event: hikari.GuildLeaveEvent) -> None:
        hosted = self._hosted_for_guild(int(event.guild_id))
        if hosted is not None:
            hosted.guild_ids.discard(int(event.guild_id))
