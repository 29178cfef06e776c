"""Shard ownership for one process: takes free leases up to its capacity, renews them, runs their shards.

A shard runs here only while this process holds its lease. A lease found taken by another process stops its
shard at once. While Redis is unreachable the shards held keep serving (nobody can take a lease over meanwhile
when Redis is down for every process). The database is a second witness, for a process cut off from Redis
while the others are not (a partition): each acquisition records a claim there before the shard connects, a
takeover of a lease that expired waits ``witness_delay`` before connecting, and a holder whose lease may have
expired reads the claims every ``witness_poll`` and stops a shard another process claimed since. With
``strict`` the shards are frozen instead once their lease may have expired, whether or not anyone took them.
When Redis returns, the holders take their leases back first: other processes wait one TTL before taking free
shards.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from tatiana.sharding.base import Sharding
from tatiana.sharding.records import ResumeState, ShardState
from tatiana.shards.claims import DATABASE_ERRORS, Claim, ClaimContentionError, ShardClaims
from tatiana.shards.control import released
from tatiana.shards.outage import COORDINATION_ERRORS, OutageLog
from tatiana.shards.shard_host import ShardHost, ShardReport

log = logging.getLogger(__name__)

START_RETRY_DELAY = 10.0  # before this process tries again a shard that failed to start here
DATABASE_TIMEOUT = 2.0  # for one read or write of the claims: the database may hang rather than refuse
_RECLAIM_ERRORS: tuple[type[BaseException], ...] = (*DATABASE_ERRORS, ClaimContentionError)


@dataclass(frozen=True)
class LeasePolicy:
    """How leases are kept: their TTL (s), whether an unconfirmed lease stops its shard, how long sessions wait,
    and how long a takeover waits before connecting so that a cut-off holder sees its claim (s)."""

    ttl: float = 6.0
    strict: bool = False
    session_ttl: float = 60.0
    witness_delay: float = 1.5

    @property
    def tick(self) -> float:
        """Seconds between renewals (and scans for free shards)."""
        return min(1.0, self.ttl / 4)

    @property
    def witness_poll(self) -> float:
        """Seconds between reads of the claims by a holder whose leases may have expired."""
        # A claim is seen within one poll of its writing; the rest of the delay covers the read and the stop.
        return self.witness_delay / 3


@dataclass
class _Lease:
    confirmed_until: float  # time.monotonic() before which the lease is surely still ours
    starter: asyncio.Task[None] | None = None
    claim: Claim | None = None  # as recorded in the database; None if it could not be


class LeaseKeeper:
    """Keeps up to ``capacity`` shard leases for ``owner`` and runs their shards on ``host``."""

    def __init__(
        self,
        *,
        sharding: Sharding,
        host: ShardHost,
        publish: Callable[[dict[str, Any]], Awaitable[None]],
        owner: str,
        capacity: int,
        policy: LeasePolicy,
        on_recovered: Callable[[], Awaitable[None]] | None = None,
        claims: ShardClaims | None = None,
    ) -> None:
        self._sharding = sharding
        self._host = host
        self._publish = publish
        self.owner = owner
        self.capacity = capacity
        self.policy = policy
        self._on_recovered = on_recovered
        self._claims = claims
        self._witnessing = False
        self._witness_down = False
        self._held: dict[int, _Lease] = {}
        self._parked: dict[int, tuple[ResumeState, float]] = {}  # frozen by strict mode, ours to resume
        self._retry_after: dict[int, float] = {}
        self._claim_after = 0.0
        self._stopping = False
        self.outage = OutageLog(log, f"keeping the shards of {owner}")
        self.wake = asyncio.Event()
        self.changed = asyncio.Event()
        self._tasks: set[asyncio.Task[Any]] = set()
        host.on_exit = self._shard_exited

    @property
    def shard_ids(self) -> list[int]:
        """The shards whose lease this process holds, sorted."""
        return sorted(self._held)

    def reports(self) -> list[ShardReport]:
        """The state of every shard held."""
        running = self._host.shard_ids
        return [
            self._host.report(s) if s in running else ShardReport(s, ShardState.WAITING, None, 0)
            for s in self.shard_ids
        ]

    async def run(self, stop: asyncio.Event) -> None:
        """Renew, take and enforce leases until ``stop`` is set (then call ``hand_over``)."""
        guard = None
        if self.policy.strict:
            guard = asyncio.create_task(self._guard_deadlines(stop), name="lease deadlines")
        elif self._claims is not None:
            guard = asyncio.create_task(self._watch_claims(self._claims, stop), name="lease witness")
        try:
            while not stop.is_set():
                self.wake.clear()
                await self.tick()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.policy.tick):
                        await _first(stop.wait(), self.wake.wait())
        finally:
            if guard is not None:
                guard.cancel()
                await asyncio.wait([guard])

    async def tick(self) -> None:
        """One round: renew the leases held, stop shards whose lease is gone, take free shards if there is room."""
        if self._stopping:
            return
        asked_at = time.monotonic()
        leases = self._sharding.leases
        try:
            held = await leases.renew(list(self._held), self.owner, self.policy.ttl)
            lost = [s for s in self._held if s not in held]
            regained = [s for s in lost if await leases.acquire(s, self.owner, self.policy.ttl)]
            owners = await leases.owners(range(self._host.shard_count))
        except COORDINATION_ERRORS as exc:
            self.outage.failed(exc)
            return
        await self._recovered()
        for shard_id in regained:
            log.warning("the lease of shard %s had expired; this process took it again", shard_id)
            if shard_id in self._held:
                self._background(asyncio.create_task(self._reclaim(shard_id, self._held[shard_id])))
        for shard_id in lost:
            if shard_id not in regained and shard_id in self._held:
                log.error("shard %s: its lease is held by another process now; stopping it here", shard_id)
                await self._drop(shard_id)
        for shard_id in [*held, *regained]:
            if shard_id in self._held:
                self._held[shard_id].confirmed_until = asked_at + self.policy.ttl
        try:
            await self._claim(owners)
        except COORDINATION_ERRORS as exc:
            self.outage.failed(exc)

    async def hand_over(self) -> None:
        """Pass every shard on: freeze it, save its session for the next holder, release its lease, disconnect.

        Shards still starting are stopped first, then released.
        """
        self._stopping = True
        leases, self._held = self._held, {}
        starting = [s for s, lease in leases.items() if s not in self._host.shard_ids or _running(lease)]
        for shard_id in starting:
            await self._cancel_start(shard_id, leases[shard_id])
        frozen = {s: self._host.freeze(s) for s in leases if s not in starting}
        await asyncio.gather(*(self._pass_on(s, frozen.get(s), leases[s].claim) for s in leases))
        await asyncio.gather(*(self._host.stop(s) for s in frozen))
        self.changed.set()

    async def _pass_on(self, shard_id: int, state: ResumeState | None, claim: Claim | None) -> None:
        if claim is not None and self._claims is not None:
            try:
                async with asyncio.timeout(DATABASE_TIMEOUT):
                    await self._claims.release(claim)
            except DATABASE_ERRORS as exc:
                log.info(
                    "shard %s: could not record its handover in the database (%s); its next holder waits %.1fs "
                    "before connecting",
                    shard_id,
                    exc,
                    self.policy.witness_delay,
                )
        try:
            if state is not None:
                await self._sharding.sessions.save(state, self.policy.session_ttl)
            await self._sharding.leases.release(shard_id, self.owner)
            await self._publish(released(shard_id, self.owner))
        except COORDINATION_ERRORS as exc:
            log.warning(
                "shard %s: could not hand it over (%s); its lease expires within %.0fs and the next holder "
                "identifies again",
                shard_id,
                exc,
                self.policy.ttl,
            )
        else:
            log.info("shard %s handed over%s", shard_id, " (resumable)" if state else "")

    async def _claim(self, owners: dict[int, str]) -> None:
        room = self.capacity - len(self._held)
        if room <= 0 or self._stopping:
            return
        now = time.monotonic()
        self._parked = {s: p for s, p in self._parked.items() if now - p[1] < self.policy.session_ttl}
        leases = self._sharding.leases
        # Leases still ours though their shard was stopped here (strict mode froze it during an outage).
        ours = [s for s, owner in owners.items() if owner == self.owner and s not in self._held]
        candidates = sorted(await leases.renew(ours, self.owner, self.policy.ttl)) if ours else []
        free = [
            s
            for s in range(self._host.shard_count)
            if s not in owners and s not in self._held and self._retry_after.get(s, 0.0) <= now
        ]
        if now < self._claim_after:
            free = [s for s in free if s in self._parked]  # right after an outage, only our own
        free.sort(key=lambda s: s not in self._parked)
        for shard_id in [*candidates, *free]:
            if len(self._held) >= self.capacity:
                break
            asked_at = time.monotonic()
            if shard_id in candidates or await leases.acquire(shard_id, self.owner, self.policy.ttl):
                lease = _Lease(confirmed_until=asked_at + self.policy.ttl)
                self._held[shard_id] = lease
                lease.starter = asyncio.create_task(
                    self._start(shard_id, lease), name=f"start shard {shard_id}"
                )
                self.changed.set()

    async def _start(self, shard_id: int, lease: _Lease) -> None:
        parked = self._parked.pop(shard_id, None)
        resume = parked[0] if parked else None
        if resume is None:
            try:
                resume = await self._sharding.sessions.take(shard_id)
            except COORDINATION_ERRORS:
                resume = None
        try:
            await self._record_claim(shard_id, lease)
            log.info(
                "shard %s: lease taken, %s", shard_id, "resuming its session" if resume else "identifying"
            )
            resumed = await self._host.start(shard_id, resume)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if self._held.get(shard_id) is lease:
                log.error("shard %s could not start: %r; releasing it", shard_id, exc)
                await self._give_up(shard_id)
            return
        finally:
            self.changed.set()
        log.info("shard %s is ready (%s)", shard_id, "resumed its session" if resumed else "identified")

    async def _record_claim(self, shard_id: int, lease: _Lease) -> None:
        """Record this process's claim on the shard; after a takeover, give the old holder time to see it."""
        if self._claims is None:
            return
        try:
            async with asyncio.timeout(DATABASE_TIMEOUT):
                previous, lease.claim = await self._claims.take(shard_id, self.owner)
        except DATABASE_ERRORS as exc:
            log.warning(
                "shard %s: could not record its claim in the database (%s); starting it anyway, unwitnessed",
                shard_id,
                exc,
            )
            return
        if previous is not None and previous.owner != self.owner and not previous.released:
            # The previous holder's lease expired without a handover: it may be alive, cut off from Redis.
            log.info(
                "shard %s: taken over from %s; waiting %.1fs so that it can see the claim and stop it first",
                shard_id,
                previous.owner,
                self.policy.witness_delay,
            )
            await asyncio.sleep(self.policy.witness_delay)

    async def _reclaim(self, shard_id: int, lease: _Lease) -> None:
        # A lease taken again after it expired: another process may have claimed the shard meanwhile.
        if self._claims is None:
            return
        try:
            async with asyncio.timeout(DATABASE_TIMEOUT):
                _, claim = await self._claims.take(shard_id, self.owner)
        except _RECLAIM_ERRORS as exc:
            log.info("shard %s: could not record its claim again (%s)", shard_id, exc)
            return
        if self._held.get(shard_id) is lease:
            lease.claim = claim

    def _shard_exited(self, shard_id: int, error: BaseException | None) -> None:
        if shard_id in self._held and not self._stopping:
            task = asyncio.get_running_loop().create_task(self._give_up(shard_id))
            self._background(task)

    async def _give_up(self, shard_id: int) -> None:
        self._held.pop(shard_id, None)
        self._retry_after[shard_id] = time.monotonic() + START_RETRY_DELAY
        await self._host.stop(shard_id)
        self.changed.set()
        try:
            await self._sharding.leases.release(shard_id, self.owner)
            await self._publish(released(shard_id, self.owner))
        except COORDINATION_ERRORS as exc:
            self.outage.failed(exc)

    async def _drop(self, shard_id: int) -> None:
        lease = self._held.pop(shard_id, None)
        if lease is not None:
            await self._cancel_start(shard_id, lease)
            self.changed.set()

    async def _cancel_start(self, shard_id: int, lease: _Lease) -> None:
        await self._host.stop(shard_id)  # a start in progress then fails
        if lease.starter is not None and not lease.starter.done():
            lease.starter.cancel()
            await asyncio.wait([lease.starter])

    async def _recovered(self) -> None:
        lasted = self.outage.succeeded()
        if lasted is None:
            return
        if lasted >= self.policy.ttl / 2:
            # Leases may have expired meanwhile: their holders take them back before anyone takes free shards.
            self._claim_after = time.monotonic() + self.policy.ttl
        if self._on_recovered is not None:
            try:
                await self._on_recovered()
            except Exception:
                log.exception("could not refresh after the Redis outage")

    async def _guard_deadlines(self, stop: asyncio.Event) -> None:
        # Strict mode only, in a task of its own so that a Redis call hanging on a dead connection cannot delay it.
        while not stop.is_set():
            await asyncio.sleep(self.policy.tick / 2)
            now = time.monotonic()
            for shard_id, lease in list(self._held.items()):
                if lease.confirmed_until - self.policy.tick > now or self._stopping:
                    continue
                log.error(
                    "shard %s: its lease could not be renewed for %.1fs (Redis unreachable); freezing it so that "
                    "it never runs in two processes",
                    shard_id,
                    self.policy.ttl - self.policy.tick,
                )
                state = self._host.freeze(shard_id)
                if state is not None:
                    self._parked[shard_id] = (state, now)
                await self._drop(shard_id)

    async def _watch_claims(self, claims: ShardClaims, stop: asyncio.Event) -> None:
        # Default mode only, in a task of its own so that a Redis call hanging on a dead connection cannot delay it.
        while not stop.is_set():
            await asyncio.sleep(self.policy.witness_poll)
            now = time.monotonic()
            doubtful = {
                shard_id: lease.claim
                for shard_id, lease in self._held.items()
                if lease.confirmed_until - self.policy.tick <= now and lease.claim is not None
            }
            if not doubtful or self._stopping:
                self._witnessing = self._witness_down = False  # Redis confirms the leases again
                continue
            if not self._witnessing:
                self._witnessing = True
                log.info(
                    "the leases of shards %s may have expired (Redis unreachable); checking their claims in the "
                    "database every %.1fs",
                    sorted(doubtful),
                    self.policy.witness_poll,
                )
            try:
                async with asyncio.timeout(DATABASE_TIMEOUT):
                    current = await claims.read(list(doubtful))
            except DATABASE_ERRORS as exc:
                if not self._witness_down:
                    self._witness_down = True
                    log.warning(
                        "the database is unreachable too (%s): shards %s serve on without knowing whether "
                        "another process took them over",
                        exc,
                        sorted(doubtful),
                    )
                continue
            if self._witness_down:
                self._witness_down = False
                log.warning("the database is reachable again: checking the claims of the shards held")
            for shard_id, mine in doubtful.items():
                claim = current.get(shard_id)
                lease = self._held.get(shard_id)
                if claim is None or lease is None or lease.claim is not mine or not claim.supersedes(mine):
                    continue
                log.error(
                    "shard %s: its lease could not be renewed (Redis unreachable) and process %s has claimed it "
                    "since; stopping it here so that it never runs in two processes",
                    shard_id,
                    claim.owner,
                )
                self._host.freeze(shard_id)
                await self._drop(shard_id)

    def _background(self, task: asyncio.Task[Any]) -> None:
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def _running(lease: _Lease) -> bool:
    return lease.starter is not None and not lease.starter.done()


async def _first(*waits: Awaitable[Any]) -> None:
    tasks = [asyncio.ensure_future(w) for w in waits]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.wait(tasks)
