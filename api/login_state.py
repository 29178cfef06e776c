"""The pending half of a login: ``state`` and the PKCE verifier, kept by the client in a signed login token."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

import jwt

from tatiana.api.access_tokens import ALGORITHM, ISSUER

AUDIENCE = "tatiana-login"
LIFETIME = 600


class InvalidLoginState(Exception):
    """The login token is missing, expired or tampered with, or its state does not match the callback's."""


@dataclass(frozen=True, slots=True)
class PendingLogin:
    """What ``/api/auth/login`` hands out and ``/api/auth/callback`` takes back."""

    state: str
    code_verifier: str
    login_token: str


class LoginStates:
    """Signs and checks pending logins, so that no server-side store is needed between the two requests."""

    def __init__(self, secret: str) -> None:
        self._secret = secret

    def begin(self, code_verifier: str) -> PendingLogin:
        """A new random ``state`` bound with ``code_verifier`` into a signed login token."""
        state = secrets.token_urlsafe(24)
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "iat": now,
            "exp": now + LIFETIME,
            "st": state,
            "cv": code_verifier,
        }
        return PendingLogin(state, code_verifier, jwt.encode(claims, self._secret, algorithm=ALGORITHM))

    def finish(self, login_token: str, state: str) -> str:
        """The code verifier of a login whose ``state`` matches; InvalidLoginState otherwise."""
        try:
            claims = jwt.decode(
                login_token,
                self._secret,
                algorithms=[ALGORITHM],
                audience=AUDIENCE,
                issuer=ISSUER,
                options={"require": ["exp", "st", "cv"]},
            )
        except jwt.InvalidTokenError:
            raise InvalidLoginState("login expired or invalid; start again") from None
        if not secrets.compare_digest(str(claims["st"]), state):
            raise InvalidLoginState("state does not match this login")
        return str(claims["cv"])
