"""One shard process: a TatianaBot whose shards are the leases this process holds, with its status published."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tatiana.sharding.records import ClusterShape, ProcessState
from tatiana.shards.control import CONTROL_CHANNEL, RELEASED
from tatiana.shards.lease_keeper import LeaseKeeper, LeasePolicy
from tatiana.shards.outage import COORDINATION_ERRORS, OutageLog
from tatiana.shards.shard_host import ShardHost
from tatiana.shards.status_reporter import ProcessIdentity, StatusReporter

if TYPE_CHECKING:
    import hikari

    from tatiana.bot.app import TatianaBot
    from tatiana.coordination import Coordination, Subscription
    from tatiana.sharding.base import Sharding
    from tatiana.shards.claims import ShardClaims

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WorkerConfig:
    """What one shard process is told by its launcher."""

    process: str
    launcher: str | None
    capacity: int
    shape: ClusterShape
    policy: LeasePolicy = field(default_factory=LeasePolicy)
    drain_timeout: float = 10.0


class ShardWorker:
    """Runs ``bot`` on the shards whose leases this process holds, until asked to stop; then hands them over.

    ``claims``, the database's record of who took each shard, witnesses the leases (with Redis only).
    """

    def __init__(
        self,
        bot: TatianaBot,
        sharding: Sharding,
        coordination: Coordination,
        config: WorkerConfig,
        claims: ShardClaims | None = None,
    ) -> None:
        self.bot = bot
        self.claims = claims
        self.sharding = sharding
        self.coordination = coordination
        self.config = config
        self.keeper: LeaseKeeper | None = None
        self.reporter: StatusReporter | None = None
        self._identify_outage = OutageLog(log, "shards waiting to identify keep waiting")

    async def run(self, stop: asyncio.Event) -> None:
        """Start the bot with no shard, then lease, run and report shards until ``stop``; hand them over."""
        config = self.config
        await self.bot.start(shard_ids=[], shard_count=config.shape.shard_count)
        try:
            gateway = await self.bot.app.rest.fetch_gateway_bot_info()
            host = ShardHost(
                self.bot.app,
                shard_count=config.shape.shard_count,
                gateway_url=gateway.url,
                identify_turn=self._identify_turn,
            )
            keeper = LeaseKeeper(
                sharding=self.sharding,
                host=host,
                publish=self._publish,
                owner=config.process,
                capacity=config.capacity,
                policy=config.policy,
                on_recovered=self._refresh_guild_state,
                claims=self.claims,
            )
            reporter = StatusReporter(
                self.sharding.status,
                keeper,
                ProcessIdentity(config.process, config.launcher, config.capacity),
            )
            self.keeper, self.reporter = keeper, reporter
            reporter.state = ProcessState.SERVING
            control = await self.coordination.subscribe(CONTROL_CHANNEL)
            tasks = [
                asyncio.create_task(keeper.run(stop), name="lease keeper"),
                asyncio.create_task(reporter.run(stop), name="status reporter"),
                asyncio.create_task(self._listen(control, keeper), name="control listener"),
            ]
            log.info(
                "process %s serving: up to %d shards of %d", config.process, config.capacity, host.shard_count
            )
            try:
                await stop.wait()
            finally:
                await control.close()
                for task in tasks:
                    task.cancel()
                await asyncio.wait(tasks)
            reporter.state = ProcessState.HANDING_OVER
            await reporter.report()
            await keeper.hand_over()
            await _drain(self.bot.app, config.drain_timeout)
            await reporter.report()
            await reporter.remove()
        finally:
            await self.bot.stop()

    async def _identify_turn(self, shard_id: int) -> None:
        while True:
            try:
                await self.sharding.identify.acquire(shard_id, self.config.shape.max_concurrency)
            except COORDINATION_ERRORS as exc:
                # Without the shared queue an IDENTIFY could break Discord's limit: wait for Redis instead.
                self._identify_outage.failed(exc)
                await asyncio.sleep(1.0)
            else:
                self._identify_outage.succeeded()
                return

    async def _publish(self, data: dict[str, object]) -> None:
        await self.coordination.publish(CONTROL_CHANNEL, data)

    async def _listen(self, control: Subscription, keeper: LeaseKeeper) -> None:
        async for message in control:
            if message.data.get("type") == RELEASED and message.data.get("process") != self.config.process:
                keeper.wake.set()

    async def _refresh_guild_state(self) -> None:
        # Toggles published while Redis was down never arrived: drop the cache, read the database again.
        await self.bot.service.stop()
        await self.bot.service.start()
        log.info("per-guild plugin state re-read after the Redis outage")


async def _drain(app: hikari.GatewayBot, timeout: float) -> None:
    """Wait for the event handlers still running (commands being answered), up to ``timeout`` seconds."""
    # hikari 2.6 keeps the tasks of dispatched listeners here until they finish.
    running: set[asyncio.Task[None]] = getattr(app.event_manager, "_dispatched_tasks", set())
    pending = [task for task in running if not task.done()]
    if not pending:
        return
    _, left = await asyncio.wait(pending, timeout=timeout)
    if left:
        log.warning("%d event handlers still running after %.0fs; stopping anyway", len(left), timeout)
