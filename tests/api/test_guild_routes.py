"""``/api/guilds``: the caller's guilds, details, configuration (reaching the bot), members and channels."""

from __future__ import annotations

from typing import Any

import httpx
import lightbulb

from tatiana import Plugin
from tatiana.bot.messages import message
from tatiana.coordination import MemoryCoordination
from tatiana.settings import Settings
from tatiana.testing.harness import sandbox_bot
from tatiana.testing.sandbox.interactions import SandboxUser
from tatiana.testing.sandbox.server import Sandbox

from .bot_api import api, bot_app, write_guild_rows
from .conftest import People, bearer, login, serving

__all__ = ["api"]


async def _all_pages(client: httpx.AsyncClient, url: str, tokens: dict[str, Any], **params: Any) -> list[Any]:
    items: list[Any] = []
    cursor = None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        answer = await client.get(url, params=query, headers=bearer(tokens))
        assert answer.status_code == 200, answer.text
        body = answer.json()
        items += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            return items


async def test_the_guild_routes_need_a_valid_token(api: httpx.AsyncClient, people: People) -> None:
    gid = people.guild_a.id
    for url in (
        "/api/guilds",
        f"/api/guilds/{gid}",
        f"/api/guilds/{gid}/config",
        f"/api/guilds/{gid}/members",
    ):
        assert (await api.get(url)).status_code == 401
        assert (await api.get(url, headers=bearer("not.a.jwt"))).status_code == 401


async def test_guilds_lists_the_shared_guilds_page_by_page(api: httpx.AsyncClient, people: People) -> None:
    ana = await login(api, people.owner)
    everything = (await api.get("/api/guilds", headers=bearer(ana))).json()
    first = (await api.get("/api/guilds", params={"limit": 1}, headers=bearer(ana))).json()
    second = (
        await api.get("/api/guilds", params={"limit": 1, "cursor": first["next_cursor"]}, headers=bearer(ana))
    ).json()
    managed = (await api.get("/api/guilds", params={"manageable": "true"}, headers=bearer(ana))).json()
    named = (await api.get("/api/guilds", params={"q": "OTRO"}, headers=bearer(ana))).json()

    a, b = people.guild_a, people.guild_b
    assert everything == {
        "items": [
            {"id": str(g.id), "name": g.name, "can_manage": g is a}
            for g in sorted((a, b), key=lambda g: g.id)
        ],
        "next_cursor": None,
    }
    assert first["next_cursor"] is not None
    assert first["items"] + second["items"] == everything["items"]
    assert second["next_cursor"] is None
    assert [g["id"] for g in managed["items"]] == [str(a.id)]
    assert [g["id"] for g in named["items"]] == [str(b.id)]


async def test_bad_pagination_is_a_400_that_says_why(api: httpx.AsyncClient, people: People) -> None:
    ana = await login(api, people.owner)
    for params, key in (
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"cursor": "%%%"}, "cursor"),
        ({"cursor": "eyJhIjoxfQ"}, "cursor"),  # valid base64 JSON, but not a position of this list
    ):
        answer = await api.get("/api/guilds", params=params, headers=bearer(ana))
        assert answer.status_code == 400, params
        body = answer.json()
        assert body["status"] == 400
        assert any(key in error["loc"] for error in body["errors"]), body


async def test_detail_for_members_of_the_guild_only(
    api: httpx.AsyncClient, people: People, sandbox: Sandbox
) -> None:
    marta = await login(api, people.member)
    detail = await api.get(f"/api/guilds/{people.guild_a.id}", headers=bearer(marta))
    elsewhere = await api.get(f"/api/guilds/{people.guild_b.id}", headers=bearer(marta))
    unknown_to_bot = sandbox.world.add_guild("Sin bot", owner=people.member)
    del unknown_to_bot.members[sandbox.world.bot.id]
    api_cache_cleared = await login(api, people.member)  # a new login reads the user's guilds afresh
    missing = await api.get(f"/api/guilds/{unknown_to_bot.id}", headers=bearer(api_cache_cleared))

    assert detail.status_code == 200
    assert detail.json() == {
        "id": str(people.guild_a.id),
        "name": "Tatiana Dev",
        "owner_id": str(people.owner.id),
        "language": "es",
        "prefix": "!",
        "can_manage": False,
        "member_count": len(people.guild_a.members),
    }
    assert elsewhere.status_code == 403
    assert missing.status_code == 404
    assert missing.json()["error"] == "the bot is not in this guild"


async def test_config_is_for_managers_of_that_guild(api: httpx.AsyncClient, people: People) -> None:
    pablo, marta, ana = [await login(api, p) for p in (people.manager, people.member, people.owner)]
    a, b = people.guild_a.id, people.guild_b.id

    assert (await api.get(f"/api/guilds/{a}/config", headers=bearer(pablo))).json() == {
        "language": "es",
        "prefix": "!",
    }
    assert (await api.get(f"/api/guilds/{a}/config", headers=bearer(marta))).status_code == 403
    # ana owns A and is an ordinary member of B: managing A gives no right on B.
    refused = await api.put(f"/api/guilds/{b}/config", json={"language": "en"}, headers=bearer(ana))
    assert refused.status_code == 403
    assert refused.json()["error"] == "you do not manage this guild"

    changed = await api.put(
        f"/api/guilds/{a}/config", json={"language": "en", "prefix": "?"}, headers=bearer(pablo)
    )
    assert changed.status_code == 200
    assert changed.json() == {"language": "en", "prefix": "?"}
    assert (await api.get(f"/api/guilds/{a}", headers=bearer(marta))).json()["language"] == "en"


