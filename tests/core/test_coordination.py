"""The coordination contract, checked against the in-memory implementation and the real Redis server."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable

import pytest

from tatiana.coordination import (
    EVENTS_CHANNEL,
    Coordination,
    EventKind,
    InvalidEvent,
    LiveEvent,
    MemoryCoordination,
    Message,
    create_coordination,
)
from tatiana.shards.redis_coordination import RedisCoordination

MakeCoordination = Callable[[], Coordination]


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def redis_target(request: pytest.FixtureRequest) -> tuple[str, str] | None:
    """None for the memory implementation; the real Redis server's URL and a fresh namespace for Redis."""
    # A sync fixture: an async one cannot request the async redis_url fixture under pytest-asyncio 1.x.
    if request.param == "memory":
        return None
    return (request.getfixturevalue("redis_url"), request.getfixturevalue("redis_namespace"))


@pytest.fixture
async def make(redis_target: tuple[str, str] | None) -> AsyncIterator[MakeCoordination]:
    """Makes coordinations: memory hands out one shared instance, Redis a new client (a "process") each."""
    made: list[Coordination] = []
    shared = MemoryCoordination()

    def make_one() -> Coordination:
        coordination = shared if redis_target is None else RedisCoordination(*redis_target)
        made.append(coordination)
        return coordination

    yield make_one
    for coordination in made:
        await coordination.close()


@pytest.fixture
def coordination(make: MakeCoordination) -> Coordination:
    """One coordination of the implementation under test."""
    return make()


async def test_publish_subscribe_round_trip(coordination: Coordination) -> None:
    sub = await coordination.subscribe("events")
    await coordination.publish("events", {"kind": "toggle", "guild_id": 1})
    assert await sub.get(timeout=2) == Message("events", {"kind": "toggle", "guild_id": 1})


async def test_two_subscribers_both_receive(coordination: Coordination) -> None:
    first = await coordination.subscribe("events")
    second = await coordination.subscribe("events")
    await coordination.publish("events", {"n": 1})
    assert await first.get(timeout=2) == Message("events", {"n": 1})
    assert await second.get(timeout=2) == Message("events", {"n": 1})


async def test_publisher_receives_its_own_message(make: MakeCoordination) -> None:
    publisher = make()
    sub = await publisher.subscribe("events")
    await publisher.publish("events", {"from": "me"})
    message = await sub.get(timeout=2)
    assert message is not None
    assert message.data == {"from": "me"}


async def test_messages_published_before_subscribing_are_not_received(coordination: Coordination) -> None:
    await coordination.publish("events", {"n": "early"})
    sub = await coordination.subscribe("events")
    await coordination.publish("events", {"n": "late"})
    message = await sub.get(timeout=2)
    assert message is not None
    assert message.data == {"n": "late"}
    assert await sub.get(timeout=0.1) is None


async def test_order_is_kept(coordination: Coordination) -> None:
    sub = await coordination.subscribe("events")
    for n in range(200):
        await coordination.publish("events", {"n": n})
    received = [await sub.get(timeout=2) for _ in range(200)]
    assert [m.data["n"] for m in received if m is not None] == list(range(200))


async def test_only_subscribed_channels_are_received(coordination: Coordination) -> None:
    sub = await coordination.subscribe("a", "b")
    await coordination.publish("c", {"n": 0})
    await coordination.publish("b", {"n": 1})
    await coordination.publish("a", {"n": 2})
    assert await sub.get(timeout=2) == Message("b", {"n": 1})
    assert await sub.get(timeout=2) == Message("a", {"n": 2})
    assert await sub.get(timeout=0.1) is None


async def test_get_returns_none_on_timeout(coordination: Coordination) -> None:
    sub = await coordination.subscribe("quiet")
    started = time.monotonic()
    assert await sub.get(timeout=0.2) is None
    assert 0.15 <= time.monotonic() - started < 1.5
    assert await sub.get(timeout=0) is None


async def test_iteration_yields_messages(coordination: Coordination) -> None:
    sub = await coordination.subscribe("events")
    for n in range(3):
        await coordination.publish("events", {"n": n})
    seen: list[int] = []
    async with asyncio.timeout(2):
        async for message in sub:
            seen.append(message.data["n"])
            if len(seen) == 3:
                break
    assert seen == [0, 1, 2]


