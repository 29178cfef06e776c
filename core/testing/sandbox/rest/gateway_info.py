"""GET /gateway and GET /gateway/bot: where the gateway is, how many shards, the session start limit."""

from __future__ import annotations

from aiohttp import web

from tatiana.testing.sandbox.rest.base import Context, Route, json_response


async def get_gateway(ctx: Context) -> web.StreamResponse:
    """The gateway URL."""
    return json_response({"url": ctx.state.sandbox.gateway_url})


async def get_gateway_bot(ctx: Context) -> web.StreamResponse:
    """The gateway URL, recommended shards and the session start limit with ``max_concurrency``."""
    sandbox = ctx.state.sandbox
    return json_response(
        {
            "url": sandbox.gateway_url,
            "shards": sandbox.shard_count,
            "session_start_limit": {
                "total": 1000,
                "remaining": 1000,
                "reset_after": 0,
                "max_concurrency": sandbox.max_concurrency,
            },
        }
    )


ROUTES = [
    Route("GET", "/gateway", get_gateway, auth="none"),
    Route("GET", "/gateway/bot", get_gateway_bot),
]
