"""API benchmark: requests per second and latency of ``GET /api/bot/status`` and guild routes, against ``/health``.

The API is ``create_app`` under uvicorn (``serve_forever``, as ``tatiana api`` runs it) in a process of its own,
on a fresh SQLite file migrated with every installed plugin and seeded: the sandbox's demo guild and a second
guild stored, two plugins switched on through the API, and, in the Redis scenario, the status records of a
16-shard cluster of 2 processes. This process runs the local Discord sandbox (the OAuth2 login, and the API's
check that the caller manages the guild) and logs in as the demo guild's owner. The load comes from a third
process: C keep-alive connections (aiohttp), each sending its next request as soon as the last is answered, for
T seconds after a warm-up second. Rounds alternate the routes; the table gives the median requests/s of the
rounds, p50 and p99 over every request of the rounds, and the ratio to the baseline (``GET /health``: no
database, no rate limit, no authentication) of the same scenario.

Scenarios: ``embedded`` (no REDIS_URL: rate limits counted in memory, the status records in memory, so empty)
and ``redis`` (REDIS_URL set: rate limits and status records in Redis, in a fresh namespace removed afterwards).
API_RATE_LIMIT is raised to 10^9 for the run: the default, 120 a minute per client address, would answer nearly
every request of one load process with 429; the limiter still counts every request.

The guild routes are ``GET /api/guilds/{id}`` (``--guild-path`` changes it; the caller's standing, then the guild's
row; the API has no bot token here, so it does not ask Discord for the member count) and
``GET /api/guilds/{id}/plugins`` (the manager check, then every plugin's switch and settings from the database).

Usage: ``uv run python bench/api.py [--quick] [--connections C] [--seconds T] [--redis URL] [--guild-path P]``
(``--redis ''`` skips the Redis scenario; prints a Markdown table).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import platform
import socket
import statistics
import sys
import tempfile
import time
import urllib.parse
import uuid
from collections import Counter
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import httpx

JWT_SECRET = "bench-jwt-secret-long-enough-for-hs256-signatures"
DASHBOARD = "http://dashboard.bench"
RATE_LIMIT = 10**9
WARMUP = 1.0
STARTUP_TIMEOUT = 60.0
DEFAULT_REDIS = os.environ.get("TATIANA_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Config:
    """The sizes of one run."""

    rounds: int
    seconds: float
    connections: int


FULL = Config(rounds=3, seconds=5.0, connections=32)
QUICK = Config(rounds=1, seconds=2.0, connections=16)


@dataclass
class Load:
    """What one load run measured: answered requests by status, and each one's latency (s)."""

    seconds: float
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)

    @property
    def rate(self) -> float:
        """Requests answered per second."""
        return len(self.latencies) / self.seconds


# --- the API process ---------------------------------------------------------------------------------------


def serve(options: dict[str, Any], port: int, namespace: str) -> None:
    """Run the API on 127.0.0.1:``port`` until SIGTERM (the entry point of the API process)."""
    from tatiana.api.app import create_app
    from tatiana.api.server import serve_forever
    from tatiana.settings import Settings

    settings = Settings(_env_file=None, **options)
    app = create_app(settings, namespace=namespace)
    serve_forever(app, "127.0.0.1", port)


# --- the load process --------------------------------------------------------------------------------------


def drive(url: str, headers: dict[str, str], connections: int, seconds: float, out: Connection) -> None:
    """Send GET ``url`` over ``connections`` connections for WARMUP + ``seconds``; send the Load to ``out``."""
    out.send(asyncio.run(_drive(url, headers, connections, seconds)))


async def _drive(url: str, headers: dict[str, str], connections: int, seconds: float) -> Load:
    import aiohttp

    load = Load(seconds)
    start = time.perf_counter()
    measured_from, stop_at = start + WARMUP, start + WARMUP + seconds
    connector = aiohttp.TCPConnector(limit=connections)
    async with aiohttp.ClientSession(connector=connector, headers=headers) as session:

        async def worker() -> None:
            while time.perf_counter() < stop_at:
                sent = time.perf_counter()
                async with session.get(url) as response:
                    await response.read()
                answered = time.perf_counter()
                if measured_from <= answered < stop_at:
                    load.latencies.append(answered - sent)
                    load.statuses[response.status] += 1

        await asyncio.gather(*(worker() for _ in range(connections)))
    return load


