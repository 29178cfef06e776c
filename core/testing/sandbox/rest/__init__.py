"""Discord's REST API v10 for the sandbox, under ``/api/v10``: one module per area, installed by ``install``.

``state(sandbox)`` gives the REST side's settings and records (``RestState``): rate limits
(``.ratelimits``), the interaction deadlines, OAuth2 (``.oauth``), OpenAPI checking of every answer.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

from aiohttp import web
from aiohttp.typedefs import Handler as AioHandler

from tatiana.testing.sandbox.rest import errors
from tatiana.testing.sandbox.rest.base import (
    API_PREFIX,
    STATE_KEY,
    Context,
    RestState,
    Route,
    error_response,
    json_response,
    log,
)

if TYPE_CHECKING:
    from tatiana.testing.sandbox.server import Sandbox

__all__ = ["RestState", "Route", "install", "state"]

_SNOWFLAKE_PARAM = re.compile(r"\{(\w+_id)\}")


def install(sandbox: Sandbox, app: web.Application) -> RestState:
    """Add every REST route to the sandbox's aiohttp application; returns the REST state."""
    from tatiana.testing.sandbox.interactions import InteractionStore
    from tatiana.testing.sandbox.rest import (
        applications,
        bans,
        channels,
        commands,
        gateway_info,
        guilds,
        interactions,
        members,
        messages,
        oauth2,
        reactions,
        roles,
        threads,
        users,
    )

    rest = RestState(sandbox)
    rest.interactions = InteractionStore(rest)
    rest.oauth = oauth2.OAuthServer(rest)
    app[STATE_KEY] = rest
    for module in (
        gateway_info,
        users,
        applications,
        commands,
        interactions,
        channels,
        threads,
        messages,
        reactions,
        guilds,
        members,
        roles,
        bans,
        oauth2,
    ):
        rest.routes.extend(module.ROUTES)
    for route in rest.routes:
        app.router.add_route(
            route.method, API_PREFIX + _SNOWFLAKE_PARAM.sub(r"{\1:\\d+}", route.path), _wrap(route, rest)
        )
    oauth2.install_outside_api(app, rest)
    messages.install_attachment_files(app, rest)
    app.router.add_route("*", API_PREFIX + "/{tail:.*}", _unmatched(rest))
    return rest


def state(sandbox: Sandbox) -> RestState:
    """The REST side of a sandbox: its settings (limits, deadlines, OAuth2) and what it recorded."""
    return sandbox.app[STATE_KEY]


def _wrap(route: Route, rest: RestState) -> AioHandler:
    async def handle(request: web.Request) -> web.StreamResponse:
        context = Context(request, route, rest)
        verdict = None
        try:
            _authenticate(context)
            if route.ratelimited:
                credential = request.headers.get("Authorization") or request.remote or ""
                verdict = rest.ratelimits.check(route.key, _major(request), credential)
                if verdict.limited:
                    response: web.StreamResponse = json_response(verdict.body(), 429, verdict.headers())
                    rest.calls[(route.key, 429)] += 1
                    _check_openapi(rest, route, response)
                    return response
            response = await route.handler(context)
        except errors.DiscordError as error:
            response = error_response(error)
        except (
            ValueError,
            TypeError,
            AttributeError,
        ) as exc:  # a body of the wrong shape, as Discord sees it
            log().debug("sandbox REST route %s refused a body: %r", route.key, exc)
            response = error_response(
                errors.invalid_form_body("", "BASE_TYPE_INVALID", f"Invalid Form Body: {exc}")
            )
        except Exception as exc:
            log().exception("sandbox REST route %s failed", route.key)
            rest.errors.append(f"{route.key}: {exc!r}")
            response = json_response({"message": "500: Internal Server Error", "code": 0}, 500)
        if verdict is not None:
            response.headers.update(verdict.headers())
        rest.calls[(route.key, response.status)] += 1
        _check_openapi(rest, route, response)
        return response

    return handle


def _authenticate(context: Context) -> None:
    auth = context.route.auth
    if auth == "none":
        return
    header = context.request.headers.get("Authorization", "")
    if auth in ("bot", "bot_or_bearer") and header == f"Bot {context.state.sandbox.token}":
        return
    if auth in ("bearer", "bot_or_bearer") and header.startswith("Bearer "):
        token = context.state.oauth.access(header.removeprefix("Bearer "))
        if token is not None:
            context.bearer = token
            return
    raise errors.unauthorized()


def _major(request: web.Request) -> str:
    info = request.match_info
    for name in ("channel_id", "guild_id"):
        if name in info:
            return f"{name}:{info[name]}"
    if "webhook_id" in info:
        return f"webhook:{info['webhook_id']}:{info.get('webhook_token', '')}"
    return ""


def _check_openapi(rest: RestState, route: Route, response: web.StreamResponse) -> None:
    if not rest.validate_responses or not isinstance(response, web.Response):
        return
    from tatiana.testing.sandbox import openapi

    document = openapi.load()
    if not document.has_operation(route.method, route.path):
        return
    raw = response.body
    body = json.loads(bytes(raw)) if isinstance(raw, bytes | bytearray) and raw else None
    problems = document.validate(route.method, route.path, response.status, body)
    if problems:
        log().error("sandbox answer does not match Discord's OpenAPI description: %s", problems[:5])
        rest.openapi_errors.extend(problems)


def _unmatched(rest: RestState) -> AioHandler:
    async def handle(request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        for route in rest.routes:
            pattern = re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(route.path))
            if re.fullmatch(pattern, path):
                return error_response(errors.method_not_allowed())
        return error_response(errors.not_found())

    return handle
