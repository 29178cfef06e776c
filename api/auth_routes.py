"""Dashboard login with Discord: ``login`` hands out the authorize URL, ``callback`` swaps the code for tokens."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from litestar import Controller, post
from litestar.di import NamedDependency
from litestar.exceptions import (
    ClientException,
    NotAuthorizedException,
    ServiceUnavailableException,
)
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_204_NO_CONTENT

from tatiana.api.dependencies import BEARER_HEADERS
from tatiana.api.discord_oauth import DiscordOAuth, DiscordOAuthError, pkce_pair
from tatiana.api.login_state import InvalidLoginState
from tatiana.api.refresh_tokens import Login, RefreshRefused
from tatiana.api.services import ApiServices

log = logging.getLogger(__name__)


@dataclass
class LoginStart:
    """Where to send the browser, and what to bring back to the callback."""

    authorization_url: str
    state: str
    login_token: str


@dataclass
class Callback:
    """Discord's redirect parameters, with the login token from ``/api/auth/login``."""

    code: str
    state: str
    login_token: str


@dataclass
class RefreshRequest:
    """A refresh token to spend (refresh) or to revoke with its login (logout)."""

    refresh_token: str


@dataclass
class UserOut:
    """The logged-in Discord user."""

    id: str
    username: str
    global_name: str | None
    avatar: str | None


@dataclass
class TokenPair:
    """A new access token (JWT, ``expires_in`` seconds) and the refresh token that renews it once."""

    access_token: str
    refresh_token: str
    expires_in: int
    token_type: str = "Bearer"
    user: UserOut | None = None


def _discord(services: ApiServices) -> DiscordOAuth:
    if services.discord is None:
        raise ServiceUnavailableException("dashboard login is not configured (DISCORD_CLIENT_ID/SECRET)")
    return services.discord


def _pair(services: ApiServices, login: Login, user: UserOut | None = None) -> TokenPair:
    access = services.access_tokens.issue(login.user_id, login.family)
    return TokenPair(access, login.refresh_token, services.access_tokens.lifetime, user=user)


class AuthController(Controller):
    """``/api/auth``: login, callback, refresh, logout."""

    path = "/api/auth"
    tags = ["auth"]

    @post("/login", status_code=HTTP_200_OK, raises=[ServiceUnavailableException])
    async def login(self, services: NamedDependency[ApiServices]) -> LoginStart:
        """Start a login: a fresh ``state`` and PKCE challenge in Discord's authorize URL."""
        discord = _discord(services)
        verifier, challenge = pkce_pair()
        pending = services.login_states.begin(verifier)
        url = discord.authorize_url(services.redirect_uri, pending.state, challenge)
        return LoginStart(url, pending.state, pending.login_token)

    @post(
        "/callback",
        status_code=HTTP_200_OK,
        raises=[ClientException, NotAuthorizedException, ServiceUnavailableException],
    )
    async def callback(self, data: JSONBody[Callback], services: NamedDependency[ApiServices]) -> TokenPair:
        """Finish a login: check ``state``, exchange the code with the PKCE verifier, issue tokens."""
        discord = _discord(services)
        try:
            verifier = services.login_states.finish(data.login_token, data.state)
        except InvalidLoginState as exc:
            raise ClientException(str(exc)) from None
        try:
            discord_token = await discord.exchange(data.code, services.redirect_uri, verifier)
            user = await discord.user(discord_token)
        except DiscordOAuthError as exc:
            raise NotAuthorizedException(f"Discord refused the login: {exc}") from None
        login = await services.refresh_tokens.start(user.id, discord_token)
        log.info("user %s logged in to the dashboard", user.id)
        return _pair(services, login, UserOut(str(user.id), user.username, user.global_name, user.avatar))

    @post("/refresh", status_code=HTTP_200_OK, raises=[NotAuthorizedException])
    async def refresh(
        self, data: JSONBody[RefreshRequest], services: NamedDependency[ApiServices]
    ) -> TokenPair:
        """Spend a refresh token for a new pair; a reused one revokes every token of its login."""
        try:
            login = await services.refresh_tokens.rotate(data.refresh_token)
        except RefreshRefused as exc:
            raise NotAuthorizedException(str(exc), headers=BEARER_HEADERS) from None
        return _pair(services, login)

    @post("/logout", status_code=HTTP_204_NO_CONTENT)
    async def logout(self, data: JSONBody[RefreshRequest], services: NamedDependency[ApiServices]) -> None:
        """Revoke the login the refresh token belongs to (idempotent)."""
        family = await services.refresh_tokens.family_of(data.refresh_token)
        if family is not None:
            await services.refresh_tokens.revoke_family(family)
            if services.guild_access is not None:
                services.guild_access.forget(family)
