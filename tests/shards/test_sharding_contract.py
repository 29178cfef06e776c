"""The sharding contracts (identify queue, leases, status, sessions), checked in memory and on the real Redis.

Memory hands every "process" the same instance; Redis gives each its own client, as separate processes have.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator, Callable

import pytest

from tatiana.sharding import (
    ClusterShape,
    ProcessState,
    ProcessStatus,
    ResumeState,
    Sharding,
    ShardState,
    ShardStatus,
    create_sharding,
    memory_sharding,
)
from tatiana.shards.redis_sharding import redis_sharding

WINDOW = 0.3  # a short identify window keeps the suite fast; the rule is the same as with 5 s

MakeSharding = Callable[[], Sharding]


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def redis_target(request: pytest.FixtureRequest) -> tuple[str, str] | None:
    """None for memory; the real Redis server's URL and a fresh namespace for Redis."""
    if request.param == "memory":
        return None
    return (request.getfixturevalue("redis_url"), request.getfixturevalue("redis_namespace"))


@pytest.fixture
async def make(redis_target: tuple[str, str] | None) -> AsyncIterator[MakeSharding]:
    """Makes one sharding per "process" of the implementation under test."""
    made: list[Sharding] = []
    shared = memory_sharding(WINDOW)

    def make_one() -> Sharding:
        sharding = shared if redis_target is None else redis_sharding(*redis_target, identify_window=WINDOW)
        made.append(sharding)
        return sharding

    yield make_one
    for sharding in made:
        await sharding.close()


@pytest.fixture
def sharding(make: MakeSharding) -> Sharding:
    """One sharding of the implementation under test."""
    return make()


# --- identify queue -------------------------------------------------------------------------------------


async def _identify_times(
    processes: list[Sharding], shard_ids: list[int], concurrency: int
) -> dict[int, float]:
    started = time.monotonic()
    times: dict[int, float] = {}

    async def identify(queue_index: int, shard_id: int) -> None:
        await processes[queue_index].identify.acquire(shard_id, concurrency)
        times[shard_id] = time.monotonic() - started

    await asyncio.gather(*(identify(i % len(processes), s) for i, s in enumerate(shard_ids)))
    return times


def _gaps_per_bucket(times: dict[int, float], concurrency: int) -> list[float]:
    gaps: list[float] = []
    for bucket in range(concurrency):
        moments = sorted(t for shard_id, t in times.items() if shard_id % concurrency == bucket)
        gaps += [later - earlier for earlier, later in itertools.pairwise(moments)]
    return gaps


async def test_one_identify_per_window_per_bucket_across_processes(make: MakeSharding) -> None:
    processes = [make(), make(), make()]
    times = await _identify_times(processes, list(range(6)), concurrency=1)
    assert len(times) == 6
    assert min(_gaps_per_bucket(times, 1)) >= WINDOW - 0.01
    assert max(times.values()) < 5 * WINDOW + 1.0  # no turn is wasted


async def test_buckets_identify_in_parallel(make: MakeSharding) -> None:
    processes = [make(), make()]
    times = await _identify_times(processes, list(range(8)), concurrency=4)
    assert min(_gaps_per_bucket(times, 4)) >= WINDOW - 0.01
    first_turns = sorted(times.values())[:4]
    assert first_turns[-1] < WINDOW / 2  # one shard of each bucket at once
    assert max(times.values()) < 2 * WINDOW + 1.0


async def test_a_cancelled_wait_leaves_the_queue_working(sharding: Sharding) -> None:
    await sharding.identify.acquire(0, 1)
    waiter = asyncio.create_task(sharding.identify.acquire(1, 1))
    await asyncio.sleep(0.05)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    started = time.monotonic()
    await sharding.identify.acquire(2, 1)
    assert WINDOW - 0.1 <= time.monotonic() - started < WINDOW + 0.5


# --- leases ---------------------------------------------------------------------------------------------


async def test_a_lease_has_one_holder(make: MakeSharding) -> None:
    first, second = make(), make()
    assert await first.leases.acquire(3, "a", ttl=5) is True
    assert await second.leases.acquire(3, "b", ttl=5) is False
    assert await first.leases.acquire(3, "a", ttl=5) is False  # not re-entrant: renew instead
    assert await second.leases.owners(range(5)) == {3: "a"}


async def test_only_the_holder_renews_and_releases(make: MakeSharding) -> None:
    first, second = make(), make()
    await first.leases.acquire(0, "a", ttl=5)
    await first.leases.acquire(1, "a", ttl=5)
    await second.leases.acquire(2, "b", ttl=5)
    assert await first.leases.renew([0, 1, 2, 7], "a", ttl=5) == {0, 1}
    assert await second.leases.renew([], "b", ttl=5) == set()
    assert await second.leases.release(0, "b") is False
    assert await first.leases.owners([0, 1, 2]) == {0: "a", 1: "a", 2: "b"}
    assert await first.leases.release(0, "a") is True
    assert await first.leases.release(0, "a") is False
    assert await second.leases.acquire(0, "b", ttl=5) is True


async def test_an_unrenewed_lease_expires_and_can_be_taken_over(make: MakeSharding) -> None:
    first, second = make(), make()
    await first.leases.acquire(0, "a", ttl=0.3)
    await first.leases.acquire(1, "a", ttl=0.3)
    await asyncio.sleep(0.2)
    assert await first.leases.renew([1], "a", ttl=0.3) == {1}
    await asyncio.sleep(0.2)
    assert await second.leases.owners([0, 1]) == {1: "a"}
    assert await second.leases.acquire(0, "b", ttl=5) is True
    assert await first.leases.renew([0, 1], "a", ttl=0.3) == {1}
    assert await first.leases.release(0, "a") is False


