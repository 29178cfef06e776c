"""``tatiana run`` and ``tatiana shards``: their answers to bad input, and the status they print from Redis."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tatiana.cli import main
from tatiana.sharding import (
    ClusterShape,
    ProcessState,
    ProcessStatus,
    Sharding,
    ShardState,
    ShardStatus,
    create_sharding,
)
from tatiana.shards.testing import LocalCluster
from tatiana.testing.sandbox.server import Sandbox

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789AB"


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run ``tatiana ARGS`` in this process; exit code, stdout, stderr."""
    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


async def _in_thread(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """``run_cli`` in a thread: the CLI starts an event loop of its own, which cannot run inside the test's."""
    return await asyncio.to_thread(run_cli, capsys, *args)


@pytest.fixture
async def sharding(redis_url: str, redis_namespace: str) -> AsyncIterator[Sharding]:
    """The sharding of the test's namespace on the real Redis."""
    sharding = create_sharding(redis_url, redis_namespace)
    yield sharding
    await sharding.close()


@pytest.fixture
def redis_env(clean_env: Path, monkeypatch: pytest.MonkeyPatch, redis_url: str, redis_namespace: str) -> Path:
    """A clean environment pointing at the real Redis, in the test's namespace."""
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("TATIANA_REDIS_NAMESPACE", redis_namespace)
    return clean_env


@pytest.mark.usefixtures("clean_env")
def test_run_needs_a_token(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, "run")
    assert code == 2
    assert "DISCORD_TOKEN is not set" in err


@pytest.mark.usefixtures("clean_env")
def test_several_processes_need_redis(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    code, _, err = run_cli(capsys, "run", "--processes", "2")
    assert code == 2
    assert "needs REDIS_URL" in err


@pytest.mark.usefixtures("clean_env")
def test_shards_commands_need_redis(capsys: pytest.CaptureFixture[str]) -> None:
    for command in (["shards", "status"], ["shards", "restart"]):
        code, _, err = run_cli(capsys, *command)
        assert code == 2
        assert (
            err.strip()
            == "tatiana: error: REDIS_URL is not set: shard status and control are shared through Redis"
        )


@pytest.mark.redis
@pytest.mark.usefixtures("redis_env")
def test_nothing_running(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "shards", "status")
    assert code == 0
    assert "no shard process has reported" in out
    code, _, err = run_cli(capsys, "shards", "restart")
    assert code == 2
    assert "no shard process is running" in err


@pytest.mark.redis
@pytest.mark.usefixtures("redis_env")
async def test_status_shows_every_shard_stale_ones_and_unassigned_ones(
    capsys: pytest.CaptureFixture[str], sharding: Sharding
) -> None:
    now = time.time()
    await sharding.status.claim_shape(ClusterShape(3, 1), ttl=30)
    await sharding.status.put_shards(
        [
            ShardStatus(0, ShardState.READY, 0.0421, 12, "host-a:1/0.1", "host-a", 101, now),
            ShardStatus(1, ShardState.READY, None, 7, "host-b:2/0.1", "host-b", 202, now - 60),
        ]
    )
    await sharding.status.put_process(
        ProcessStatus("host-a:1/0.1", "host-a", 101, "host-a:1", 2, (0,), ProcessState.SERVING, now - 5, now),
        ttl=30,
    )
    code, out, _ = await _in_thread(capsys, "shards", "status")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "3 shards, max_concurrency 1"
    assert lines[1].split() == ["SHARD", "STATE", "LATENCY", "GUILDS", "PROCESS", "HOST", "HEARTBEAT"]
    assert lines[2].split()[:6] == ["0", "ready", "42", "ms", "12", "host-a:1/0.1"]
    assert lines[3].split()[:2] == ["1", "stale"]
    assert lines[4].split() == ["2", "unassigned", "-", "-", "-", "-", "-"]
    assert any(line.split()[:5] == ["host-a:1/0.1", "host-a", "101", "serving", "0"] for line in lines)

    code, out, _ = await _in_thread(capsys, "shards", "status", "--json")
    data = json.loads(out)
    assert [s["state"] for s in data["shards"]] == ["ready", "stale", "unassigned"]
    assert data["shards"][0]["latency_ms"] == 42.1
    assert data["processes"][0]["shards"] == [0]
    assert data["processes"][0]["state"] == "serving"


@pytest.mark.redis
@pytest.mark.usefixtures("redis_env")
async def test_restart_of_an_unknown_process_is_refused(
    capsys: pytest.CaptureFixture[str], sharding: Sharding
) -> None:
    await sharding.status.put_process(
        ProcessStatus("host-a:1/0.1", "host-a", 101, None, 2, (0,), ProcessState.SERVING, 0.0, time.time()),
        ttl=30,
    )
    code, _, err = await _in_thread(capsys, "shards", "restart", "--process", "nope")
    assert code == 2
    assert "no running shard process nope (running: host-a:1/0.1)" in err
    code, out, err = await _in_thread(capsys, "shards", "restart")
    assert code == 1
    assert "skipped: it has no launcher" in out
    assert "not restarted: host-a:1/0.1" in err


@pytest.mark.redis
@pytest.mark.postgres
async def test_a_launcher_refuses_another_shard_count_than_the_running_clusters(
    postgres_url: str, redis_url: str, redis_namespace: str, tmp_path: Path, sharding: Sharding
) -> None:
    await sharding.status.claim_shape(ClusterShape(4, 1), ttl=30)
    async with (
        Sandbox(shard_count=4) as sandbox,
        LocalCluster(
            sandbox,
            database_url=postgres_url,
            redis_url=redis_url,
            namespace=redis_namespace,
            workdir=tmp_path,
        ) as cluster,
    ):
        code, _, err = await cluster.cli("run", "--shard-count", "8")
    assert code == 2
    assert "the running cluster has 4 shards (max_concurrency 1), this launcher wants 8" in err
