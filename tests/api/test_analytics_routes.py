"""``/api/analytics``: command usage the running bot recorded, per guild for its managers, bot-wide for owners."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import lightbulb

from tatiana import Plugin
from tatiana.coordination import MemoryCoordination
from tatiana.db.engine import create_engine, session_factory
from tatiana.db.models import CommandUsage
from tatiana.settings import Settings
from tatiana.testing.harness import sandbox_bot
from tatiana.testing.sandbox.interactions import SandboxUser
from tatiana.testing.sandbox.server import Sandbox

from .bot_api import bot_app, db_api, db_settings, write_guild_rows
from .conftest import People, bearer, login, serving

__all__ = ["db_api", "db_settings"]


def _plugin() -> Plugin:
    loader = lightbulb.Loader()

    @loader.command
    class Ping(lightbulb.SlashCommand, name="ping", description="Ping"):
        @lightbulb.invoke
        async def invoke(self, ctx: lightbulb.Context) -> None:
            await ctx.respond("pong")

    @loader.command
    class Boom(lightbulb.SlashCommand, name="boom", description="Fails"):
        @lightbulb.invoke
        async def invoke(self, ctx: lightbulb.Context) -> None:
            raise ValueError("boom")

    return Plugin(name="tools", version="1.0", description="Tools", requires="1.*", loaders=[loader])


async def test_what_the_bot_ran_is_what_analytics_shows(
    sandbox: Sandbox,
    people: People,
    db_settings: Settings,
    coordination: MemoryCoordination,
    tatiana_errors: Any,
) -> None:
    tatiana_errors.expect("command /boom raised")
    assert db_settings.database_url is not None
    a = people.guild_a
    marta = SandboxUser(sandbox, a, a.members[people.member.id])
    pablo = SandboxUser(sandbox, a, a.members[people.manager.id])
    ana_in_b = SandboxUser(sandbox, people.guild_b, people.guild_b.members[people.owner.id])
    async with sandbox_bot(
        sandbox, db_settings.database_url, plugins=[_plugin()], coordination=coordination
    ) as bot:
        for user, command in (
            (marta, "ping"),
            (marta, "ping"),
            (marta, "boom"),
            (pablo, "ping"),
            (ana_in_b, "ping"),
        ):
            await user.slash(command)
        assert await bot.command_usage.buffer.flush() == 5
    await write_guild_rows(db_settings, people)
    async with serving(bot_app(db_settings, sandbox, coordination)) as client:
        ana = await login(client, people.owner)
        gid = {"guild_id": a.id}
        overview = (await client.get("/api/analytics/overview", params=gid, headers=bearer(ana))).json()
        commands = (await client.get("/api/analytics/commands", params=gid, headers=bearer(ana))).json()
        users = (await client.get("/api/analytics/users", params=gid, headers=bearer(ana))).json()
        paged = (
            await client.get("/api/analytics/commands", params={**gid, "limit": 1}, headers=bearer(ana))
        ).json()
        rest = (
            await client.get(
                "/api/analytics/commands",
                params={**gid, "limit": 1, "cursor": paged["next_cursor"]},
                headers=bearer(ana),
            )
        ).json()

    today = datetime.now(UTC).date().isoformat()
    assert (overview["commands"], overview["failures"], overview["users"], overview["guilds"]) == (4, 1, 2, 1)
    assert overview["avg_latency_ms"] > 0
    assert overview["per_day"] == [{"day": today, "commands": 4, "failures": 1}]
    assert overview["per_plugin"] == [{"plugin": "tools", "commands": 4}]
    assert [(c["command"], c["plugin"], c["uses"], c["failures"], c["users"]) for c in commands["items"]] == [
        ("ping", "tools", 3, 0, 2),
        ("boom", "tools", 1, 1, 1),
    ]
    assert [(u["user_id"], u["commands"], u["failures"]) for u in users["items"]] == [
        (str(people.member.id), 3, 1),
        (str(people.manager.id), 1, 0),
    ]
    assert [c["command"] for c in paged["items"] + rest["items"]] == ["ping", "boom"]
    assert rest["next_cursor"] is None


async def _usage(settings: Settings, people: People, *moments: datetime) -> None:
    engine = create_engine(settings.effective_database_url)
    try:
        async with session_factory(engine).begin() as session:
            for moment in moments:
                session.add(
                    CommandUsage(
                        guild_id=people.guild_a.id,
                        channel_id=1,
                        user_id=people.member.id,
                        plugin="tools",
                        command="ping",
                        succeeded=True,
                        latency_ms=2.0,
                        used_at=moment,
                    )
                )
    finally:
        await engine.dispose()


async def test_the_window_filters_and_defaults_to_a_week(
    db_api: httpx.AsyncClient, db_settings: Settings, people: People
) -> None:
    now = datetime.now(UTC)
    await _usage(
        db_settings, people, now - timedelta(days=30), now - timedelta(days=2), now - timedelta(hours=1)
    )
    ana = await login(db_api, people.owner)
    gid = people.guild_a.id

    async def count(**params: Any) -> int:
        answer = await db_api.get(
            "/api/analytics/overview", params={"guild_id": gid, **params}, headers=bearer(ana)
        )
        assert answer.status_code == 200, answer.text
        return int(answer.json()["commands"])

    assert await count() == 2
    assert await count(since=(now - timedelta(days=60)).isoformat()) == 3
    assert (
        await count(since=(now - timedelta(days=3)).isoformat(), until=(now - timedelta(days=1)).isoformat())
        == 1
    )


async def test_who_may_see_which_numbers(db_api: httpx.AsyncClient, people: People, sandbox: Sandbox) -> None:
    ana, marta = await login(db_api, people.owner), await login(db_api, people.member)
    developer = await login(db_api, sandbox.world.application_owner)

    assert (await db_api.get("/api/analytics/overview")).status_code == 401
    everything = await db_api.get("/api/analytics/overview", headers=bearer(ana))
    assert everything.status_code == 403
    assert "give guild_id" in everything.json()["error"]
    assert (await db_api.get("/api/analytics/overview", headers=bearer(developer))).status_code == 200
    for url in ("/api/analytics/overview", "/api/analytics/commands", "/api/analytics/users"):
        assert (
            await db_api.get(url, params={"guild_id": people.guild_a.id}, headers=bearer(marta))
        ).status_code == 403
        assert (
            await db_api.get(url, params={"guild_id": people.guild_b.id}, headers=bearer(ana))
        ).status_code == 403
    backwards = await db_api.get(
        "/api/analytics/overview",
        params={
            "guild_id": people.guild_a.id,
            "since": "2026-01-02T00:00:00Z",
            "until": "2026-01-01T00:00:00Z",
        },
        headers=bearer(ana),
    )
    assert backwards.status_code == 400
    assert backwards.json()["error"] == "since must be before until"
    garbage = await db_api.get(
        "/api/analytics/overview",
        params={"guild_id": people.guild_a.id, "since": "yesterday"},
        headers=bearer(ana),
    )
    assert garbage.status_code == 400
