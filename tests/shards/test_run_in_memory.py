"""``tatiana run`` without REDIS_URL: one process runs every shard on the in-memory identify queue and leases."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tatiana.shards.testing import LocalCluster, member_of, seed_across_shards
from tatiana.testing.sandbox.server import Sandbox
from tatiana.testing.sandbox.world import World

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


async def test_one_process_serves_every_shard_within_the_identify_limit(
    postgres_url: str, cluster_for: Callable[..., LocalCluster], log_problems: Callable[[str], list[str]]
) -> None:
    world = World()
    guilds = seed_across_shards(world, 4)
    async with (
        Sandbox(world, shard_count=4, max_concurrency=2) as sandbox,
        cluster_for(sandbox, postgres_url, "unused:") as cluster,
    ):
        launcher = await cluster.launch(redis_url="")
        await sandbox.gateway.wait_ready(4, timeout=60)
        answers = {(await member_of(sandbox, g[0]).slash("where")).content for g in guilds.values()}
        assert answers == {f"pid={launcher.pid}"}  # the shards run in `tatiana run`'s own process
        identifies = sorted(sandbox.gateway.identifies, key=lambda r: r.at)
        assert [r.shard_id % 2 for r in identifies[:2]] in ([0, 1], [1, 0])  # both buckets at once
        assert identifies[2].at - identifies[0].at >= 5.0
        assert sandbox.gateway.identify_violations == []
        assert await launcher.stop() == 0
    assert "in-memory sharding runs all 4 shards" in launcher.log()
    assert log_problems(launcher.log()) == []
