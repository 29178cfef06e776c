"""The contracts shard processes coordinate through; each has an in-memory and a Redis implementation."""

from __future__ import annotations

import abc
from collections.abc import Awaitable, Callable, Collection, Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tatiana.sharding.records import ClusterShape, ProcessStatus, ResumeState, ShardStatus

IDENTIFY_WINDOW = 5.0
# Discord counts IDENTIFYs when they arrive; the margin absorbs the jitter between granting a turn and the
# payload reaching the gateway, so two turns granted exactly one window apart never arrive closer than that.
IDENTIFY_MARGIN = 0.25


class IdentifyQueue(abc.ABC):
    """Discord's identify limit across every process: per window, one IDENTIFY per bucket.

    A shard's bucket is ``shard_id % max_concurrency``, so at most ``max_concurrency`` shards identify per
    window, as GET /gateway/bot's ``session_start_limit.max_concurrency`` allows.
    """

    def __init__(self, window: float = IDENTIFY_WINDOW + IDENTIFY_MARGIN) -> None:
        if window <= 0:
            raise ValueError(f"window must be positive, not {window}")
        self.window = window

    @abc.abstractmethod
    async def acquire(self, shard_id: int, max_concurrency: int) -> None:
        """Wait for the shard's turn and start its bucket's window; send the IDENTIFY right after."""


class LeaseStore(abc.ABC):
    """Ownership of shards: a lease per shard, held by one process until released or expired."""

    @abc.abstractmethod
    async def acquire(self, shard_id: int, owner: str, ttl: float) -> bool:
        """Take the shard's lease for ``ttl`` seconds if nobody holds it; True if ``owner`` now holds it."""

    @abc.abstractmethod
    async def renew(self, shard_ids: Collection[int], owner: str, ttl: float) -> set[int]:
        """Extend ``owner``'s leases to ``ttl`` seconds from now; returns the shards it still holds."""

    @abc.abstractmethod
    async def release(self, shard_id: int, owner: str) -> bool:
        """Give the lease up if ``owner`` holds it; True if it did."""

    @abc.abstractmethod
    async def owners(self, shard_ids: Iterable[int]) -> dict[int, str]:
        """The holder of each leased shard among ``shard_ids``."""


class StatusStore(abc.ABC):
    """Status records of shards and processes, for ``tatiana shards status`` and the API."""

    @abc.abstractmethod
    async def put_shards(self, statuses: Iterable[ShardStatus]) -> None:
        """Record the status of these shards, replacing what was recorded for them."""

    @abc.abstractmethod
    async def shards(self) -> list[ShardStatus]:
        """The last status recorded for every shard ever reported, by shard id."""

    @abc.abstractmethod
    async def put_process(self, status: ProcessStatus, ttl: float) -> None:
        """Record a process's status; it disappears ``ttl`` seconds later unless recorded again."""

    @abc.abstractmethod
    async def remove_process(self, process: str) -> None:
        """Forget a process that stopped."""

    @abc.abstractmethod
    async def processes(self) -> list[ProcessStatus]:
        """Every live process, by id."""

    @abc.abstractmethod
    async def claim_shape(self, shape: ClusterShape, ttl: float) -> ClusterShape:
        """Record the cluster's shape for ``ttl`` seconds unless another is recorded; returns the recorded one.

        Claiming the recorded shape again extends it; a different one leaves it unchanged.
        """

    @abc.abstractmethod
    async def shape(self) -> ClusterShape | None:
        """The recorded cluster shape, if any process claimed one recently."""


class SessionStore(abc.ABC):
    """Gateway sessions a process handed over, for the next holder of the shard to RESUME."""

    @abc.abstractmethod
    async def save(self, state: ResumeState, ttl: float) -> None:
        """Keep ``state`` for ``ttl`` seconds, replacing any saved session of the same shard."""

    @abc.abstractmethod
    async def take(self, shard_id: int) -> ResumeState | None:
        """Remove and return the shard's saved session: only one taker gets it."""


class Sharding:
    """Everything shard processes share: the identify queue, leases, status records and saved sessions."""

    def __init__(
        self,
        *,
        identify: IdentifyQueue,
        leases: LeaseStore,
        status: StatusStore,
        sessions: SessionStore,
        on_close: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.identify = identify
        self.leases = leases
        self.status = status
        self.sessions = sessions
        self._on_close = on_close
        self._closed = False

    async def close(self) -> None:
        """Release connections; idempotent."""
        if self._closed:
            return
        self._closed = True
        if self._on_close is not None:
            await self._on_close()
