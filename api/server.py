"""Serving the API under uvicorn: alone (``tatiana api``) or inside a running event loop (``tatiana dev``)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Generator
from dataclasses import dataclass

import uvicorn
from litestar import Litestar

STARTUP_POLL = 0.05  # seconds between two looks at whether the embedded server has started
GRACEFUL_SHUTDOWN = 5  # seconds open requests get to finish once the server is asked to stop
WS_MAX_MESSAGE = 64 * 1024  # bytes of one WebSocket message; larger ones close the socket (1009) unread
SCHEMA_PATH = "/schema/openapi.json"


class ApiServerError(RuntimeError):
    """The API could not listen or start."""


def uvicorn_config(app: Litestar, host: str, port: int) -> uvicorn.Config:
    """How the API is served: the process's own logging, no access log, no server header."""
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        lifespan="on",
        log_config=None,
        access_log=False,
        server_header=False,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN,
        ws_max_size=WS_MAX_MESSAGE,
    )


def serve_forever(app: Litestar, host: str, port: int) -> None:
    """Serve ``app`` on host:port in a new event loop until SIGINT or SIGTERM."""
    server = uvicorn.Server(uvicorn_config(app, host, port))
    with contextlib.suppress(KeyboardInterrupt):
        server.run()


@dataclass(frozen=True)
class RunningApi:
    """Where an embedded API listens."""

    host: str
    port: int

    @property
    def url(self) -> str:
        """The API's base URL."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def schema_url(self) -> str:
        """The URL of its OpenAPI schema (JSON)."""
        return self.url + SCHEMA_PATH


class _EmbeddedServer(uvicorn.Server):
    """A uvicorn server that leaves the signals to the process it runs in."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        """Install no signal handler: the host process decides when the server stops."""
        yield


@contextlib.asynccontextmanager
async def serving_api(app: Litestar, host: str, port: int) -> AsyncIterator[RunningApi]:
    """Serve ``app`` in the running event loop on host:port (0: any free port), started, until the block ends."""
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        listener = socket.create_server((host, port), family=family)
    except OSError as exc:
        raise ApiServerError(f"the API cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    server = _EmbeddedServer(uvicorn_config(app, host, port))

    async def serve() -> None:
        try:
            await server.serve(sockets=[listener])
        except SystemExit:  # uvicorn exits the process when the application's startup fails
            raise ApiServerError("the API failed to start (its error is logged above)") from None

    task = asyncio.create_task(serve(), name="api server")
    try:
        while not server.started:
            if task.done():
                await task
                raise ApiServerError("the API stopped while starting")
            await asyncio.wait([task], timeout=STARTUP_POLL)
        yield RunningApi(host, listener.getsockname()[1])
    finally:
        server.should_exit = True
        try:
            await task
        finally:
            listener.close()
