"""A plugin's own API routes (``Plugin.routes``): the economy's inventory under ``/api/plugins/economy``."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from tatiana_economy import plugin as economy
from tatiana_economy.ledger import Ledger
from tatiana_economy.shop import Shop
from tatiana_economy.wallets import GuildProfile, UserProfile

from tatiana import Database
from tatiana.coordination import MemoryCoordination
from tatiana.db import migrate
from tatiana.db.engine import create_engine, session_factory
from tatiana.registry import PluginRegistry
from tatiana.settings import Settings
from tatiana.testing.sandbox.server import Sandbox

from .bot_api import bot_app, write_guild_rows
from .conftest import People, bearer, login, serving


@pytest.fixture
async def economy_api(
    settings: Settings, sandbox: Sandbox, coordination: MemoryCoordination, people: People
) -> AsyncIterator[httpx.AsyncClient]:
    """The API with the economy plugin; marta owns 2 sodas and a badge in guild A, ana a badge."""
    registry = PluginRegistry.of(economy)
    await migrate.upgrade(settings.effective_database_url, registry=registry)
    await write_guild_rows(settings, people)
    engine = create_engine(settings.effective_database_url)
    try:
        db = Database(session_factory(engine))
        guild = GuildProfile(people.guild_a.id, people.guild_a.name)
        marta, ana = UserProfile(people.member.id, "marta"), UserProfile(people.owner.id, "ana")
        await Ledger(db).open(guild, [marta, ana], starting_balance=100)
        shop = Shop(db)
        await shop.add(guild, "Soda", 10, description="Fizzy")
        await shop.add(guild, "Badge", 30, role_id=people.guild_a.id + 1)
        await shop.buy(guild.id, marta.id, "Soda", 2)
        await shop.buy(guild.id, marta.id, "Badge")
        await shop.buy(guild.id, ana.id, "Badge")
    finally:
        await engine.dispose()
    async with serving(bot_app(settings, sandbox, coordination, registry=registry)) as client:
        yield client


async def test_a_member_reads_their_inventory(economy_api: httpx.AsyncClient, people: People) -> None:
    marta = await login(economy_api, people.member)
    answer = await economy_api.get(
        f"/api/plugins/economy/users/{people.member.id}/inventory",
        params={"guild_id": people.guild_a.id},
        headers=bearer(marta),
    )

    assert answer.status_code == 200, answer.text
    assert [(h["name"], h["quantity"], h["price"]) for h in answer.json()] == [
        ("Badge", 1, 30),
        ("Soda", 2, 10),
    ]
    assert answer.json()[0]["role_id"] == str(people.guild_a.id + 1)


async def test_another_members_inventory_is_for_the_guilds_managers(
    economy_api: httpx.AsyncClient, people: People
) -> None:
    marta, pablo, ana = [await login(economy_api, p) for p in (people.member, people.manager, people.owner)]

    def url(user_id: int) -> str:
        return f"/api/plugins/economy/users/{user_id}/inventory"

    a, b = {"guild_id": people.guild_a.id}, {"guild_id": people.guild_b.id}
    refused = await economy_api.get(url(people.owner.id), params=a, headers=bearer(marta))
    assert refused.status_code == 403
    assert refused.json()["error"] == "this is another member's; only the guild's managers may see it"
    as_manager = await economy_api.get(url(people.member.id), params=a, headers=bearer(pablo))
    assert [h["name"] for h in as_manager.json()] == ["Badge", "Soda"]
    assert (await economy_api.get(url(people.member.id), params=b, headers=bearer(ana))).status_code == 403
    assert (await economy_api.get(url(people.member.id), params=a)).status_code == 401
    assert (await economy_api.get(url(people.member.id), headers=bearer(marta))).status_code == 400


async def test_the_plugin_routes_are_in_the_openapi_schema(economy_api: httpx.AsyncClient) -> None:
    schema = (await economy_api.get("/schema/openapi.json")).json()
    operation = schema["paths"]["/api/plugins/economy/users/{user_id}/inventory"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"user_id", "guild_id"}
    assert operation["security"] == [{"BearerToken": []}]


async def test_the_specs_inventory_path_leads_to_the_economys_route(
    economy_api: httpx.AsyncClient, people: People
) -> None:
    marta = await login(economy_api, people.member)
    path = f"/api/users/{people.member.id}/inventory"
    moved = await economy_api.get(path, params={"guild_id": people.guild_a.id}, headers=bearer(marta))
    assert moved.status_code == 307
    assert moved.headers["location"] == (
        f"/api/plugins/economy/users/{people.member.id}/inventory?guild_id={people.guild_a.id}"
    )
    followed = await economy_api.get(
        path, params={"guild_id": people.guild_a.id}, headers=bearer(marta), follow_redirects=True
    )
    assert followed.status_code == 200
    assert [h["name"] for h in followed.json()] == ["Badge", "Soda"]