async def test_closing_a_subscription_ends_iteration(coordination: Coordination) -> None:
    sub = await coordination.subscribe("events")

    async def consume() -> list[Message]:
        return [message async for message in sub]

    consumer = asyncio.create_task(consume())
    await coordination.publish("events", {"n": 1})
    await asyncio.sleep(0.2)
    await sub.close()
    async with asyncio.timeout(2):
        assert [m.data for m in await consumer] == [{"n": 1}]
    assert await sub.get() is None
    await sub.close()


async def test_closing_the_coordination_ends_subscriptions(make: MakeCoordination) -> None:
    coordination = make()
    sub = await coordination.subscribe("events")
    waiter = asyncio.create_task(sub.get())
    await asyncio.sleep(0.05)
    await coordination.close()
    async with asyncio.timeout(2):
        assert await waiter is None
        assert [m async for m in sub] == []
    await coordination.close()


async def test_subscription_as_context_manager(coordination: Coordination) -> None:
    async with await coordination.subscribe("events") as sub:
        await coordination.publish("events", {"n": 1})
        assert await sub.get(timeout=2) is not None
    assert await sub.get() is None


async def test_json_round_trip_of_nested_data(coordination: Coordination) -> None:
    data = {
        "guild_id": 123456789012345678,
        "nested": {"list": [1, 2.5, "three", None, True, {"deep": []}], "empty": {}},
        "text": 'ñandú ✓ "quoted"',
    }
    sub = await coordination.subscribe("events")
    await coordination.publish("events", data)
    message = await sub.get(timeout=2)
    assert message is not None
    assert message.data == data
    assert message.data is not data


async def test_unserialisable_data_is_refused(coordination: Coordination) -> None:
    with pytest.raises(TypeError):
        await coordination.publish("events", {"when": object()})


async def test_live_events_reach_every_process(make: MakeCoordination) -> None:
    publisher, reader = make(), make()
    sub = await reader.subscribe(EVENTS_CHANNEL)
    await publisher.publish_event("moderation_alert", 123456789012345678, {"action": "ban", "case": 7})
    await publisher.publish_event(EventKind.BOT_STATUS, None, {"state": "ready"})

    first, second = await sub.get(timeout=2), await sub.get(timeout=2)
    assert first is not None
    assert second is not None
    assert LiveEvent.from_message(first) == LiveEvent(
        EventKind.MODERATION_ALERT, 123456789012345678, {"action": "ban", "case": 7}
    )
    assert LiveEvent.from_message(second) == LiveEvent(EventKind.BOT_STATUS, None, {"state": "ready"})


@pytest.mark.parametrize(
    ("kind", "guild_id", "data", "error"),
    [
        ("reboot", 1, {}, "unknown event kind 'reboot'"),
        ("activity", 0, {}, "guild_id must be a positive int"),
        ("activity", "1", {}, "guild_id must be a positive int"),
        ("activity", True, {}, "guild_id must be a positive int"),
        ("activity", 1, ["x"], "event data must be a dict"),
    ],
)
async def test_malformed_live_events_are_refused_before_publishing(
    coordination: Coordination, kind: str, guild_id: object, data: object, error: str
) -> None:
    sub = await coordination.subscribe(EVENTS_CHANNEL)
    with pytest.raises(InvalidEvent, match=error):
        await coordination.publish_event(kind, guild_id, data)  # type: ignore[arg-type]
    assert await sub.get(timeout=0.1) is None


async def test_foreign_messages_on_the_events_channel_are_not_events(coordination: Coordination) -> None:
    sub = await coordination.subscribe(EVENTS_CHANNEL)
    for body in ({"kind": "nope", "guild_id": 1, "data": {}}, {"kind": "activity", "data": 3}, {}):
        await coordination.publish(EVENTS_CHANNEL, body)
    for _ in range(3):
        message = await sub.get(timeout=2)
        assert message is not None
        assert LiveEvent.from_message(message) is None


async def test_set_get_delete(coordination: Coordination) -> None:
    assert await coordination.get("k") is None
    assert await coordination.set("k", "v1") is True
    assert await coordination.get("k") == "v1"
    assert await coordination.set("k", "v2") is True
    assert await coordination.get("k") == "v2"
    assert await coordination.delete("k") is True
    assert await coordination.get("k") is None
    assert await coordination.delete("k") is False


async def test_only_if_absent(coordination: Coordination) -> None:
    assert await coordination.set("lease", "a", only_if_absent=True) is True
    assert await coordination.set("lease", "b", only_if_absent=True) is False
    assert await coordination.get("lease") == "a"
    await coordination.delete("lease")
    assert await coordination.set("lease", "b", only_if_absent=True) is True
    assert await coordination.get("lease") == "b"


