"""The live-updates WebSocket, served by uvicorn on a real socket and read by a real WebSocket client."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import httpx
import pytest
from litestar import Litestar
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.typing import Origin

from tatiana import LiveEvents
from tatiana.api import websocket_routes
from tatiana.api.app import create_app
from tatiana.api.guild_access import GuildAccess
from tatiana.api.live_updates import Closing, Listener
from tatiana.api.server import WS_MAX_MESSAGE, RunningApi, serving_api
from tatiana.coordination import Coordination, MemoryCoordination
from tatiana.registry import PluginRegistry
from tatiana.settings import Settings
from tatiana.sharding import memory_sharding
from tatiana.sharding.records import ClusterShape, ShardState, ShardStatus
from tatiana.shards.redis_coordination import RedisCoordination
from tatiana.testing.sandbox.server import Sandbox
from tatiana.testing.sandbox.world import Perm

from .conftest import DASHBOARD, GREET, PLAIN, Defaults, People, bearer, login


@asynccontextmanager
async def served(app: Litestar) -> AsyncIterator[tuple[RunningApi, httpx.AsyncClient]]:
    """``app`` under uvicorn on a free port, and an HTTP client of it."""
    async with serving_api(app, "127.0.0.1", 0) as api, httpx.AsyncClient(base_url=api.url) as client:
        yield api, client


def ws_url(api: RunningApi) -> str:
    return f"ws://127.0.0.1:{api.port}/api/ws"


async def receive(socket: ClientConnection, timeout: float = 3.0) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(await asyncio.wait_for(socket.recv(), timeout))
    return message


async def send(socket: ClientConnection, message: dict[str, Any]) -> None:
    await socket.send(json.dumps(message))


async def closed(socket: ClientConnection, timeout: float = 5.0) -> tuple[int, str]:
    """The close code and reason the server ended ``socket`` with (every message before it is skipped)."""
    with pytest.raises(ConnectionClosed) as info:
        async with asyncio.timeout(timeout):
            while True:
                await socket.recv()
    assert info.value.rcvd is not None, "the server did not send a close frame"
    return info.value.rcvd.code, info.value.rcvd.reason


@asynccontextmanager
async def live(api: RunningApi, token: str) -> AsyncIterator[ClientConnection]:
    """An authenticated connection."""
    async with connect(ws_url(api)) as socket:
        await send(socket, {"type": "auth", "token": token})
        ready = await receive(socket)
        assert ready["type"] == "ready", ready
        yield socket


async def subscribe(socket: ClientConnection, *guilds: int) -> dict[str, Any]:
    await send(socket, {"type": "subscribe", "guilds": [str(g) for g in guilds]})
    answer = await receive(socket)
    assert answer["type"] == "subscribed", answer
    return answer


def make_app(settings: Settings, coordination: Coordination, **options: Any) -> Litestar:
    return create_app(
        settings,
        registry=PluginRegistry.of(GREET, PLAIN),
        defaults=Defaults(),
        coordination=coordination,
        **options,
    )


def manager_of_b(sandbox: Sandbox, people: People) -> None:
    """Make ``people.manager`` a manager of guild B too (a member with MANAGE_GUILD through a role)."""
    role = sandbox.world.add_role(people.guild_b, "Gestor B", permissions=Perm.MANAGE_GUILD, position=1)
    sandbox.world.add_member(people.guild_b, people.manager, roles=[role])


async def test_ready_after_a_valid_token_then_subscriptions_are_checked_like_the_rest_routes(
    settings: Settings, coordination: MemoryCoordination, people: People
) -> None:
    async with served(make_app(settings, coordination)) as (api, client):
        tokens = await login(client, people.owner)  # owns A, plain member of B
        async with connect(ws_url(api)) as socket:
            await send(socket, {"type": "auth", "token": tokens["access_token"]})
            ready = await receive(socket)
            answer = await subscribe(socket, people.guild_a.id, people.guild_b.id, 123456789)

    assert ready["user_id"] == str(people.owner.id)
    assert ready["expires_at"] > time.time()
    assert answer["guilds"] == [str(people.guild_a.id)]
    assert answer["refused"] == [
        {"guild_id": str(people.guild_b.id), "error": "you do not manage this guild"},
        {"guild_id": "123456789", "error": "you do not manage this guild"},
    ]


@pytest.mark.parametrize(
    ("first", "reason"),
    [
        ({"type": "subscribe", "guilds": ["1"]}, "not authenticated"),
        ({"type": "auth"}, '"token" missing'),
        ({"type": "auth", "token": "not.a.jwt"}, "invalid access token"),
        ("hello", "messages must be JSON"),
    ],
)
async def test_no_valid_first_auth_message_closes_with_4001(
    settings: Settings, coordination: MemoryCoordination, first: object, reason: str
) -> None:
    async with served(make_app(settings, coordination)) as (api, _), connect(ws_url(api)) as socket:
        await socket.send(first if isinstance(first, str) else json.dumps(first))
        code, why = await closed(socket)

    assert code == 4001
    assert reason in why


async def test_tampered_and_expired_tokens_are_refused(
    settings: Settings, coordination: MemoryCoordination, people: People
) -> None:
    app = make_app(settings, coordination)
    async with served(app) as (api, client):
        token = (await login(client, people.owner))["access_token"]
        header, payload, signature = token.split(".")
        tampered = f"{header}.{payload}.{signature[:-4]}AAAA"
        tokens = app.state.services.access_tokens
        expired = tokens.issue(people.owner.id, "family", now=time.time() - tokens.lifetime - 5)
        answers = []
        for bad in (tampered, expired):
            async with connect(ws_url(api)) as socket:
                await send(socket, {"type": "auth", "token": bad})
                answers.append(await closed(socket))

    assert answers == [(4001, "invalid access token"), (4001, "access token expired")]
    assert all(token not in reason for _, reason in answers)


async def test_silence_after_connecting_is_closed(
    settings: Settings, coordination: MemoryCoordination, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(websocket_routes, "AUTH_TIMEOUT", 0.3)
    async with served(make_app(settings, coordination)) as (api, _), connect(ws_url(api)) as socket:
        code, reason = await closed(socket)

    assert code == 4001
    assert reason.startswith("authentication timed out")


async def test_the_connection_ends_when_its_token_expires_unless_renewed(
    settings: Settings, coordination: MemoryCoordination, people: People
) -> None:
    app = make_app(settings, coordination)
    async with served(app) as (api, client):
        tokens = app.state.services.access_tokens
        family = tokens.verify((await login(client, people.owner))["access_token"]).family
        # Issued (whole seconds, rounded down) so that the first expires in 3 to 4 s, leaving a loaded machine
        # time to renew it, and the second within a second.
        first_issued = time.time() - tokens.lifetime + 4.0
        async with live(api, tokens.issue(people.owner.id, family, now=first_issued)) as renewed:
            await subscribe(renewed, people.guild_a.id)
            await send(renewed, {"type": "auth", "token": tokens.issue(people.owner.id, family)})
            assert (await receive(renewed))["type"] == "ready"
            soon = time.time() - tokens.lifetime + 1.0
            async with live(api, tokens.issue(people.owner.id, family, now=soon)) as lapsing:
                code, reason = await closed(lapsing)
            # Past the first token's expiry: only the renewal keeps this connection open.
            await asyncio.sleep(max(0.0, int(first_issued) + tokens.lifetime - time.time() + 0.3))
            await send(renewed, {"type": "ping"})
            assert await receive(renewed) == {"type": "pong"}

            await send(renewed, {"type": "auth", "token": tokens.issue(people.manager.id, family)})
            assert await closed(renewed) == (4001, "this token belongs to another user")

    assert code == 4001
    assert reason.startswith("access token expired")


async def test_renewing_the_token_checks_the_followed_guilds_again(
    settings: Settings, coordination: MemoryCoordination, people: People
) -> None:
    app = make_app(settings, coordination)
    async with served(app) as (api, client):
        services = app.state.services
        manager = await login(client, people.manager)
        async with live(api, manager["access_token"]) as socket:
            await subscribe(socket, people.guild_a.id)
            people.guild_a.members[people.manager.id].roles.clear()  # no longer MANAGE_GUILD
            services.guild_access = GuildAccess(
                services.discord, services.refresh_tokens.discord_token, ttl=0
            )
            await send(socket, {"type": "auth", "token": manager["access_token"]})
            dropped, ready = await receive(socket), await receive(socket)
            await LiveEvents(coordination).activity(people.guild_a.id, {"action": "unseen"})
            await send(socket, {"type": "ping"})
            after = await receive(socket)

    guild = str(people.guild_a.id)
    assert dropped == {
        "type": "unsubscribed",
        "guilds": [guild],
        "refused": [{"guild_id": guild, "error": "you do not manage this guild"}],
    }
    assert ready["type"] == "ready"
    assert after == {"type": "pong"}


async def test_a_plugin_toggle_reaches_that_guilds_subscribers_only(
    settings: Settings, coordination: MemoryCoordination, people: People, sandbox: Sandbox
) -> None:
    manager_of_b(sandbox, people)
    async with served(make_app(settings, coordination)) as (api, client):
        owner = await login(client, people.owner)
        manager = await login(client, people.manager)
        async with live(api, owner["access_token"]) as in_a, live(api, manager["access_token"]) as in_b:
            await subscribe(in_a, people.guild_a.id)
            await subscribe(in_b, people.guild_b.id)

            answer = await client.put(
                f"/api/guilds/{people.guild_a.id}/plugins/greet",
                json={"enabled": True},
                headers=bearer(owner),
            )
            assert answer.status_code == 200
            toggled, activity = await receive(in_a), await receive(in_a)
            # Delivery is in order: B's subscriber sees this first, so it never got A's toggle.
            await LiveEvents(coordination).activity(people.guild_b.id, {"action": "marker"})
            marker = await receive(in_b)

    guild = str(people.guild_a.id)
    assert toggled == {
        "type": "plugin_toggled",
        "guild_id": guild,
        "data": {
            "plugin": "greet",
            "enabled": True,
            "settings": {"greeting": "hola", "limit": 5},
            "by": str(people.owner.id),
        },
    }
    assert activity == {
        "type": "activity",
        "guild_id": guild,
        "data": {"action": "plugin_changed", "plugin": "greet", "enabled": True, "by": str(people.owner.id)},
    }
    assert marker == {"type": "activity", "guild_id": str(people.guild_b.id), "data": {"action": "marker"}}


@pytest.mark.redis
async def test_through_redis_a_toggle_made_on_one_api_process_reaches_the_sockets_of_another(
    settings: Settings, people: People, sandbox: Sandbox, redis_url: str, redis_namespace: str
) -> None:
    manager_of_b(sandbox, people)
    async with AsyncExitStack() as stack:
        coordinations = [RedisCoordination(redis_url, redis_namespace) for _ in range(2)]
        for coordination in coordinations:
            stack.push_async_callback(coordination.close)
        watched, _ = await stack.enter_async_context(served(make_app(settings, coordinations[0])))
        _, changing = await stack.enter_async_context(served(make_app(settings, coordinations[1])))
        owner = await login(changing, people.owner)
        manager = await login(changing, people.manager)
        in_a = await stack.enter_async_context(live(watched, owner["access_token"]))
        in_b = await stack.enter_async_context(live(watched, manager["access_token"]))
        await subscribe(in_a, people.guild_a.id)
        await subscribe(in_b, people.guild_b.id)

        answer = await changing.put(
            f"/api/guilds/{people.guild_a.id}/plugins/greet",
            json={"settings": {"limit": 7}},
            headers=bearer(owner),
        )
        assert answer.status_code == 200
        toggled = await receive(in_a)
        assert (await receive(in_a))["type"] == "activity"
        await LiveEvents(coordinations[1]).moderation_alert(
            people.guild_b.id, {"action": "ban", "case_id": 3}
        )
        alert = await receive(in_b)

    assert toggled["type"] == "plugin_toggled"
    assert toggled["guild_id"] == str(people.guild_a.id)
    assert toggled["data"]["settings"] == {"greeting": "hola", "limit": 7}
    assert alert == {
        "type": "moderation_alert",
        "guild_id": str(people.guild_b.id),
        "data": {"action": "ban", "case_id": 3},
    }


async def test_moderation_alerts_and_activity_published_by_a_plugin_reach_subscribers(
    settings: Settings, coordination: MemoryCoordination, people: People
) -> None:
    live_events = LiveEvents(coordination)
    async with served(make_app(settings, coordination)) as (api, client):
        owner = await login(client, people.owner)
        async with live(api, owner["access_token"]) as socket:
            await subscribe(socket, people.guild_a.id)
            await live_events.moderation_alert(people.guild_b.id, {"action": "kick"})  # not followed
            await live_events.moderation_alert(people.guild_a.id, {"action": "warn", "user_id": "42"})
            await live_events.activity(people.guild_a.id, {"action": "command", "command": "balance"})
            alert, activity = await receive(socket), await receive(socket)

            await send(socket, {"type": "unsubscribe", "guilds": [str(people.guild_a.id)]})
            assert await receive(socket) == {"type": "unsubscribed", "guilds": [str(people.guild_a.id)]}
            await live_events.activity(people.guild_a.id, {"action": "command", "command": "pay"})
            await send(socket, {"type": "ping"})
            assert await receive(socket) == {"type": "pong"}

    assert alert == {
        "type": "moderation_alert",
        "guild_id": str(people.guild_a.id),
        "data": {"action": "warn", "user_id": "42"},
    }
    assert activity["data"] == {"action": "command", "command": "balance"}


async def test_bot_status_changes_reach_every_authenticated_connection(
    settings: Settings, coordination: MemoryCoordination, people: People
) -> None:
    sharding = memory_sharding()
    await sharding.status.claim_shape(ClusterShape(shard_count=2, max_concurrency=1), ttl=60)
    app = make_app(settings, coordination, sharding=sharding, status_interval=0.05)

    def report(state: ShardState) -> list[ShardStatus]:
        now = time.time()
        return [ShardStatus(i, state, 0.04, 3, "proc-a", "host-a", 101, now) for i in range(2)]

    async with served(app) as (api, client):
        owner = await login(client, people.owner)
        async with live(api, owner["access_token"]) as socket:  # no guild subscribed
            await asyncio.sleep(0.2)  # the watcher's first read is its baseline
            await sharding.status.put_shards(report(ShardState.CONNECTING))
            starting = await receive(socket)
            await sharding.status.put_shards(report(ShardState.READY))
            ready = await receive(socket)
            await sharding.status.put_shards(report(ShardState.READY))  # only heartbeats moved: no event
            await send(socket, {"type": "ping"})
            assert await receive(socket) == {"type": "pong"}
    await sharding.close()

    assert starting == {
        "type": "bot_status",
        "guild_id": None,
        "data": {
            "state": "offline",
            "shard_count": 2,
            "shards_ready": 0,
            "shards": [{"shard_id": 0, "state": "connecting"}, {"shard_id": 1, "state": "connecting"}],
        },
    }
    assert ready["data"]["state"] == "ready"
    assert ready["data"]["shards_ready"] == 2


@pytest.mark.parametrize(
    ("message", "error"),
    [
        ({"type": "dance"}, "unknown message type 'dance'"),
        ({"kind": "subscribe"}, 'messages must be JSON objects with a "type"'),
        ({"type": "subscribe", "guilds": []}, '"guilds" must be a non-empty list'),
        ({"type": "subscribe", "guilds": ["12a"]}, "not a guild id: '12a'"),
        ({"type": "subscribe", "guilds": [-5]}, "not a guild id: -5"),
    ],
)
async def test_bad_messages_get_an_error_and_the_connection_stays(
    settings: Settings, coordination: MemoryCoordination, people: People, message: object, error: str
) -> None:
    async with served(make_app(settings, coordination)) as (api, client):
        owner = await login(client, people.owner)
        async with live(api, owner["access_token"]) as socket:
            await send(socket, message)  # type: ignore[arg-type]
            answer = await receive(socket)
            await send(socket, {"type": "ping"})
            assert await receive(socket) == {"type": "pong"}

    assert answer == {"type": "error", "error": answer["error"]}
    assert error in answer["error"]


async def test_floods_and_oversized_messages_close_the_connection(
    settings: Settings, coordination: MemoryCoordination, people: People
) -> None:
    async with served(make_app(settings, coordination)) as (api, client):
        owner = await login(client, people.owner)
        async with live(api, owner["access_token"]) as flooding:
            for _ in range(websocket_routes.MESSAGES_PER_WINDOW + 1):
                await send(flooding, {"type": "ping"})
            flood = await closed(flooding)
        async with live(api, owner["access_token"]) as oversized:
            await send(oversized, {"type": "ping", "padding": "x" * websocket_routes.MAX_MESSAGE_CHARS})
            too_big = await closed(oversized)

    assert flood == (1008, "too many messages: at most 30 per 10 s")
    assert too_big == (1009, "messages are limited to 4096 characters")


async def test_a_huge_message_is_refused_by_the_server_before_it_is_read(
    settings: Settings, coordination: MemoryCoordination
) -> None:
    async with served(make_app(settings, coordination)) as (api, _), connect(ws_url(api)) as socket:
        await socket.send("x" * (WS_MAX_MESSAGE + 1))
        code, reason = await closed(socket)

    assert code == 1009
    assert reason.endswith(f"exceeds limit of {WS_MAX_MESSAGE} bytes")  # uvicorn's, not the handler's check


async def test_tokens_are_not_logged(
    settings: Settings, coordination: MemoryCoordination, people: People, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    app = make_app(settings, coordination)
    async with served(app) as (api, client):
        token = (await login(client, people.owner))["access_token"]
        expired = app.state.services.access_tokens.issue(people.owner.id, "f", now=time.time() - 10_000)
        async with live(api, token) as socket:
            await subscribe(socket, people.guild_a.id, people.guild_b.id)
            await send(socket, {"type": "auth", "token": token})
            await receive(socket)
        async with connect(ws_url(api)) as refused:
            await send(refused, {"type": "auth", "token": expired})
            await closed(refused)

    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert token not in logged
    assert expired not in logged


async def test_only_the_dashboard_origin_may_open_the_socket(
    settings: Settings, coordination: MemoryCoordination
) -> None:
    async with served(make_app(settings, coordination)) as (api, _):
        with pytest.raises(InvalidStatus) as refused:
            await connect(ws_url(api), origin=Origin("http://evil.test"))
        async with connect(ws_url(api), origin=Origin(DASHBOARD)) as allowed:
            await send(allowed, {"type": "auth", "token": "x"})
            assert (await closed(allowed))[0] == 4001

    assert refused.value.response.status_code == 403


def test_a_listener_too_far_behind_is_closed_and_its_backlog_dropped() -> None:
    listener = Listener(max_pending=3)
    for n in range(4):
        listener.send({"n": n})

    assert listener.closing == Closing(1013, "too many undelivered events; reconnect")
    listener.send({"n": 99})
    listener.close(1000, "later close loses")
    assert listener.closing == Closing(1013, "too many undelivered events; reconnect")


async def test_a_closed_listener_yields_only_its_closing() -> None:
    listener = Listener()
    listener.send({"n": 1})
    listener.close(1001, "bye")

    assert await listener.next() == Closing(1001, "bye")
    assert await listener.next() == Closing(1001, "bye")
