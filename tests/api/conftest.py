"""The API against a migrated SQLite database and the sandbox's real OAuth2 endpoints (real sockets).

The client is httpx over the app's ASGI interface in the test's own event loop, with the app's lifespan run
around it. Litestar's AsyncTestClient cannot be used: it drives the app from a blocking portal thread, which
blocks this loop, and with it the sandbox that the app calls during a login.
"""

from __future__ import annotations

import asyncio
import urllib.parse
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from litestar import Litestar
from pydantic import BaseModel, Field

from tatiana import Plugin
from tatiana.api.app import create_app
from tatiana.coordination import MemoryCoordination
from tatiana.db import migrate
from tatiana.registry import PluginRegistry
from tatiana.settings import Settings
from tatiana.testing.sandbox import rest
from tatiana.testing.sandbox.server import Sandbox
from tatiana.testing.sandbox.world import Guild, Perm, User

JWT_SECRET = "test-jwt-secret-that-is-long-enough-for-hs256"
DASHBOARD = "http://dashboard.test"
BASE = "http://api.test"


class GreetSettings(BaseModel):
    """Settings of the test plugin."""

    greeting: str = "hola"
    limit: int = Field(default=5, ge=1, le=10)


GREET = Plugin(name="greet", version="1.2.0", description="Greets", requires="1.*", settings=GreetSettings)
PLAIN = Plugin(name="plain", version="0.1.0", description="Has no settings", requires="1.*")


@dataclass
class Defaults:
    """Deployment defaults written inline: every plugin off."""

    enabled: set[str] = field(default_factory=set)

    def enabled_by_default(self, plugin: str) -> bool:
        return plugin in self.enabled

    def settings_defaults(self, plugin: str) -> dict[str, Any]:
        return {}


@dataclass
class People:
    """The demo guild (A), a second guild (B), and who is who in them."""

    guild_a: Guild
    guild_b: Guild
    owner: User  # owns A, ordinary member of B
    manager: User  # MANAGE_GUILD in A through a role
    member: User  # ordinary member of A


@pytest.fixture
def people(sandbox: Sandbox, guild: Guild) -> People:
    world = sandbox.world
    users = {u.username: u for u in world.users.values()}
    other = world.add_guild("Otro servidor")
    world.add_member(other, users["ana"])
    managers = world.add_role(guild, "Gestor", permissions=Perm.MANAGE_GUILD, position=1)
    guild.members[users["pablo"].id].roles.append(managers.id)
    return People(guild, other, users["ana"], users["pablo"], users["marta"])


@pytest.fixture
def coordination() -> MemoryCoordination:
    return MemoryCoordination()


@pytest.fixture
async def settings(sandbox: Sandbox, sqlite_url: str) -> Settings:
    await migrate.upgrade(sqlite_url, registry=PluginRegistry.of())
    oauth = rest.state(sandbox).oauth
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=sqlite_url,
        discord_api_url=sandbox.rest_url,
        discord_client_id=oauth.client_id,
        discord_client_secret=oauth.client_secret,
        jwt_secret=JWT_SECRET,
        dashboard_origin=DASHBOARD,
    )


@pytest.fixture
def app(settings: Settings, coordination: MemoryCoordination) -> Litestar:
    return create_app(
        settings, registry=PluginRegistry.of(GREET, PLAIN), defaults=Defaults(), coordination=coordination
    )


@asynccontextmanager
async def serving(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    """A client of ``app`` with its lifespan run in a task of its own (pytest-asyncio tears down in another)."""
    started, stop = asyncio.Event(), asyncio.Event()

    async def run() -> None:
        async with app.lifespan():
            started.set()
            await stop.wait()

    task = asyncio.create_task(run())
    waiter = asyncio.create_task(started.wait())
    await asyncio.wait([task, waiter], return_when=asyncio.FIRST_COMPLETED)
    waiter.cancel()
    if task.done():
        await task
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url=BASE) as client:
            yield client
    finally:
        stop.set()
        await task


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    async with serving(app) as test_client:
        yield test_client


async def discord_redirect(authorization_url: str, user: User) -> dict[str, str]:
    """What the browser brings back from the sandbox's authorize page when ``user`` logs in."""
    url = authorization_url + "&" + urllib.parse.urlencode({"sandbox_user_id": user.id})
    async with httpx.AsyncClient() as browser:
        answer = await browser.get(url)
    assert answer.status_code == 302, answer.text
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(answer.headers["location"]).query)
    return {key: values[0] for key, values in query.items()}


async def login(client: httpx.AsyncClient, user: User) -> dict[str, Any]:
    """The token pair of a full login of ``user``: login, Discord's authorize page, callback."""
    start = (await client.post("/api/auth/login")).json()
    back = await discord_redirect(start["authorization_url"], user)
    answer = await client.post(
        "/api/auth/callback",
        json={"code": back["code"], "state": back["state"], "login_token": start["login_token"]},
    )
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def bearer(tokens: dict[str, Any] | str) -> dict[str, str]:
    """The Authorization header of a token pair or an access token."""
    token = tokens if isinstance(tokens, str) else tokens["access_token"]
    return {"Authorization": f"Bearer {token}"}
