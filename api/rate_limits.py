"""Per-client request limits: in memory on the embedded default, in Redis (shared by every API process) otherwise."""

from __future__ import annotations

from litestar.middleware.rate_limit import RateLimitConfig
from litestar.stores.base import Store
from litestar.stores.memory import MemoryStore

STORE_NAME = "rate_limit"
DEFAULT_PER_MINUTE = 120
# Orchestrators and Prometheus poll these; refusing them would turn a busy client into a dead pod.
UNLIMITED_PATHS = ["^/health$", "^/ready$", "^/metrics$"]


def rate_limit_store(redis_url: str | None, namespace: str = "tatiana:ratelimit") -> Store:
    """A Redis store for ``redis_url`` (closed with the app), or one process's memory."""
    if redis_url:
        from litestar.stores.redis import RedisStore

        return RedisStore.with_client(url=redis_url, namespace=namespace)
    return MemoryStore()


def rate_limit_config(per_minute: int) -> RateLimitConfig:
    """``per_minute`` requests per client address on every route but the probes; 429 beyond."""
    return RateLimitConfig(rate_limit=("minute", per_minute), exclude=UNLIMITED_PATHS, store=STORE_NAME)