def run_load(url: str, headers: dict[str, str], config: Config) -> Load:
    """One load run from a new process."""
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=drive, args=(url, headers, config.connections, config.seconds, sender))
    process.start()
    sender.close()
    try:
        load: Load = receiver.recv()
    finally:
        process.join(30)
    return load


# --- this process: sandbox, database, login ----------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def prepare_database(url: str, guilds: list[tuple[int, str, int]]) -> None:
    """Migrate with every installed plugin and store ``guilds`` (id, name, owner) as a shard would."""
    from tatiana.database import Database
    from tatiana.db import migrate
    from tatiana.db.engine import create_engine, session_factory
    from tatiana.registry import PluginRegistry

    await migrate.upgrade(url, registry=PluginRegistry.discover())
    engine = create_engine(url)
    try:
        async with session_factory(engine).begin() as session:
            for guild_id, name, owner in guilds:
                await Database.ensure_guild(session, guild_id, name, owner)
    finally:
        await engine.dispose()


async def seed_status(redis_url: str, namespace: str) -> None:
    """A 16-shard cluster of two processes, every shard ready, in the status records."""
    from tatiana.sharding.records import ClusterShape, ProcessState, ProcessStatus, ShardState, ShardStatus
    from tatiana.shards.redis_sharding import redis_sharding

    sharding = redis_sharding(redis_url, namespace)
    now = time.time()
    try:
        await sharding.status.claim_shape(ClusterShape(shard_count=16, max_concurrency=1), ttl=3600)
        for index, process in enumerate(("proc-a", "proc-b")):
            shards = tuple(range(index * 8, index * 8 + 8))
            await sharding.status.put_shards(
                ShardStatus(i, ShardState.READY, 0.04, 120, process, "host", 100 + index, now) for i in shards
            )
            await sharding.status.put_process(
                ProcessStatus(process, "host", 100 + index, None, 8, shards, ProcessState.SERVING, now, now),
                ttl=3600,
            )
    finally:
        await sharding.close()


async def drop_namespace(redis_url: str, namespace: str) -> None:
    import redis.asyncio as aioredis

    client = aioredis.from_url(redis_url)
    try:
        keys = [key async for key in client.scan_iter(match=f"{namespace}*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


async def wait_until_serving(client: httpx.AsyncClient, process: multiprocessing.process.BaseProcess) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if not process.is_alive():
            raise RuntimeError("the API process exited while starting (its error is above)")
        try:
            if (await client.get("/health")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.1)
    raise RuntimeError("the API did not start in time")


async def login(client: httpx.AsyncClient, user_id: int) -> str:
    """The access token of a full login of ``user_id`` through the sandbox's authorize page."""
    start = (await client.post("/api/auth/login")).json()
    url = start["authorization_url"] + "&" + urllib.parse.urlencode({"sandbox_user_id": user_id})
    async with httpx.AsyncClient() as browser:
        redirect = await browser.get(url)
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(redirect.headers["location"]).query))
    answer = await client.post(
        "/api/auth/callback",
        json={"code": query["code"], "state": query["state"], "login_token": start["login_token"]},
    )
    answer.raise_for_status()
    token: str = answer.json()["access_token"]
    return token


