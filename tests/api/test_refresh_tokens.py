"""The refresh-token store on SQLite and the real PostgreSQL: hashed at rest, rotation, reuse, revocation."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from tatiana.api.refresh_tokens import RefreshRefused, RefreshTokenStore
from tatiana.api.token_sealing import TokenSealer
from tatiana.db import migrate
from tatiana.db.engine import create_engine, session_factory
from tatiana.db.models import ApiRefreshToken
from tatiana.registry import PluginRegistry

USER = 42
SECRET = "a-jwt-secret-of-this-deployment"


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[RefreshTokenStore]:
    await migrate.upgrade(database_url, registry=PluginRegistry.of())
    engine = create_engine(database_url)
    try:
        yield RefreshTokenStore(session_factory(engine), TokenSealer(SECRET))
    finally:
        await engine.dispose()


async def test_only_the_hash_is_stored(store: RefreshTokenStore) -> None:
    login = await store.start(USER, "discord-token")

    async with store._sessions() as session:
        rows = (await session.scalars(select(ApiRefreshToken))).all()
    assert [row.token_hash for row in rows] == [hashlib.sha256(login.refresh_token.encode()).hexdigest()]
    assert login.refresh_token not in {row.token_hash for row in rows}
    assert await store.discord_token(login.family) == "discord-token"


async def test_the_discord_token_is_stored_encrypted_and_readable_only_with_the_secret(
    store: RefreshTokenStore,
) -> None:
    login = await store.start(USER, "discord-oauth-token-value")
    async with store._sessions() as session:
        [stored] = (await session.scalars(select(ApiRefreshToken.discord_token))).all()
    assert stored is not None and "discord-oauth-token-value" not in stored
    assert await store.discord_token(login.family) == "discord-oauth-token-value"
    rotated = await store.rotate(login.refresh_token)
    assert await store.discord_token(rotated.family) == "discord-oauth-token-value", "kept across rotations"

    other_secret = RefreshTokenStore(store._sessions, TokenSealer("another secret"))
    assert await other_secret.discord_token(login.family) is None, (
        "a changed JWT_SECRET means logging in again"
    )


async def test_rotation_keeps_the_family_and_spends_the_old_token(store: RefreshTokenStore) -> None:
    first = await store.start(USER, None)
    second = await store.rotate(first.refresh_token)
    third = await store.rotate(second.refresh_token)

    assert first.family == second.family == third.family
    assert len({first.refresh_token, second.refresh_token, third.refresh_token}) == 3
    assert third.user_id == USER


async def test_reuse_revokes_the_family_and_only_it(store: RefreshTokenStore) -> None:
    first = await store.start(USER, "a")
    other = await store.start(USER, "b")
    second = await store.rotate(first.refresh_token)

    with pytest.raises(RefreshRefused, match="reused"):
        await store.rotate(first.refresh_token)
    with pytest.raises(RefreshRefused, match="revoked"):
        await store.rotate(second.refresh_token)
    assert await store.discord_token(first.family) is None
    assert (await store.rotate(other.refresh_token)).family == other.family


async def test_concurrent_use_of_one_token_lets_one_through_and_revokes(store: RefreshTokenStore) -> None:
    first = await store.start(USER, None)

    results = await asyncio.gather(
        *(store.rotate(first.refresh_token) for _ in range(2)), return_exceptions=True
    )

    assert sum(isinstance(r, RefreshRefused) for r in results) >= 1
    winners = [r for r in results if not isinstance(r, BaseException)]
    for winner in winners:
        with pytest.raises(RefreshRefused):
            await store.rotate(winner.refresh_token)


async def test_expired_tokens_are_refused(database_url: str, store: RefreshTokenStore) -> None:
    short = RefreshTokenStore(store._sessions, TokenSealer(SECRET), lifetime=timedelta(seconds=-1))
    login = await short.start(USER, None)

    with pytest.raises(RefreshRefused, match="expired"):
        await store.rotate(login.refresh_token)