async def test_ttl_expiry(coordination: Coordination) -> None:
    assert await coordination.set("lease", "a", ttl=0.2, only_if_absent=True) is True
    assert await coordination.set("forever", "x") is True
    assert await coordination.get("lease") == "a"
    assert await coordination.set("lease", "b", ttl=0.2, only_if_absent=True) is False
    await asyncio.sleep(0.35)
    assert await coordination.get("lease") is None
    assert await coordination.get("forever") == "x"
    assert await coordination.set("lease", "b", ttl=0.2, only_if_absent=True) is True
    assert await coordination.get("lease") == "b"


async def test_set_without_ttl_removes_expiry(coordination: Coordination) -> None:
    await coordination.set("k", "short", ttl=0.2)
    await coordination.set("k", "long")
    await asyncio.sleep(0.35)
    assert await coordination.get("k") == "long"


@pytest.mark.parametrize("ttl", [0, -1.0])
async def test_non_positive_ttl_is_refused(coordination: Coordination, ttl: float) -> None:
    with pytest.raises(ValueError, match="ttl"):
        await coordination.set("k", "v", ttl=ttl)


@pytest.mark.redis
async def test_two_redis_instances_share_messages_and_keys(redis_url: str, redis_namespace: str) -> None:
    first = RedisCoordination(redis_url, redis_namespace)
    second = RedisCoordination(redis_url, redis_namespace)
    try:
        sub_first = await first.subscribe("control")
        sub_second = await second.subscribe("control")
        await first.publish("control", {"from": "first"})
        await second.publish("control", {"from": "second"})
        for sub in (sub_first, sub_second):
            got = [await sub.get(timeout=2), await sub.get(timeout=2)]
            assert [m.data["from"] for m in got if m is not None] == ["first", "second"]

        assert await first.set("owner:0", "first", ttl=5, only_if_absent=True) is True
        assert await second.set("owner:0", "second", ttl=5, only_if_absent=True) is False
        assert await second.get("owner:0") == "first"
        assert await second.delete("owner:0") is True
        assert await first.get("owner:0") is None
    finally:
        await first.close()
        await second.close()


@pytest.mark.redis
async def test_redis_namespaces_are_isolated(redis_url: str, redis_namespace: str) -> None:
    ours = RedisCoordination(redis_url, redis_namespace)
    theirs = RedisCoordination(redis_url, redis_namespace + "other:")
    try:
        sub = await ours.subscribe("control")
        await theirs.publish("control", {"n": 1})
        await theirs.set("k", "theirs")
        assert await sub.get(timeout=0.2) is None
        assert await ours.get("k") is None
    finally:
        await theirs.delete("k")
        await ours.close()
        await theirs.close()


@pytest.mark.redis
async def test_redis_keys_and_channels_carry_the_namespace(redis_url: str, redis_namespace: str) -> None:
    import redis.asyncio as aioredis

    coordination = RedisCoordination(redis_url, redis_namespace)
    raw = aioredis.from_url(redis_url, decode_responses=True)
    try:
        await coordination.set("k", "v", ttl=5)
        assert await raw.get(f"{redis_namespace}k") == "v"
        assert 0 < await raw.pttl(f"{redis_namespace}k") <= 5000
        sub = await coordination.subscribe("control")
        assert await raw.publish(f"{redis_namespace}control", '{"n": 1}') == 1
        assert await sub.get(timeout=2) == Message("control", {"n": 1})
        await raw.publish(f"{redis_namespace}control", "not json")
        await raw.publish(f"{redis_namespace}control", "[1, 2]")
        await raw.publish(f"{redis_namespace}control", '{"n": 2}')
        assert await sub.get(timeout=2) == Message("control", {"n": 2})
    finally:
        await coordination.close()
        await raw.aclose()


def test_factory_chooses_memory_without_url() -> None:
    assert isinstance(create_coordination(None), MemoryCoordination)
    assert isinstance(create_coordination(""), MemoryCoordination)


@pytest.mark.redis
async def test_factory_chooses_redis_with_url(redis_url: str, redis_namespace: str) -> None:
    coordination = create_coordination(redis_url, redis_namespace)
    try:
        assert isinstance(coordination, RedisCoordination)
        assert coordination.namespace == redis_namespace
        await coordination.set("k", "v")
        assert await coordination.get("k") == "v"
    finally:
        await coordination.close()
