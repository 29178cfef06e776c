"""The application shell: health, readiness, metrics, OpenAPI, CORS, body limit and JSON errors."""

from __future__ import annotations

import logging

import httpx
import pytest

from tatiana.api.app import MAX_BODY_BYTES, create_app
from tatiana.registry import PluginRegistry
from tatiana.settings import Settings

from .conftest import DASHBOARD, JWT_SECRET, Defaults, serving


async def test_health_and_ready(client: httpx.AsyncClient) -> None:
    assert (await client.get("/health")).json() == {"status": "ok"}
    assert (await client.get("/ready")).json() == {"status": "ready"}


async def test_ready_is_503_when_the_database_is_unreachable() -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url="postgresql://nobody@127.0.0.1:1/nothing",
        jwt_secret=JWT_SECRET,
    )
    app = create_app(settings, registry=PluginRegistry.of(), defaults=Defaults())
    async with serving(app) as client:
        answer = await client.get("/ready")
    assert answer.status_code == 503
    assert answer.json() == {"status": 503, "error": "database unreachable"}


async def test_metrics_are_prometheus_text(client: httpx.AsyncClient) -> None:
    await client.get("/health")
    answer = await client.get("/metrics")
    assert answer.status_code == 200
    assert 'app_name="tatiana_api"' in answer.text
    assert 'path="/health"' in answer.text


async def test_openapi_schema_lists_the_routes(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    assert schema["info"]["title"] == "Tatiana API"
    for path in (
        "/api/auth/login",
        "/api/auth/refresh",
        "/api/plugins",
        "/api/guilds/{guild_id}/plugins/{name}",
    ):
        assert path in schema["paths"]
    assert schema["components"]["securitySchemes"]["BearerToken"]["scheme"] == "bearer"
    assert schema["paths"]["/api/guilds/{guild_id}/plugins"]["get"]["security"] == [{"BearerToken": []}]


async def test_cors_allows_only_the_dashboard_origin(client: httpx.AsyncClient) -> None:
    preflight = {"Access-Control-Request-Method": "PUT", "Access-Control-Request-Headers": "authorization"}
    allowed = await client.options("/api/plugins", headers={"Origin": DASHBOARD, **preflight})
    assert allowed.status_code == 204
    assert allowed.headers["access-control-allow-origin"] == DASHBOARD

    other = await client.get("/health", headers={"Origin": "http://evil.test"})
    assert "access-control-allow-origin" not in other.headers


async def test_oversized_bodies_are_refused(client: httpx.AsyncClient) -> None:
    answer = await client.post("/api/auth/refresh", json={"refresh_token": "x" * (MAX_BODY_BYTES + 1)})
    assert answer.status_code == 413
    assert answer.json()["status"] == 413


async def test_client_errors_are_json_with_a_message(client: httpx.AsyncClient) -> None:
    missing = await client.get("/api/nothing-here")
    assert missing.status_code == 404
    assert missing.json()["error"]

    malformed = await client.post("/api/auth/refresh", json={"wrong": 1})
    assert malformed.status_code == 400
    body = malformed.json()
    assert body["status"] == 400
    assert "refresh_token" in body["errors"][0]["msg"]


def test_jwt_secret_is_required() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="JWT_SECRET"):
        create_app(settings, registry=PluginRegistry.of(), defaults=Defaults())


async def test_the_app_leaves_the_process_logging_alone(settings: Settings) -> None:
    """The API runs inside ``tatiana dev``: it must not replace the secret-redacting root handler."""
    root = logging.getLogger()
    before = (list(root.handlers), root.level)
    app = create_app(settings, registry=PluginRegistry.of(), defaults=Defaults())
    async with serving(app) as client:
        await client.get("/health")
    assert (list(root.handlers), root.level) == before