async def scenario(
    name: str,
    config: Config,
    redis_url: str | None,
    guild_path: str,
    results: dict[str, dict[str, list[Load]]],
) -> None:
    """Start the API for one scenario and measure its routes into ``results[name]``."""
    from tatiana.testing.sandbox import rest
    from tatiana.testing.sandbox.seed import seed_demo
    from tatiana.testing.sandbox.server import Sandbox

    sandbox = Sandbox()
    demo = seed_demo(sandbox.world)
    other = sandbox.world.add_guild("Otro servidor")
    namespace = f"tatiana-bench:{uuid.uuid4().hex[:12]}:"
    async with sandbox:
        with tempfile.TemporaryDirectory() as folder:
            database = f"sqlite:///{folder}/api.db"
            await prepare_database(database, [(g.id, g.name, g.owner_id) for g in (demo, other)])
            if redis_url:
                await seed_status(redis_url, namespace)
            oauth = rest.state(sandbox).oauth
            options = {
                "database_url": database,
                "redis_url": redis_url,
                "discord_api_url": sandbox.rest_url,
                "discord_client_id": oauth.client_id,
                "discord_client_secret": oauth.client_secret,
                "jwt_secret": JWT_SECRET,
                "dashboard_origin": DASHBOARD,
                "api_rate_limit": RATE_LIMIT,
                "tatiana_plugins_file": str(ROOT / "plugins.toml"),
                "log_level": "WARNING",
            }
            port = free_port()
            process = multiprocessing.get_context("spawn").Process(
                target=serve, args=(options, port, namespace), name=f"api-{name}"
            )
            process.start()
            base = f"http://127.0.0.1:{port}"
            try:
                async with httpx.AsyncClient(base_url=base, timeout=30) as client:
                    await wait_until_serving(client, process)
                    token = await login(client, demo.owner_id)
                    headers = {"Authorization": f"Bearer {token}"}
                    for plugin in ("economy", "moderation"):
                        changed = await client.put(
                            f"/api/guilds/{demo.id}/plugins/{plugin}", json={"enabled": True}, headers=headers
                        )
                        changed.raise_for_status()
                    routes = {
                        "GET /health": "/health",
                        "GET /api/bot/status": "/api/bot/status",
                        f"GET {guild_path}": guild_path.format(id=demo.id),
                        "GET /api/guilds/{id}/plugins": f"/api/guilds/{demo.id}/plugins",
                    }
                    for route, path in routes.items():
                        checked = await client.get(path, headers=headers)
                        if checked.status_code != 200:
                            raise RuntimeError(f"{route} answered {checked.status_code}: {checked.text}")
                measured = results.setdefault(name, {route: [] for route in routes})
                for number in range(config.rounds):
                    order = list(routes.items())
                    order = order[number % len(order) :] + order[: number % len(order)]
                    for route, path in order:
                        load = await asyncio.to_thread(run_load, base + path, headers, config)
                        measured[route].append(load)
            finally:
                process.terminate()
                await asyncio.to_thread(process.join, 15)
                if process.is_alive():
                    process.kill()
                if redis_url:
                    await drop_namespace(redis_url, namespace)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def table(results: dict[str, dict[str, list[Load]]], config: Config) -> str:
    """The Markdown table: per scenario and route, median req/s, p50/p99 (ms), ratio to the baseline."""
    lines = [
        "| scenario | route | requests/s | p50 (ms) | p99 (ms) | requests/s / baseline | non-200 |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, routes in results.items():
        baseline = statistics.median(load.rate for load in routes["GET /health"])
        for route, loads in routes.items():
            rate = statistics.median(load.rate for load in loads)
            latencies = [latency for load in loads for latency in load.latencies]
            other = sum(count for load in loads for status, count in load.statuses.items() if status != 200)
            label = f"{route} (baseline)" if route == "GET /health" else route
            lines.append(
                f"| {name} | {label} | {rate:,.0f} | {percentile(latencies, 0.50) * 1000:.2f} | "
                f"{percentile(latencies, 0.99) * 1000:.2f} | {rate / baseline:.2f} | {other} |"
            )
    load_average = os.getloadavg()[0]
    lines.append("")
    lines.append(
        f"{config.connections} connections, {config.rounds} round(s) of {config.seconds:g} s per route; "
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs, load average {load_average:.2f} at the end."
    )
    return "\n".join(lines)


async def main_async(config: Config, redis_url: str, guild_path: str) -> str:
    results: dict[str, dict[str, list[Load]]] = {}
    await scenario("embedded", config, None, guild_path, results)
    if redis_url:
        await scenario("redis", config, redis_url, guild_path, results)
    return table(results, config)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="one short round per route, fewer connections")
    parser.add_argument("--connections", type=int, default=None, help="concurrent connections of the load")
    parser.add_argument("--seconds", type=float, default=None, help="measured seconds per route and round")
    parser.add_argument(
        "--redis", default=DEFAULT_REDIS, help="Redis URL of the redis scenario ('' skips it)"
    )
    parser.add_argument(
        "--guild-path",
        default="/api/guilds/{id}",
        help="the first guild route; {id} is the demo guild's id",
    )
    arguments = parser.parse_args()
    config = QUICK if arguments.quick else FULL
    config = Config(
        rounds=config.rounds,
        seconds=arguments.seconds or config.seconds,
        connections=arguments.connections or config.connections,
    )
    if "{id}" not in arguments.guild_path:
        sys.exit("--guild-path needs {id} where the guild id goes")
    print(asyncio.run(main_async(config, arguments.redis, arguments.guild_path)))


if __name__ == "__main__":
    main()
