"""The sharding contracts inside one process (the embedded default, without Redis)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Collection, Iterable

from tatiana.sharding.base import (
    IDENTIFY_MARGIN,
    IDENTIFY_WINDOW,
    IdentifyQueue,
    LeaseStore,
    SessionStore,
    Sharding,
    StatusStore,
)
from tatiana.sharding.records import ClusterShape, ProcessStatus, ResumeState, ShardStatus


class _Expiring:
    """Values that disappear at a ``time.monotonic()`` deadline."""

    def __init__(self) -> None:
        self._values: dict[str, tuple[str, float | None]] = {}

    def get(self, key: str) -> str | None:
        entry = self._values.get(key)
        if entry is None:
            return None
        value, expires_at = entry
        if expires_at is not None and time.monotonic() >= expires_at:
            del self._values[key]
            return None
        return value

    def set(self, key: str, value: str, ttl: float | None) -> None:
        if ttl is not None and ttl <= 0:
            raise ValueError(f"ttl must be positive, not {ttl}")
        self._values[key] = (value, None if ttl is None else time.monotonic() + ttl)

    def pop(self, key: str) -> str | None:
        value = self.get(key)
        self._values.pop(key, None)
        return value

    def live(self, prefix: str) -> dict[str, str]:
        found = {key: self.get(key) for key in list(self._values) if key.startswith(prefix)}
        return {key: value for key, value in found.items() if value is not None}


class MemoryIdentifyQueue(IdentifyQueue):
    """Identify turns of one process's shards."""

    def __init__(self, window: float | None = None) -> None:
        super().__init__(IDENTIFY_WINDOW + IDENTIFY_MARGIN if window is None else window)
        self._next_turn: dict[tuple[int, int], float] = {}
        self._locks: dict[tuple[int, int], asyncio.Lock] = {}

    async def acquire(self, shard_id: int, max_concurrency: int) -> None:
        """Wait for the shard's turn and start its bucket's window."""
        bucket = (max_concurrency, shard_id % max(1, max_concurrency))
        lock = self._locks.setdefault(bucket, asyncio.Lock())
        async with lock:
            delay = self._next_turn.get(bucket, 0.0) - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            self._next_turn[bucket] = time.monotonic() + self.window


class MemoryLeaseStore(LeaseStore):
    """Shard leases of one process."""

    def __init__(self) -> None:
        self._leases = _Expiring()

    async def acquire(self, shard_id: int, owner: str, ttl: float) -> bool:
        """Take the lease if nobody holds it."""
        key = str(shard_id)
        if self._leases.get(key) is not None:
            return False
        self._leases.set(key, owner, ttl)
        return True

    async def renew(self, shard_ids: Collection[int], owner: str, ttl: float) -> set[int]:
        """Extend ``owner``'s leases among ``shard_ids``; the shards it still holds."""
        held = {shard_id for shard_id in shard_ids if self._leases.get(str(shard_id)) == owner}
        for shard_id in held:
            self._leases.set(str(shard_id), owner, ttl)
        return held

    async def release(self, shard_id: int, owner: str) -> bool:
        """Give the lease up if ``owner`` holds it."""
        if self._leases.get(str(shard_id)) != owner:
            return False
        self._leases.pop(str(shard_id))
        return True

    async def owners(self, shard_ids: Iterable[int]) -> dict[int, str]:
        """The holder of each leased shard among ``shard_ids``."""
        found = {shard_id: self._leases.get(str(shard_id)) for shard_id in shard_ids}
        return {shard_id: owner for shard_id, owner in found.items() if owner is not None}


class MemoryStatusStore(StatusStore):
    """Status records of one process's shards."""

    def __init__(self) -> None:
        self._shards: dict[int, ShardStatus] = {}
        self._records = _Expiring()

    async def put_shards(self, statuses: Iterable[ShardStatus]) -> None:
        """Record these shards' status."""
        self._shards.update({status.shard_id: status for status in statuses})

    async def shards(self) -> list[ShardStatus]:
        """Every shard's last status, by shard id."""
        return [self._shards[shard_id] for shard_id in sorted(self._shards)]

    async def put_process(self, status: ProcessStatus, ttl: float) -> None:
        """Record a process for ``ttl`` seconds."""
        self._records.set(f"process:{status.process}", status.to_json(), ttl)

    async def remove_process(self, process: str) -> None:
        """Forget a process."""
        self._records.pop(f"process:{process}")

    async def processes(self) -> list[ProcessStatus]:
        """Every live process, by id."""
        records = [ProcessStatus.from_json(text) for text in self._records.live("process:").values()]
        return sorted(records, key=lambda record: record.process)

    async def claim_shape(self, shape: ClusterShape, ttl: float) -> ClusterShape:
        """Record ``shape`` unless another is recorded; the recorded one."""
        current = self._records.get("shape")
        if current is None or current == shape.to_json():
            self._records.set("shape", shape.to_json(), ttl)
            return shape
        return ClusterShape.from_json(current)

    async def shape(self) -> ClusterShape | None:
        """The recorded shape."""
        current = self._records.get("shape")
        return None if current is None else ClusterShape.from_json(current)


class MemorySessionStore(SessionStore):
    """Sessions handed over inside one process."""

    def __init__(self) -> None:
        self._sessions = _Expiring()

    async def save(self, state: ResumeState, ttl: float) -> None:
        """Keep ``state`` for ``ttl`` seconds."""
        self._sessions.set(str(state.shard_id), state.to_json(), ttl)

    async def take(self, shard_id: int) -> ResumeState | None:
        """Remove and return the shard's saved session."""
        text = self._sessions.pop(str(shard_id))
        return None if text is None else ResumeState.from_json(text)


def memory_sharding(identify_window: float | None = None) -> Sharding:
    """The four contracts in memory, for one process."""
    return Sharding(
        identify=MemoryIdentifyQueue(identify_window),
        leases=MemoryLeaseStore(),
        status=MemoryStatusStore(),
        sessions=MemorySessionStore(),
    )
