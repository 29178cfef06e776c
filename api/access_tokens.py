"""Dashboard access tokens: short-lived JWTs signed with JWT_SECRET, algorithm pinned to HS256."""

from __future__ import annotations

import time
from dataclasses import dataclass

import jwt

ALGORITHM = "HS256"
ISSUER = "tatiana"
AUDIENCE = "tatiana-dashboard"


class InvalidAccessToken(Exception):
    """A bearer token that is malformed, tampered with, expired or meant for someone else."""


@dataclass(frozen=True, slots=True)
class AccessClaims:
    """Who a valid access token speaks for: the Discord user and the login (refresh family) it came from."""

    user_id: int
    family: str
    expires_at: int


class AccessTokens:
    """Issues and checks access tokens; issuer, audience, expiry and signature are all required."""

    def __init__(self, secret: str, lifetime: int, *, audience: str = AUDIENCE) -> None:
        self._secret = secret
        self.lifetime = lifetime
        self._audience = audience

    def issue(self, user_id: int, family: str, *, now: float | None = None) -> str:
        """A signed token for ``user_id`` in login ``family``."""
        issued = int(time.time() if now is None else now)
        claims = {
            "iss": ISSUER,
            "aud": self._audience,
            "sub": str(user_id),
            "sid": family,
            "iat": issued,
            "exp": issued + self.lifetime,
        }
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM)

    def verify(self, token: str) -> AccessClaims:
        """The claims of a valid token; InvalidAccessToken says what is wrong otherwise."""
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                audience=self._audience,
                issuer=ISSUER,
                options={"require": ["exp", "iat", "iss", "aud", "sub", "sid"]},
            )
            return AccessClaims(int(claims["sub"]), str(claims["sid"]), int(claims["exp"]))
        except jwt.ExpiredSignatureError:
            raise InvalidAccessToken("access token expired") from None
        except (jwt.InvalidTokenError, ValueError):
            raise InvalidAccessToken("invalid access token") from None
