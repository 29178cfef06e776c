"""``tatiana api``: the Litestar API under uvicorn, on API_HOST and API_PORT."""

from __future__ import annotations

import click

from tatiana.cli.context import CliError, Environment
from tatiana.cli.run_cmd import NAMESPACE_OPTION


@click.command()
@click.option("--host", default=None, help="Bind address [default: API_HOST].")
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="Port [default: API_PORT].")
@NAMESPACE_OPTION
def api(host: str | None, port: int | None, namespace: str) -> None:
    """Serve the dashboard API (JWT_SECRET must be set)."""
    from tatiana.api.app import create_app
    from tatiana.api.server import serve_forever

    env = Environment(log_level=None)
    settings = env.settings
    try:
        app = create_app(settings, registry=env.registry, defaults=env.deployment, namespace=namespace)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    serve_forever(app, host or settings.api_host, port or settings.api_port)
