"""``tatiana api`` as an operator runs it: the installed entry point serving under uvicorn on a real port."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tatiana.sharding.factory import create_sharding
from tatiana.sharding.records import ClusterShape, ShardState, ShardStatus

TATIANA = shutil.which("tatiana", path=str(Path(sys.executable).parent)) or "tatiana"


def _environment(**extra: str) -> dict[str, str]:
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DISCORD_", "TATIANA_", "DATABASE_", "REDIS_", "JWT_", "API_"))
    }
    return {**base, **extra}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_api_needs_a_jwt_secret(tmp_path: Path) -> None:
    result = subprocess.run(
        [TATIANA, "api"],
        cwd=tmp_path,
        env=_environment(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip() == "tatiana: error: JWT_SECRET is required to run the API"


@pytest.mark.slow
def test_api_serves_health_and_schema(tmp_path: Path) -> None:
    port = _free_port()
    env = _environment(JWT_SECRET="a-secret-for-this-test-long-enough-for-hs256", LOG_LEVEL="WARNING")
    server = subprocess.Popen(
        [TATIANA, "api", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                ready = httpx.get(f"http://127.0.0.1:{port}/ready", timeout=1)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stdout.read() if server.stdout else ""
                assert time.monotonic() < deadline, "tatiana api did not start listening within 30s"
                time.sleep(0.1)
        assert ready.json() == {"status": "ready"}
        schema = httpx.get(f"http://127.0.0.1:{port}/schema/openapi.json", timeout=5).json()
        assert "/api/plugins" in schema["paths"]
    finally:
        server.terminate()
        server.wait(timeout=10)
        if server.stdout:
            server.stdout.close()


@pytest.mark.slow
async def test_api_reads_the_bots_redis_namespace(
    tmp_path: Path, redis_url: str, redis_namespace: str
) -> None:
    port = _free_port()
    env = _environment(
        JWT_SECRET="a-secret-for-this-test-long-enough-for-hs256",
        LOG_LEVEL="WARNING",
        REDIS_URL=redis_url,
        TATIANA_REDIS_NAMESPACE=redis_namespace,
    )
    server = await asyncio.create_subprocess_exec(TATIANA, "api", "--port", str(port), cwd=tmp_path, env=env)
    sharding = create_sharding(redis_url, redis_namespace)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            async with asyncio.timeout(30):
                while True:
                    try:
                        await http.get("/health")
                        break
                    except httpx.TransportError:
                        assert server.returncode is None, "tatiana api exited"
                        await asyncio.sleep(0.1)
            # Written once the API answers: a slow start must not age the heartbeat past STALE_AFTER.
            await sharding.status.claim_shape(ClusterShape(shard_count=1, max_concurrency=1), ttl=60)
            await sharding.status.put_shards(
                [ShardStatus(0, ShardState.READY, 0.01, 3, "p", "h", 1, time.time())]
            )
            status = await http.get("/api/bot/status")
        assert status.status_code == 200, status.text
        assert (status.json()["shard_count"], status.json()["shards_ready"]) == (1, 1), "the bot's namespace"
    finally:
        await sharding.close()
        server.terminate()
        await asyncio.wait_for(server.wait(), 10)