async def test_racing_processes_each_get_distinct_leases(make: MakeSharding) -> None:
    processes = [make() for _ in range(4)]

    async def grab(index: int) -> list[int]:
        got = []
        for shard_id in range(8):
            if await processes[index].leases.acquire(shard_id, f"p{index}", ttl=5):
                got.append(shard_id)
        return got

    results = await asyncio.gather(*(grab(i) for i in range(4)))
    assert sorted(s for got in results for s in got) == list(range(8))


@pytest.mark.parametrize("ttl", [0, -1.0])
async def test_non_positive_lease_ttl_is_refused(sharding: Sharding, ttl: float) -> None:
    with pytest.raises(ValueError, match="ttl"):
        await sharding.leases.acquire(0, "a", ttl=ttl)


# --- status ---------------------------------------------------------------------------------------------


def _shard(shard_id: int, state: ShardState = ShardState.READY, process: str = "p1") -> ShardStatus:
    return ShardStatus(shard_id, state, 0.042, 10 + shard_id, process, "host-a", 1234, 1_700_000_000.5)


def _process(name: str, shards: tuple[int, ...] = (0, 1)) -> ProcessStatus:
    return ProcessStatus(name, "host-a", 99, "launcher-1", 2, shards, ProcessState.SERVING, 1.0, 2.0)


async def test_shard_status_round_trip_and_replacement(make: MakeSharding) -> None:
    writer, reader = make(), make()
    await writer.status.put_shards([_shard(2), _shard(0, ShardState.WAITING)])
    await writer.status.put_shards([])
    assert await reader.status.shards() == [_shard(0, ShardState.WAITING), _shard(2)]
    moved = ShardStatus(0, ShardState.READY, None, 0, "p2", "host-b", 5, 3.0)
    await reader.status.put_shards([moved])
    assert await writer.status.shards() == [moved, _shard(2)]


async def test_process_records_expire_and_can_be_removed(make: MakeSharding) -> None:
    writer, reader = make(), make()
    await writer.status.put_process(_process("b"), ttl=5)
    await writer.status.put_process(_process("a", ()), ttl=0.2)
    assert await reader.status.processes() == [_process("a", ()), _process("b")]
    await asyncio.sleep(0.3)
    assert await reader.status.processes() == [_process("b")]
    await reader.status.remove_process("b")
    assert await writer.status.processes() == []


async def test_the_first_claimed_shape_wins_until_it_expires(make: MakeSharding) -> None:
    first, second = make(), make()
    assert await first.status.shape() is None
    assert await first.status.claim_shape(ClusterShape(4, 1), ttl=0.3) == ClusterShape(4, 1)
    assert await second.status.claim_shape(ClusterShape(8, 1), ttl=0.3) == ClusterShape(4, 1)
    await asyncio.sleep(0.2)
    assert await second.status.claim_shape(ClusterShape(4, 1), ttl=0.3) == ClusterShape(4, 1)  # extends
    await asyncio.sleep(0.2)
    assert await first.status.shape() == ClusterShape(4, 1)
    await asyncio.sleep(0.2)
    assert await first.status.shape() is None
    assert await second.status.claim_shape(ClusterShape(8, 1), ttl=1) == ClusterShape(8, 1)


# --- sessions -------------------------------------------------------------------------------------------


async def test_a_saved_session_is_taken_once(make: MakeSharding) -> None:
    saver, first, second = make(), make(), make()
    state = ResumeState(5, "abc", 42, "ws://gateway", 7, (1, 2, 3))
    await saver.sessions.save(state, ttl=5)
    taken = await asyncio.gather(first.sessions.take(5), second.sessions.take(5))
    assert sorted(taken, key=lambda s: s is None) == [state, None]
    assert await saver.sessions.take(5) is None


async def test_a_saved_session_expires_and_is_replaced(sharding: Sharding) -> None:
    await sharding.sessions.save(ResumeState(1, "old", 1, None, 7), ttl=0.2)
    await sharding.sessions.save(ResumeState(1, "new", 9, None, 7), ttl=5)
    await sharding.sessions.save(ResumeState(2, "gone", 3, None, 7), ttl=0.2)
    await asyncio.sleep(0.3)
    assert await sharding.sessions.take(1) == ResumeState(1, "new", 9, None, 7)
    assert await sharding.sessions.take(2) is None


# --- factory --------------------------------------------------------------------------------------------


async def test_factory_chooses_memory_without_url() -> None:
    sharding = create_sharding(None)
    assert sharding.identify.window == pytest.approx(5.25)
    assert await sharding.leases.acquire(0, "a", ttl=1)
    await sharding.close()


@pytest.mark.redis
async def test_factory_chooses_redis_with_a_namespace(redis_url: str, redis_namespace: str) -> None:
    import redis.asyncio as aioredis

    sharding = create_sharding(redis_url, redis_namespace)
    raw = aioredis.from_url(redis_url, decode_responses=True)
    try:
        await sharding.leases.acquire(4, "me", ttl=5)
        assert await raw.get(f"{redis_namespace}lease:4") == "me"
        assert 0 < await raw.pttl(f"{redis_namespace}lease:4") <= 5000
    finally:
        await sharding.close()
        await sharding.close()
        await raw.aclose()
