"""The sandbox server: one aiohttp application serving Discord's REST v10 and Gateway v10 on loopback."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING

from aiohttp import web

from tatiana.testing.sandbox.world import World

if TYPE_CHECKING:
    from tatiana.testing.sandbox.gateway import Gateway


def bot_token(world: World, secret: str = "sandbox") -> str:
    """A token of Discord's shape for the world's bot: base64 of its id, then two dot-separated parts."""
    user_part = base64.urlsafe_b64encode(str(world.bot.id).encode()).decode().rstrip("=")
    return f"{user_part}.GsAnDb.{secret.ljust(38, 'x')[:38]}"


class Sandbox:
    """A running local Discord: ``rest_url`` for hikari's ``rest_url``, ``gateway_url`` from GET /gateway/bot.

    ``max_concurrency`` is what GET /gateway/bot reports and what the identify limit enforces;
    ``shard_count`` the recommended number of shards.
    """

    def __init__(
        self,
        world: World | None = None,
        *,
        shard_count: int = 1,
        max_concurrency: int = 1,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.world = world or World()
        self.shard_count = shard_count
        self.max_concurrency = max_concurrency
        self.host, self.port = host, port
        self.token = bot_token(self.world)
        self.app = web.Application(client_max_size=25 * 1024 * 1024)
        self._runner: web.AppRunner | None = None
        from tatiana.testing.sandbox import gateway, rest

        self.gateway: Gateway = gateway.Gateway(self)
        self.gateway.install(self.app)
        rest.install(self, self.app)

    @property
    def base_url(self) -> str:
        """http://host:port of the running server."""
        return f"http://{self.host}:{self.port}"

    @property
    def rest_url(self) -> str:
        """The REST base URL to give hikari (``rest_url=``)."""
        return f"{self.base_url}/api/v10"

    @property
    def gateway_url(self) -> str:
        """The websocket URL GET /gateway/bot answers."""
        return f"ws://{self.host}:{self.port}/gateway"

    async def start(self) -> Sandbox:
        """Listen on the configured host and port (0 picks a free one)."""
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        if self.port == 0:
            self.port = self._runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        """Close every gateway connection and stop listening."""
        await self.gateway.close_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Sandbox:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()
