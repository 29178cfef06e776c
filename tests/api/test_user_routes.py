"""``/api/users``: the caller's profile and preferences, and members' wallets (own, or as a guild's manager)."""

from __future__ import annotations

import time

import httpx
from sqlalchemy import select

from tatiana.api.access_tokens import AccessTokens
from tatiana.coordination import MemoryCoordination
from tatiana.database import Database
from tatiana.db.engine import create_engine, session_factory
from tatiana.db.models import User, UserEconomy
from tatiana.settings import Settings
from tatiana.testing.sandbox.server import Sandbox

from .bot_api import api, bot_app, write_guild_rows
from .conftest import JWT_SECRET, People, bearer, login, serving

__all__ = ["api"]


async def _user_row(settings: Settings, user_id: int) -> User | None:
    engine = create_engine(settings.effective_database_url)
    try:
        async with session_factory(engine)() as session:
            return await session.scalar(select(User).where(User.discord_id == user_id))
    finally:
        await engine.dispose()


async def test_me_needs_a_valid_unexpired_token(api: httpx.AsyncClient, people: People) -> None:
    tokens = await login(api, people.member)
    family = AccessTokens(JWT_SECRET, 900).verify(tokens["access_token"]).family
    expired = AccessTokens(JWT_SECRET, 900).issue(people.member.id, family, now=time.time() - 3600)
    forged = AccessTokens("another-secret-that-is-long-enough-for-hs256", 900).issue(people.member.id, family)

    assert (await api.get("/api/users/me")).status_code == 401
    answer = await api.get("/api/users/me", headers=bearer(expired))
    assert answer.status_code == 401
    assert answer.json()["error"] == "access token expired"
    assert (await api.get("/api/users/me", headers=bearer(forged))).status_code == 401
    assert (
        await api.patch("/api/users/me", json={"locale": "en"}, headers=bearer(expired))
    ).status_code == 401


async def test_me_reads_the_profile_from_discord_once_and_keeps_preferences(
    api: httpx.AsyncClient, people: People, settings: Settings
) -> None:
    marta = await login(api, people.member)
    assert await _user_row(settings, people.member.id) is None

    profile = await api.get("/api/users/me", headers=bearer(marta))
    patched = await api.patch("/api/users/me", json={"locale": "en"}, headers=bearer(marta))
    again = await api.get("/api/users/me", headers=bearer(marta))
    cleared = await api.put("/api/users/me", json={"locale": None}, headers=bearer(marta))

    assert profile.status_code == 200
    assert profile.json() == {
        "id": str(people.member.id),
        "username": "marta",
        "global_name": "Marta",
        "avatar_url": profile.json()["avatar_url"],
        "locale": None,
        "is_bot_owner": False,
    }
    assert patched.status_code == 200
    assert patched.json()["locale"] == "en"
    assert again.json()["locale"] == "en"
    assert cleared.json()["locale"] is None
    row = await _user_row(settings, people.member.id)
    assert row is not None
    assert (row.username, row.locale) == ("marta", None)


async def test_bad_preferences_are_refused(api: httpx.AsyncClient, people: People) -> None:
    marta = await login(api, people.member)
    for body in ({"locale": "fr"}, {"locale": 3}, {"theme": "dark"}):
        answer = await api.patch("/api/users/me", json=body, headers=bearer(marta))
        assert answer.status_code == 400, body
        assert answer.json()["errors"], answer.json()
    empty = await api.patch("/api/users/me", json={}, headers=bearer(marta))
    assert empty.status_code == 400
    assert empty.json()["error"] == "give locale (es, en, or null)"


async def test_the_application_owner_is_the_bot_owner_unless_bot_owner_ids_says_otherwise(
    settings: Settings, sandbox: Sandbox, coordination: MemoryCoordination, people: People
) -> None:
    developer = sandbox.world.application_owner
    async with serving(bot_app(settings, sandbox, coordination)) as client:
        dev = await login(client, developer)
        ana = await login(client, people.owner)
        assert (await client.get("/api/users/me", headers=bearer(dev))).json()["is_bot_owner"] is True
        assert (await client.get("/api/users/me", headers=bearer(ana))).json()["is_bot_owner"] is False
    configured = settings.model_copy(update={"bot_owner_ids": f"{people.owner.id}"})
    async with serving(bot_app(configured, sandbox, coordination)) as client:
        dev = await login(client, developer)
        ana = await login(client, people.owner)
        assert (await client.get("/api/users/me", headers=bearer(dev))).json()["is_bot_owner"] is False
        assert (await client.get("/api/users/me", headers=bearer(ana))).json()["is_bot_owner"] is True


async def _wallets(settings: Settings, people: People) -> None:
    """marta has a wallet in A and in B (where she is not a member any more); ana one in A."""
    await write_guild_rows(settings, people)
    engine = create_engine(settings.effective_database_url)
    try:
        async with session_factory(engine).begin() as session:
            for user in (people.member, people.owner):
                await Database.ensure_user(session, user.id, user.username)
            session.add_all(
                [
                    UserEconomy(
                        user_id=people.member.id,
                        guild_id=people.guild_a.id,
                        balance=150,
                        total_earned=200,
                        total_spent=50,
                        daily_streak=3,
                    ),
                    UserEconomy(
                        user_id=people.member.id, guild_id=people.guild_b.id, balance=7, total_earned=7
                    ),
                    UserEconomy(
                        user_id=people.owner.id, guild_id=people.guild_a.id, balance=1000, total_earned=1000
                    ),
                ]
            )
    finally:
        await engine.dispose()


async def test_a_member_reads_their_own_wallets_page_by_page(
    api: httpx.AsyncClient, people: People, settings: Settings
) -> None:
    await _wallets(settings, people)
    marta = await login(api, people.member)
    url = f"/api/users/{people.member.id}/economy"

    first = (await api.get(url, params={"limit": 1}, headers=bearer(marta))).json()
    second = (
        await api.get(url, params={"limit": 1, "cursor": first["next_cursor"]}, headers=bearer(marta))
    ).json()
    only_b = (await api.get(url, params={"guild_id": people.guild_b.id}, headers=bearer(marta))).json()

    assert first["items"] == [
        {
            "guild_id": str(people.guild_a.id),
            "guild_name": "Tatiana Dev",
            "balance": 150,
            "daily_streak": 3,
            "last_daily": None,
            "total_earned": 200,
            "total_spent": 50,
        }
    ]
    assert [w["balance"] for w in second["items"]] == [7]
    assert second["next_cursor"] is None
    assert [w["guild_id"] for w in only_b["items"]] == [str(people.guild_b.id)]


async def test_another_members_wallet_is_for_managers_of_that_guild_only(
    api: httpx.AsyncClient, people: People, settings: Settings
) -> None:
    await _wallets(settings, people)
    marta, pablo, ana = [await login(api, p) for p in (people.member, people.manager, people.owner)]

    def url(user_id: int) -> str:
        return f"/api/users/{user_id}/economy"

    assert (await api.get(url(people.owner.id), headers=bearer(marta))).status_code == 403
    no_guild = await api.get(url(people.member.id), headers=bearer(pablo))
    assert no_guild.status_code == 403
    assert "guild_id" in no_guild.json()["error"]
    as_manager = await api.get(
        url(people.member.id), params={"guild_id": people.guild_a.id}, headers=bearer(pablo)
    )
    assert [w["balance"] for w in as_manager.json()["items"]] == [150]
    # ana manages A, not B: marta's wallet in B is not hers to read.
    other = await api.get(url(people.member.id), params={"guild_id": people.guild_b.id}, headers=bearer(ana))
    assert other.status_code == 403
