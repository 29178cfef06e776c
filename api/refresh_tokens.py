"""Refresh tokens: opaque, stored as SHA-256, rotated at every use; a reused one revokes its whole family."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select, update

from tatiana.api.token_sealing import TokenSealer
from tatiana.db.models import ApiRefreshToken

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

DEFAULT_LIFETIME = timedelta(days=30)


class RefreshRefused(Exception):
    """The refresh token is unknown, expired, revoked, or was already used (its family is now revoked)."""


@dataclass(frozen=True, slots=True)
class Login:
    """One login's current refresh token (the secret, never stored) and what it belongs to."""

    refresh_token: str
    family: str
    user_id: int


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes for timezone-aware columns.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class RefreshTokenStore:
    """The api_refresh_tokens table; each login's Discord OAuth2 token is kept sealed by ``sealer``."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        sealer: TokenSealer,
        lifetime: timedelta = DEFAULT_LIFETIME,
    ) -> None:
        self._sessions = sessions
        self._sealer = sealer
        self.lifetime = lifetime

    async def start(self, user_id: int, discord_token: str | None) -> Login:
        """A new login (family) for ``user_id`` with its first refresh token."""
        sealed = self._sealer.seal(discord_token) if discord_token is not None else None
        async with self._sessions.begin() as session:
            return self._add(session, secrets.token_hex(16), user_id, sealed)

    async def rotate(self, refresh_token: str) -> Login:
        """Spend ``refresh_token`` and return its successor; reusing a spent one revokes the family."""
        now = datetime.now(UTC)
        async with self._sessions.begin() as session:
            row = await session.scalar(
                select(ApiRefreshToken).where(ApiRefreshToken.token_hash == _hash(refresh_token))
            )
            if row is None:
                raise RefreshRefused("unknown refresh token")
            if row.revoked_at is not None:
                raise RefreshRefused("refresh token revoked")
            if _aware(row.expires_at) <= now:
                raise RefreshRefused("refresh token expired")
            spent = await session.execute(
                update(ApiRefreshToken)
                .where(ApiRefreshToken.id == row.id, ApiRefreshToken.used_at.is_(None))
                .values(used_at=now)
            )
            if spent.rowcount == 1:  # type: ignore[attr-defined]
                return self._add(session, row.family, row.user_id, row.discord_token)
        await self.revoke_family(row.family)
        raise RefreshRefused("refresh token reused; every session of this login is revoked")

    async def family_of(self, refresh_token: str) -> str | None:
        """The login ``refresh_token`` belongs to, spent or not; None if unknown."""
        async with self._sessions() as session:
            return await session.scalar(
                select(ApiRefreshToken.family).where(ApiRefreshToken.token_hash == _hash(refresh_token))
            )

    async def revoke_family(self, family: str) -> None:
        """Revoke every refresh token of one login."""
        async with self._sessions.begin() as session:
            await session.execute(
                update(ApiRefreshToken)
                .where(ApiRefreshToken.family == family, ApiRefreshToken.revoked_at.is_(None))
                .values(revoked_at=datetime.now(UTC))
            )

    async def discord_token(self, family: str) -> str | None:
        """The Discord OAuth2 token of a live login; None once the login is revoked."""
        async with self._sessions() as session:
            row = await session.scalar(
                select(ApiRefreshToken)
                .where(ApiRefreshToken.family == family)
                .order_by(ApiRefreshToken.id.desc())
                .limit(1)
            )
        if row is None or row.revoked_at is not None or row.discord_token is None:
            return None
        return self._sealer.open(row.discord_token)

    def _add(self, session: AsyncSession, family: str, user_id: int, sealed_token: str | None) -> Login:
        token = secrets.token_urlsafe(32)
        session.add(
            ApiRefreshToken(
                token_hash=_hash(token),
                family=family,
                user_id=user_id,
                discord_token=sealed_token,
                expires_at=datetime.now(UTC) + self.lifetime,
            )
        )
        return Login(token, family, user_id)
