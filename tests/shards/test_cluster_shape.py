"""The cluster's shape: asked of the sandbox's GET /gateway/bot (or configured), agreed on through the status store."""

from __future__ import annotations

import pytest
from aiohttp import web

from tatiana.sharding import ClusterShape, memory_sharding
from tatiana.shards.cluster_shape import SessionLimitError, ShapeConflictError, agree_on_shape, fetch_shape
from tatiana.testing.sandbox.server import Sandbox


async def test_the_shard_count_is_discords_recommendation_unless_configured() -> None:
    async with Sandbox(shard_count=6, max_concurrency=4) as sandbox:
        assert await fetch_shape(sandbox.rest_url, sandbox.token) == ClusterShape(6, 4)
        assert await fetch_shape(sandbox.rest_url, sandbox.token, shard_count=16) == ClusterShape(16, 4)


async def test_more_shards_than_the_session_starts_left_today_are_refused() -> None:
    async def gateway_bot(request: web.Request) -> web.Response:
        assert request.headers["Authorization"] == "Bot secret-token"
        limit = {"total": 1000, "remaining": 3, "reset_after": 7_200_000, "max_concurrency": 1}
        return web.json_response({"url": "ws://nowhere", "shards": 2, "session_start_limit": limit})

    app = web.Application()
    app.router.add_get("/api/v10/gateway/bot", gateway_bot)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        rest_url = f"http://127.0.0.1:{port}/api/v10"
        assert await fetch_shape(rest_url, "secret-token", shard_count=3) == ClusterShape(3, 1)
        with pytest.raises(
            SessionLimitError, match=r"3 more session starts in the next 7200s, fewer than the 4"
        ):
            await fetch_shape(rest_url, "secret-token", shard_count=4)
    finally:
        await runner.cleanup()


async def test_a_launcher_with_another_shape_than_the_recorded_one_is_refused() -> None:
    sharding = memory_sharding()
    assert await agree_on_shape(sharding.status, ClusterShape(4, 1)) == ClusterShape(4, 1)
    assert await agree_on_shape(sharding.status, ClusterShape(4, 1)) == ClusterShape(4, 1)
    with pytest.raises(ShapeConflictError, match="the running cluster has 4 shards"):
        await agree_on_shape(sharding.status, ClusterShape(8, 1))
    await sharding.close()
