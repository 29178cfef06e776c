"""Liveness and readiness for orchestrators."""

from __future__ import annotations

from litestar import get
from litestar.di import NamedDependency
from litestar.exceptions import ServiceUnavailableException
from sqlalchemy import text

from tatiana.api.services import ApiServices


@get("/health", tags=["health"], sync_to_thread=False)
def health() -> dict[str, str]:
    """The process answers."""
    return {"status": "ok"}


@get("/ready", tags=["health"], raises=[ServiceUnavailableException])
async def ready(services: NamedDependency[ApiServices]) -> dict[str, str]:
    """The database answers; 503 otherwise."""
    try:
        async with services.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception:
        raise ServiceUnavailableException("database unreachable") from None
    return {"status": "ready"}