async def test_invalid_config_is_refused_with_the_field(api: httpx.AsyncClient, people: People) -> None:
    ana = await login(api, people.owner)
    url = f"/api/guilds/{people.guild_a.id}/config"
    for body, field in (
        ({"language": "fr"}, "language"),
        ({"prefix": "much-too-long"}, "prefix"),
        ({"prefix": "a b"}, "prefix"),
        ({"colour": "red"}, "colour"),
    ):
        answer = await api.put(url, json=body, headers=bearer(ana))
        assert answer.status_code == 400, body
        assert field in str(answer.json()["errors"]), answer.json()
    empty = await api.put(url, json={}, headers=bearer(ana))
    assert empty.status_code == 400
    assert empty.json()["error"] == "give language, prefix, or both"
    assert (await api.get(url, headers=bearer(ana))).json() == {"language": "es", "prefix": "!"}


async def test_a_language_change_reaches_the_running_bot(
    sandbox: Sandbox, people: People, settings: Settings, coordination: MemoryCoordination
) -> None:
    loader = lightbulb.Loader()

    @loader.command
    class Ping(lightbulb.SlashCommand, name="ping", description="Ping"):
        @lightbulb.invoke
        async def invoke(self, ctx: lightbulb.Context) -> None:
            await ctx.respond("pong")

    plugin = Plugin(name="ping", version="1.0", description="Ping", requires="1.*", loaders=[loader])
    assert settings.database_url is not None
    marta = SandboxUser(sandbox, people.guild_a, people.guild_a.members[people.member.id])
    async with (
        sandbox_bot(sandbox, settings.database_url, plugins=[plugin], coordination=coordination) as bot,
        serving(bot_app(settings, sandbox, coordination)) as client,
    ):
        await write_guild_rows(settings, people)
        await bot.service.disable(people.guild_a.id, "ping")
        assert (await marta.slash("ping")).content == message("es", "plugin_disabled", plugin="ping")
        ana = await login(client, people.owner)
        answer = await client.put(
            f"/api/guilds/{people.guild_a.id}/config", json={"language": "en"}, headers=bearer(ana)
        )
        assert answer.status_code == 200
        assert (await marta.slash("ping")).content == message("en", "plugin_disabled", plugin="ping")


async def test_members_page_by_page_from_discord(api: httpx.AsyncClient, people: People) -> None:
    pablo, marta = await login(api, people.manager), await login(api, people.member)
    url = f"/api/guilds/{people.guild_a.id}/members"

    members = await _all_pages(api, url, pablo, limit=2)
    found = await _all_pages(api, url, pablo, q="mar")

    assert [m["id"] for m in members] == [str(i) for i in sorted(people.guild_a.members)]
    marta_out = next(m for m in members if m["id"] == str(people.member.id))
    assert (marta_out["username"], marta_out["is_bot"], marta_out["timed_out_until"]) == (
        "marta",
        False,
        None,
    )
    pablo_out = next(m for m in members if m["id"] == str(people.manager.id))
    assert len(pablo_out["role_ids"]) == 1
    assert [m["username"] for m in found] == ["marta"]
    assert (await api.get(url, headers=bearer(marta))).status_code == 403


async def test_channels_by_kind(api: httpx.AsyncClient, people: People) -> None:
    ana = await login(api, people.owner)
    url = f"/api/guilds/{people.guild_a.id}/channels"

    channels = await _all_pages(api, url, ana, limit=1)
    text = await _all_pages(api, url, ana, type="text")
    bad = await api.get(url, params={"type": "telepathy"}, headers=bearer(ana))

    names = {c["name"] for c in channels}
    assert {"general", "bot-commands", "mod-log"} <= names
    assert [c["id"] for c in channels] == sorted((c["id"] for c in channels), key=int)
    assert {c["type"] for c in text} == {"text"}
    assert bad.status_code == 400


async def test_members_without_a_bot_token_is_503(
    settings: Settings, people: People, coordination: MemoryCoordination, sandbox: Sandbox
) -> None:
    from tatiana.api.app import create_app
    from tatiana.registry import PluginRegistry

    from .conftest import Defaults

    await write_guild_rows(settings, people)
    app = create_app(settings, registry=PluginRegistry.of(), defaults=Defaults(), coordination=coordination)
    async with serving(app) as client:
        ana = await login(client, people.owner)
        answer = await client.get(f"/api/guilds/{people.guild_a.id}/members", headers=bearer(ana))
    assert answer.status_code == 503
    assert "bot token" in answer.json()["error"]
