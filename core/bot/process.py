"""Runs one complete bot process (``tatiana dev``): database, sandbox or Discord, one shard worker, the API."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import signal
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr

from tatiana.db.migrate import upgrade
from tatiana.deployment import DeploymentConfig
from tatiana.registry import PluginRegistry
from tatiana.settings import Settings, mask_url
from tatiana.sharding.records import ShardState

if TYPE_CHECKING:
    from tatiana.api.server import RunningApi
    from tatiana.sharding.base import StatusStore
    from tatiana.sharding.records import ClusterShape
    from tatiana.testing.gemini import GeminiRequest
    from tatiana.testing.sandbox.server import Sandbox

log = logging.getLogger(__name__)

READY_POLL = 0.1  # seconds between two reads of the shards' status records while they connect


@dataclass
class DevOptions:
    """Knobs of ``tatiana dev``."""

    sandbox_host: str = "127.0.0.1"
    sandbox_port: int = 8765
    api_host: str | None = None  # API_HOST when None
    api_port: int | None = None  # API_PORT when None; 0 picks a free port


@dataclass(frozen=True)
class DiscordEndpoint:
    """Where the bot connects: Discord, or the local sandbox it is running on."""

    token: str
    rest_url: str
    sandbox: Sandbox | None = None


@contextlib.asynccontextmanager
async def discord_endpoint(settings: Settings, options: DevOptions) -> AsyncIterator[DiscordEndpoint]:
    """Discord with DISCORD_TOKEN set, otherwise a seeded local sandbox with its web console, started."""
    if settings.discord_token is not None:
        yield DiscordEndpoint(settings.discord_token.get_secret_value(), settings.discord_api_url)
        return
    from tatiana.testing.sandbox.console import install_console
    from tatiana.testing.sandbox.seed import seed_demo
    from tatiana.testing.sandbox.server import Sandbox

    sandbox = Sandbox(host=options.sandbox_host, port=options.sandbox_port)
    seed_demo(sandbox.world)
    install_console(sandbox)
    await sandbox.start()
    try:
        yield DiscordEndpoint(sandbox.token, sandbox.rest_url, sandbox)
    finally:
        await sandbox.stop()


@dataclass(frozen=True)
class GeminiEndpoint:
    """Where the AI plugin's model answers: Google's Gemini, or a local stand-in started for this run."""

    local_url: str | None = None


LOCAL_GEMINI_KEY = "local-gemini-stand-in"


def _local_answer(request: GeminiRequest) -> str:
    return f"(local stand-in for Gemini; set GEMINI_API_KEY for real answers) You said: {request.user_text}"


@contextlib.asynccontextmanager
async def gemini_endpoint(settings: Settings) -> AsyncIterator[GeminiEndpoint]:
    """Gemini with GEMINI_API_KEY set; otherwise a local Gemini-compatible server the AI plugin is pointed at."""
    if settings.gemini_api_key is not None:
        yield GeminiEndpoint()
        return
    from tatiana.testing.gemini import FakeGemini

    saved = {name: os.environ.get(name) for name in ("GEMINI_API_KEY", "GEMINI_BASE_URL")}
    async with FakeGemini(answer=_local_answer) as gemini:
        os.environ.update(GEMINI_API_KEY=LOCAL_GEMINI_KEY, GEMINI_BASE_URL=gemini.base_url)
        try:
            yield GeminiEndpoint(gemini.base_url)
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


def dev_api_settings(settings: Settings, discord: DiscordEndpoint) -> Settings:
    """The API's settings in dev: a random per-run JWT_SECRET if unset, the sandbox's OAuth2 on the sandbox."""
    update: dict[str, Any] = {}
    if settings.jwt_secret is None:
        update["jwt_secret"] = SecretStr(secrets.token_urlsafe(48))
    if discord.sandbox is not None:
        from tatiana.testing.sandbox import rest

        oauth = rest.state(discord.sandbox).oauth
        update |= {
            "discord_api_url": discord.rest_url,
            "discord_client_id": oauth.client_id,
            "discord_client_secret": SecretStr(oauth.client_secret),
        }
    return settings.model_copy(update=update)


async def run_dev(
    settings: Settings,
    registry: PluginRegistry,
    deployment: DeploymentConfig,
    options: DevOptions,
) -> None:
    """Run one shard worker holding every shard and the API until interrupted, printing where everything is."""
    from tatiana.api.app import create_app
    from tatiana.api.server import serving_api
    from tatiana.shards.cluster_shape import fetch_shape
    from tatiana.shards.worker import WorkerConfig
    from tatiana.shards.worker_main import open_worker

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, _interrupt, stop)
    # One command must work on a fresh data directory, so the schema is brought to heads before anything runs.
    await upgrade(settings.effective_database_url, registry=registry)
    async with discord_endpoint(settings, options) as discord, gemini_endpoint(settings) as gemini:
        shape = await fetch_shape(discord.rest_url, discord.token)
        config = WorkerConfig("dev", None, shape.shard_count, shape)
        async with open_worker(
            settings, registry, deployment, config, token=discord.token, rest_url=discord.rest_url
        ) as worker:
            # The API shares the worker's coordination: a plugin switched through it reaches this bot at once.
            app = create_app(
                dev_api_settings(settings, discord),
                registry=registry,
                defaults=deployment,
                coordination=worker.coordination,
                sharding=worker.sharding,
                bot_token=discord.token,
            )
            host = options.api_host or settings.api_host
            port = settings.api_port if options.api_port is None else options.api_port
            async with serving_api(app, host, port) as api:
                serving = asyncio.create_task(worker.run(stop), name="shard worker")
                if await _all_ready(worker.sharding.status, shape.shard_count, serving):
                    banner = _banner(settings, registry, discord=discord, shape=shape, api=api, gemini=gemini)
                    print(banner, flush=True)
                await serving


def _interrupt(stop: asyncio.Event) -> None:
    if not stop.is_set():
        print("stopping…", flush=True)
    stop.set()


async def _all_ready(status: StatusStore, shard_count: int, serving: asyncio.Task[None]) -> bool:
    """Wait until the status records show every shard ready; False if the worker stopped first."""
    while not serving.done():
        ready = {s.shard_id for s in await status.shards() if s.state is ShardState.READY}
        if len(ready) == shard_count:
            return True
        await asyncio.wait([serving], timeout=READY_POLL)
    return False


def _banner(
    settings: Settings,
    registry: PluginRegistry,
    *,
    discord: DiscordEndpoint,
    shape: ClusterShape,
    api: RunningApi,
    gemini: GeminiEndpoint,
) -> str:
    sharding = "on Redis" if settings.redis_url else "on the in-memory sharding"
    lines = [
        "Tatiana is running.",
        f"  database      {mask_url(settings.effective_database_url)}",
        f"  coordination  {mask_url(settings.redis_url) or 'in memory (one process)'}",
        f"  shards        {shape.shard_count} of {shape.shard_count} in this process, {sharding}",
        f"  plugins       {', '.join(registry.names) or 'none'}",
    ]
    if discord.sandbox is not None:
        lines += [
            "  discord       local sandbox (DISCORD_TOKEN is unset)",
            f"  talk to it    {discord.sandbox.base_url}/  (pick a guild and a member, type /balance)",
            f"  sandbox REST  {discord.sandbox.rest_url}",
        ]
    else:
        lines.append("  discord       connected with DISCORD_TOKEN")
    if discord.sandbox is not None:
        login = "Discord OAuth2 on the local sandbox"
    elif settings.discord_client_id and settings.discord_client_secret:
        login = "Discord OAuth2 with DISCORD_CLIENT_ID"
    else:
        login = "off (DISCORD_CLIENT_ID and DISCORD_CLIENT_SECRET are unset)"
    if settings.jwt_secret is None:
        login += ", tokens signed with a per-run secret (JWT_SECRET is unset)"
    if gemini.local_url is not None:
        lines.append(f"  ai model      local Gemini stand-in at {gemini.local_url} (GEMINI_API_KEY is unset)")
    lines += [
        f"  api           {api.url}  (OpenAPI schema: {api.schema_url})",
        f"  api login     {login}",
        "Press Ctrl-C to stop.",
    ]
    return "\n".join(lines)
