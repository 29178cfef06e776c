"""The Discord side of the login: authorize URL with PKCE, code exchange, and the user's identity and guilds."""

from __future__ import annotations

import base64
import hashlib
import secrets
import urllib.parse
from dataclasses import dataclass
from typing import Any

import httpx

SCOPES = ("identify", "guilds")


class DiscordOAuthError(Exception):
    """Discord refused the exchange or a call made with the user's token."""


@dataclass(frozen=True, slots=True)
class DiscordUser:
    """Who logged in, as Discord says."""

    id: int
    username: str
    global_name: str | None
    avatar: str | None


@dataclass(frozen=True, slots=True)
class PartialGuild:
    """One of the user's guilds from ``GET /users/@me/guilds``: whether they own it and their permissions."""

    id: int
    name: str
    owner: bool
    permissions: int


def pkce_pair() -> tuple[str, str]:
    """A fresh PKCE code verifier and its S256 challenge."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).decode().rstrip("=")


class DiscordOAuth:
    """An OAuth2 client of Discord (or the sandbox) at ``api_url``; ``authorize_url`` is the browser page."""

    def __init__(self, http: httpx.AsyncClient, api_url: str, client_id: str, client_secret: str) -> None:
        self._http = http
        self._api = api_url.rstrip("/")
        self._client_id = client_id
        self._client_secret = client_secret

    def authorize_url(self, redirect_uri: str, state: str, code_challenge: str) -> str:
        """Where to send the browser to log in."""
        query = {
            "client_id": self._client_id,
            "response_type": "code",
            "redirect_uri": redirect_uri,
            "scope": " ".join(SCOPES),
            "state": state,
            "code_challenge": code_challenge,
            "code_challenge_method": "S256",
            "prompt": "none",
        }
        return f"{self._api}/oauth2/authorize?{urllib.parse.urlencode(query)}"

    async def exchange(self, code: str, redirect_uri: str, code_verifier: str) -> str:
        """The user's access token for an authorization code."""
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": code_verifier,
        }
        response = await self._http.post(
            f"{self._api}/oauth2/token", data=form, auth=(self._client_id, self._client_secret)
        )
        body = self._json(response)
        token = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(token, str):
            raise DiscordOAuthError("Discord gave no access token")
        return token

    async def user(self, token: str) -> DiscordUser:
        """The user the token belongs to."""
        body = self._json(await self._http.get(f"{self._api}/users/@me", headers=_bearer(token)))
        return DiscordUser(int(body["id"]), body["username"], body.get("global_name"), body.get("avatar"))

    async def guilds(self, token: str) -> list[PartialGuild]:
        """The user's guilds, with ownership and permissions."""
        body = self._json(await self._http.get(f"{self._api}/users/@me/guilds", headers=_bearer(token)))
        return [
            PartialGuild(int(g["id"]), g["name"], bool(g.get("owner")), int(g.get("permissions") or 0))
            for g in body
        ]

    @staticmethod
    def _json(response: httpx.Response) -> Any:
        if response.status_code >= 400:
            # The body may echo what we sent; only Discord's error code goes further.
            try:
                error = response.json().get("error") or response.json().get("message")
            except (ValueError, AttributeError):
                error = None
            raise DiscordOAuthError(f"Discord answered {response.status_code} ({error or 'no detail'})")
        return response.json()


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
