"""The Litestar application: health, metrics, OpenAPI, login, bot, guilds, users, moderation, analytics,
plugins, live updates."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

import httpx
from litestar import Litestar
from litestar.config.cors import CORSConfig
from litestar.di import Provide
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins.prometheus import PrometheusConfig, PrometheusController

from tatiana.api.access_tokens import AccessTokens
from tatiana.api.analytics_routes import AnalyticsController
from tatiana.api.auth_routes import AuthController
from tatiana.api.bot_owners import BotOwners
from tatiana.api.bot_rest import bot_rest
from tatiana.api.bot_routes import bot_guilds, bot_status
from tatiana.api.dependencies import BEARER_SCHEME, provide_services
from tatiana.api.discord_oauth import DiscordOAuth
from tatiana.api.errors import EXCEPTION_HANDLERS
from tatiana.api.guild_access import GuildAccess
from tatiana.api.guild_routes import GuildController
from tatiana.api.health_routes import health, ready
from tatiana.api.live_updates import LiveHub
from tatiana.api.login_state import LoginStates
from tatiana.api.moderation_routes import ModerationController
from tatiana.api.openapi_errors import document_errors
from tatiana.api.plugin_mount import plugin_routers
from tatiana.api.plugin_routes import GuildPluginController, list_plugins
from tatiana.api.rate_limits import UNLIMITED_PATHS, rate_limit_middleware
from tatiana.api.rate_windows import rate_windows
from tatiana.api.refresh_tokens import RefreshTokenStore
from tatiana.api.restart_routes import RestartController
from tatiana.api.restarts import RestartJobs
from tatiana.api.services import ApiServices
from tatiana.api.token_sealing import TokenSealer
from tatiana.api.user_routes import UserController
from tatiana.api.websocket_routes import live_updates
from tatiana.coordination import Coordination, create_coordination
from tatiana.db.engine import create_engine, session_factory
from tatiana.deployment import DeploymentConfig
from tatiana.guild_plugins import GuildPluginService, PluginDefaults
from tatiana.registry import PluginRegistry
from tatiana.settings import Settings
from tatiana.sharding.base import Sharding
from tatiana.sharding.factory import create_sharding
from tatiana.shards.status_reporter import STATUS_INTERVAL

MAX_BODY_BYTES = 64 * 1024


class MetricsController(PrometheusController):
    """Prometheus's text exposition at ``/metrics``; not part of the JSON API's schema."""

    include_in_schema = False


def create_app(
    settings: Settings,
    *,
    registry: PluginRegistry | None = None,
    defaults: PluginDefaults | None = None,
    coordination: Coordination | None = None,
    sharding: Sharding | None = None,
    redirect_uri: str | None = None,
    http: httpx.AsyncClient | None = None,
    requests_per_minute: int | None = None,
    namespace: str = "tatiana:",
    bot_token: str | None = None,
    status_interval: float = STATUS_INTERVAL,
) -> Litestar:
    """The API for ``settings``; the database, coordination and HTTP client are opened at startup.

    ``redirect_uri`` is where Discord sends the browser back (default: the dashboard's ``/auth/callback``).
    A ``coordination``, ``sharding`` or ``http`` given here is the caller's to close; without ``sharding`` the
    shards' status records, coordination channels and rate-limit counters live in REDIS_URL under ``namespace``
    (TATIANA_REDIS_NAMESPACE: the bot's own; in memory without REDIS_URL). Each client address may make
    ``requests_per_minute`` requests (default API_RATE_LIMIT), counted in Redis when REDIS_URL is set. The bot's
    token (``bot_token``, default DISCORD_TOKEN) gives the API the bot's REST client at DISCORD_API_URL: without it
    the routes that act on Discord as the bot answer 503. The live-updates WebSocket notices bot status changes by
    reading the status records every ``status_interval`` seconds.
    """
    if settings.jwt_secret is None:
        raise ValueError("JWT_SECRET is required to run the API")
    secret = settings.jwt_secret.get_secret_value()
    plugins = registry if registry is not None else PluginRegistry.discover()
    plugin_defaults = defaults or DeploymentConfig.load(settings.tatiana_plugins_file, plugins)
    callback = redirect_uri or f"{settings.dashboard_origin.rstrip('/')}/auth/callback"
    windows = rate_windows(settings.redis_url, f"{namespace}ratelimit:")
    token = bot_token or (settings.discord_token.get_secret_value() if settings.discord_token else None)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        engine = create_engine(settings.effective_database_url)
        own_coordination = coordination is None
        coord = coordination or create_coordination(settings.redis_url, namespace)
        client = http or httpx.AsyncClient(timeout=10.0)
        shards = sharding or create_sharding(settings.redis_url, namespace)
        sessions = session_factory(engine)
        refresh_tokens = RefreshTokenStore(sessions, TokenSealer(secret))
        stack = AsyncExitStack()
        rest = await stack.enter_async_context(bot_rest(token, settings.discord_api_url)) if token else None
        restarts = RestartJobs(shards, coord)
        discord = None
        if settings.discord_client_id and settings.discord_client_secret:
            discord = DiscordOAuth(
                client,
                settings.discord_api_url,
                settings.discord_client_id,
                settings.discord_client_secret.get_secret_value(),
            )
        app.state.services = ApiServices(
            engine=engine,
            sessions=sessions,
            registry=plugins,
            guild_plugins=GuildPluginService(sessions, plugins, coord, plugin_defaults),
            access_tokens=AccessTokens(secret, settings.jwt_expiration),
            refresh_tokens=refresh_tokens,
            login_states=LoginStates(secret),
            discord=discord,
            guild_access=GuildAccess(discord, refresh_tokens.discord_token) if discord else None,
            redirect_uri=callback,
            sharding=shards,
            coordination=coord,
            bot_rest=rest,
            bot_owners=BotOwners(settings.owner_ids, rest),
            restarts=restarts,
        )
        app.state.dashboard_origin = settings.dashboard_origin.rstrip("/")
        try:
            async with windows, LiveHub(coord, shards, status_interval=status_interval) as hub:
                app.state.live_hub = hub
                yield
        finally:
            await restarts.close()
            await stack.aclose()
            if http is None:
                await client.aclose()
            if own_coordination:
                await coord.close()
            if sharding is None:
                await shards.close()
            await engine.dispose()

    prometheus = PrometheusConfig(app_name="tatiana_api", group_path=True)
    app = Litestar(
        route_handlers=[
            health,
            ready,
            MetricsController,
            AuthController,
            bot_status,
            bot_guilds,
            list_plugins,
            GuildPluginController,
            RestartController,
            GuildController,
            UserController,
            ModerationController,
            AnalyticsController,
            *plugin_routers(plugins),
            live_updates,
        ],
        dependencies={"services": Provide(provide_services, sync_to_thread=False)},
        lifespan=[lifespan],
        middleware=[
            prometheus.middleware,
            rate_limit_middleware(requests_per_minute or settings.api_rate_limit, windows),
        ],
        cors_config=CORSConfig(
            allow_origins=[settings.dashboard_origin.rstrip("/")],
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type"],
        ),
        openapi_config=OpenAPIConfig(
            title="Tatiana API",
            version="1.0.0",
            path="/schema",
            components=Components(
                security_schemes={
                    BEARER_SCHEME: SecurityScheme(type="http", scheme="bearer", bearer_format="JWT")
                }
            ),
        ),
        exception_handlers=EXCEPTION_HANDLERS,
        request_max_body_size=MAX_BODY_BYTES,
        # The process's logging (tatiana.log, redacting secrets) stays: Litestar's default would replace it.
        logging_config=None,
    )
    document_errors(app.openapi_schema, UNLIMITED_PATHS)
    return app
