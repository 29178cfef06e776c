"""The bot's own application: GET /applications/@me and GET /oauth2/applications/@me (what hikari calls)."""

from __future__ import annotations

from aiohttp import web

from tatiana.testing.sandbox import serialize
from tatiana.testing.sandbox.rest.base import Context, Route, json_response


async def my_application(ctx: Context) -> web.StreamResponse:
    """The application object, with its owner, bot user and install configuration."""
    return json_response(serialize.application(ctx.world, redirect_uris=ctx.state.oauth.redirect_uris))


ROUTES = [
    Route("GET", "/applications/@me", my_application),
    Route("GET", "/oauth2/applications/@me", my_application),
]
