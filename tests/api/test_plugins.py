"""Installed plugins and per-guild switches and settings, for guild managers only."""

from __future__ import annotations

import httpx
import pytest
from litestar import Litestar

from tatiana.api.guild_access import GuildAccess
from tatiana.coordination import MemoryCoordination
from tatiana.guild_plugins import GuildPluginService

from .conftest import People, bearer, login


async def test_installed_plugins_with_versions_status_and_schema(client: httpx.AsyncClient) -> None:
    answer = await client.get("/api/plugins")

    assert answer.status_code == 200
    plugins = {p["name"]: p for p in answer.json()}
    assert set(plugins) == {"greet", "plain"}
    greet = plugins["greet"]
    assert greet["version"] == "1.2.0"
    assert greet["description"] == "Greets"
    assert greet["status"] == "available"
    assert greet["error"] is None
    assert greet["settings_schema"]["properties"]["limit"]["maximum"] == 10


async def test_a_manager_reads_the_guild_plugins(client: httpx.AsyncClient, people: People) -> None:
    tokens = await login(client, people.owner)
    answer = await client.get(f"/api/guilds/{people.guild_a.id}/plugins", headers=bearer(tokens))

    assert answer.status_code == 200
    assert answer.json() == [
        {"name": "greet", "enabled": False, "settings": {"greeting": "hola", "limit": 5}},
        {"name": "plain", "enabled": False, "settings": {}},
    ]


async def test_enabling_a_plugin_goes_through_the_service_and_is_published(
    client: httpx.AsyncClient, people: People, coordination: MemoryCoordination
) -> None:
    tokens = await login(client, people.owner)
    guild = people.guild_a.id

    async with await coordination.subscribe(GuildPluginService.CHANNEL) as changes:
        answer = await client.put(
            f"/api/guilds/{guild}/plugins/greet", json={"enabled": True}, headers=bearer(tokens)
        )
        message = await changes.get(timeout=1.0)

    assert answer.status_code == 200
    assert answer.json() == {"name": "greet", "enabled": True, "settings": {"greeting": "hola", "limit": 5}}
    assert message is not None
    assert message.data["guild_id"] == guild
    assert message.data["plugin"] == "greet"
    assert message.data["enabled"] is True
    assert message.data["by"] == people.owner.id
    listed = (await client.get(f"/api/guilds/{guild}/plugins", headers=bearer(tokens))).json()
    assert listed[0]["enabled"] is True


async def test_settings_and_switch_in_one_change(client: httpx.AsyncClient, people: People) -> None:
    tokens = await login(client, people.manager)
    url = f"/api/guilds/{people.guild_a.id}/plugins/greet"

    answer = await client.put(url, json={"enabled": True, "settings": {"limit": 8}}, headers=bearer(tokens))
    assert answer.json() == {"name": "greet", "enabled": True, "settings": {"greeting": "hola", "limit": 8}}

    off = await client.put(url, json={"enabled": False}, headers=bearer(tokens))
    assert off.json() == {"name": "greet", "enabled": False, "settings": {"greeting": "hola", "limit": 8}}


async def test_invalid_settings_are_422_with_field_errors_and_save_nothing(
    client: httpx.AsyncClient, people: People
) -> None:
    tokens = await login(client, people.owner)
    url = f"/api/guilds/{people.guild_a.id}/plugins/greet"

    answer = await client.put(url, json={"enabled": True, "settings": {"limit": 99}}, headers=bearer(tokens))

    assert answer.status_code == 422
    body = answer.json()
    assert body["status"] == 422
    assert body["errors"] == [
        {"loc": ["settings", "limit"], "msg": "Input should be less than or equal to 10"}
    ]
    listed = (await client.get(f"/api/guilds/{people.guild_a.id}/plugins", headers=bearer(tokens))).json()
    assert listed[0] == {"name": "greet", "enabled": False, "settings": {"greeting": "hola", "limit": 5}}

    unknown = await client.put(url, json={"settings": {"colour": "red"}}, headers=bearer(tokens))
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["loc"] == ["settings", "colour"]


@pytest.mark.parametrize(
    ("body", "status"),
    [({}, 400), ({"enabled": "yes"}, 400), ({"settings": [1]}, 400)],
)
async def test_malformed_changes_are_400(
    client: httpx.AsyncClient, people: People, body: dict[str, object], status: int
) -> None:
    tokens = await login(client, people.owner)
    answer = await client.put(
        f"/api/guilds/{people.guild_a.id}/plugins/greet", json=body, headers=bearer(tokens)
    )
    assert answer.status_code == status
    assert answer.json()["error"]


async def test_an_unknown_plugin_is_404(client: httpx.AsyncClient, people: People) -> None:
    tokens = await login(client, people.owner)
    answer = await client.put(
        f"/api/guilds/{people.guild_a.id}/plugins/nope", json={"enabled": True}, headers=bearer(tokens)
    )
    assert answer.status_code == 404
    assert "no plugin named 'nope'" in answer.json()["error"]


async def test_a_manager_of_one_guild_is_refused_on_another(
    client: httpx.AsyncClient, people: People
) -> None:
    tokens = await login(client, people.owner)  # owns A, plain member of B
    for request in (
        client.get(f"/api/guilds/{people.guild_b.id}/plugins", headers=bearer(tokens)),
        client.put(
            f"/api/guilds/{people.guild_b.id}/plugins/greet", json={"enabled": True}, headers=bearer(tokens)
        ),
        client.get("/api/guilds/123456789/plugins", headers=bearer(tokens)),
    ):
        answer = await request
        assert answer.status_code == 403
        assert answer.json() == {"status": 403, "error": "you do not manage this guild"}


async def test_an_ordinary_member_is_refused(client: httpx.AsyncClient, people: People) -> None:
    tokens = await login(client, people.member)
    answer = await client.put(
        f"/api/guilds/{people.guild_a.id}/plugins/greet", json={"enabled": True}, headers=bearer(tokens)
    )
    assert answer.status_code == 403


async def test_guild_routes_need_a_token(client: httpx.AsyncClient, people: People) -> None:
    answer = await client.put(f"/api/guilds/{people.guild_a.id}/plugins/greet", json={"enabled": True})
    assert answer.status_code == 401


async def test_manager_rights_are_cached_then_re_read_from_discord(
    client: httpx.AsyncClient, app: Litestar, people: People
) -> None:
    services = app.state.services
    tokens = await login(client, people.manager)
    url = f"/api/guilds/{people.guild_a.id}/plugins"
    assert (await client.get(url, headers=bearer(tokens))).status_code == 200

    people.guild_a.members[people.manager.id].roles.clear()
    assert (await client.get(url, headers=bearer(tokens))).status_code == 200  # still within the cache's TTL

    services.guild_access = GuildAccess(services.discord, services.refresh_tokens.discord_token, ttl=0)
    assert (await client.get(url, headers=bearer(tokens))).status_code == 403
