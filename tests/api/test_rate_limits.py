"""Rate limits: 429 with Retry-After past the limit, probes exempt, one count shared by every process via Redis."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable

import httpx
import pytest

from tatiana.api.app import create_app
from tatiana.api.rate_windows import MemoryWindows, RateWindows, RedisWindows
from tatiana.coordination import MemoryCoordination
from tatiana.registry import PluginRegistry
from tatiana.settings import Settings

from .conftest import Defaults, serving


async def test_past_the_limit_answers_429_with_retry_after(
    settings: Settings, coordination: MemoryCoordination
) -> None:
    app = create_app(
        settings,
        registry=PluginRegistry.of(),
        defaults=Defaults(),
        coordination=coordination,
        requests_per_minute=3,
    )
    async with serving(app) as client:
        answers = [await client.get("/api/plugins") for _ in range(4)]
        probes = [await client.get("/health") for _ in range(5)]

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    refused = answers[-1]
    assert refused.json()["status"] == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert answers[0].headers["ratelimit-remaining"] == "2"
    assert {p.status_code for p in probes} == {200}


@pytest.mark.redis
async def test_two_api_processes_share_one_count_in_redis(
    settings: Settings, redis_url: str, redis_namespace: str
) -> None:
    shared = settings.model_copy(update={"redis_url": redis_url})
    apps = [
        create_app(
            shared,
            registry=PluginRegistry.of(),
            defaults=Defaults(),
            coordination=MemoryCoordination(),
            requests_per_minute=3,
            namespace=redis_namespace,
        )
        for _ in range(2)
    ]
    async with serving(apps[0]) as first, serving(apps[1]) as second:
        statuses = [
            (await client.get("/api/plugins")).status_code for client in (first, second, first, second)
        ]

    assert statuses == [200, 200, 200, 429]


async def test_websocket_handshakes_count_against_the_same_limit(
    settings: Settings, coordination: MemoryCoordination
) -> None:
    from websockets.asyncio.client import connect
    from websockets.exceptions import InvalidStatus

    from tatiana.api.server import serving_api

    app = create_app(
        settings,
        registry=PluginRegistry.of(),
        defaults=Defaults(),
        coordination=coordination,
        requests_per_minute=3,
    )
    async with serving_api(app, "127.0.0.1", 0) as api, httpx.AsyncClient(base_url=api.url) as client:
        assert (await client.get("/api/plugins")).status_code == 200
        for _ in range(2):
            async with connect(f"ws://127.0.0.1:{api.port}/api/ws"):
                pass
        with pytest.raises(InvalidStatus) as refused:
            await connect(f"ws://127.0.0.1:{api.port}/api/ws")
        after = await client.get("/api/plugins")

    response = refused.value.response
    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert json.loads(response.body) == {"status": 429, "error": "Too Many Requests"}
    assert after.status_code == 429


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def make_windows(request: pytest.FixtureRequest) -> Callable[[], RateWindows]:
    """Makes counters: memory hands out one shared instance, Redis a new client (an API process) each."""
    if request.param == "memory":
        shared = MemoryWindows()
        return lambda: shared
    url, namespace = request.getfixturevalue("redis_url"), request.getfixturevalue("redis_namespace")
    return lambda: RedisWindows(url, namespace)


async def test_windows_count_per_client_across_processes_and_start_again_when_they_end(
    make_windows: Callable[[], RateWindows],
) -> None:
    async with make_windows() as first, make_windows() as second:
        hits = [
            await first.hit("10.0.0.1", 1),
            await second.hit("10.0.0.1", 1),
            await first.hit("10.0.0.2", 1),
        ]
        await asyncio.sleep(1.1)
        again = await second.hit("10.0.0.1", 1)

    assert [h.count for h in hits] == [1, 2, 1]
    assert all(0 < h.reset <= 1 for h in hits)
    assert again.count == 1


async def test_every_route_of_the_schema_is_limited_but_the_probes(
    settings: Settings, coordination: MemoryCoordination
) -> None:
    app = create_app(
        settings,
        registry=PluginRegistry.of(),
        defaults=Defaults(),
        coordination=coordination,
        requests_per_minute=1,
    )
    async with serving(app) as client:
        schema = (await client.get("/schema/openapi.json")).json()  # spends the one request
        refused = {}
        for path, item in schema["paths"].items():
            url = re.sub(r"\{[^}]+\}", "1", path)
            for method in item:
                refused[f"{method.upper()} {path}"] = (await client.request(method, url)).status_code

    probes = {"GET /health", "GET /ready"}
    assert {route for route, status in refused.items() if status != 429} == probes
    assert len(refused) > len(probes) + 5
