"""OAuth2 for the dashboard's "log in with Discord": authorize, token (code with PKCE, refresh), revoke, @me.

Who logs in: ``GET /oauth2/authorize`` signs in ``rest.state(sandbox).oauth.user_id`` when set; a URL
with ``sandbox_user_id=<id>`` (a sandbox extension, not Discord's) names the user itself; with neither,
the page lists the world's users to pick one (for a person using ``tatiana dev``). Then it redirects to
``redirect_uri`` with ``code`` and ``state`` as Discord does. Client credentials: the application id and
``oauth.client_secret`` (HTTP Basic or form fields). ``oauth.redirect_uris`` empty accepts any URI.
"""

from __future__ import annotations

import base64
import hashlib
import html
import secrets
import time
import urllib.parse
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import web

from tatiana.testing.sandbox import serialize
from tatiana.testing.sandbox.rest import errors
from tatiana.testing.sandbox.rest.base import API_PREFIX, Context, Route, json_response
from tatiana.testing.sandbox.world import iso

if TYPE_CHECKING:
    from tatiana.testing.sandbox.rest.base import RestState

SCOPES = frozenset(
    {
        "identify",
        "email",
        "guilds",
        "guilds.join",
        "guilds.members.read",
        "connections",
        "bot",
        "applications.commands",
        "applications.commands.permissions.update",
        "openid",
        "role_connections.write",
        "messages.read",
        "webhook.incoming",
        "dm_channels.read",
        "applications.entitlements",
    }
)


@dataclass
class OAuthToken:
    """An access token and the refresh token that renews it."""

    access_token: str
    refresh_token: str
    user_id: int
    scopes: list[str]
    expires_at: float
    family: str

    @property
    def expired(self) -> bool:
        """Whether the access token is past its lifetime."""
        return time.time() >= self.expires_at


@dataclass
class AuthorizationCode:
    """A code handed out by /oauth2/authorize, exchanged once at /oauth2/token."""

    code: str
    user_id: int
    scopes: list[str]
    redirect_uri: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    expires_at: float


class OAuthError(Exception):
    """An RFC 6749 error answer: ``{"error", "error_description"}``."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error, self.description, self.status = error, description, status

    def response(self) -> web.Response:
        """The JSON answer."""
        return json_response({"error": self.error, "error_description": self.description}, self.status)


@dataclass
class OAuthServer:
    """The sandbox's OAuth2 provider: settings, codes and tokens."""

    rest: RestState
    client_secret: str = "sandbox-client-secret"
    redirect_uris: list[str] = field(default_factory=list)
    user_id: int | None = None
    access_token_ttl: float = 7 * 24 * 3600.0
    code_ttl: float = 600.0
    codes: dict[str, AuthorizationCode] = field(default_factory=dict)
    tokens: dict[str, OAuthToken] = field(default_factory=dict)
    refresh_tokens: dict[str, OAuthToken] = field(default_factory=dict)

    @property
    def client_id(self) -> str:
        """The OAuth2 client id: the application's id."""
        return str(self.rest.world.application_id)

    def access(self, access_token: str) -> OAuthToken | None:
        """The live token for a bearer credential."""
        token = self.tokens.get(access_token)
        return None if token is None or token.expired else token

    def issue(self, user_id: int, scopes: list[str], family: str | None = None) -> OAuthToken:
        """A new access and refresh token for ``user_id`` (what tests use to skip the browser step)."""
        token = OAuthToken(
            access_token=secrets.token_urlsafe(24),
            refresh_token=secrets.token_urlsafe(24),
            user_id=user_id,
            scopes=list(scopes),
            expires_at=time.time() + self.access_token_ttl,
            family=family or secrets.token_hex(8),
        )
        self.tokens[token.access_token] = token
        self.refresh_tokens[token.refresh_token] = token
        return token

    def revoke(self, family: str) -> None:
        """Revoke every token of one authorization."""
        for table in (self.tokens, self.refresh_tokens):
            for key in [k for k, t in table.items() if t.family == family]:
                del table[key]

    def token_response(self, token: OAuthToken) -> dict[str, Any]:
        """The access token response body."""
        return {
            "access_token": token.access_token,
            "token_type": "Bearer",
            "expires_in": int(self.access_token_ttl),
            "refresh_token": token.refresh_token,
            "scope": " ".join(token.scopes),
        }

    def check_redirect_uri(self, redirect_uri: str | None) -> None:
        """Refuse a redirect URI that is not registered (any is accepted while none are)."""
        if redirect_uri is not None and self.redirect_uris and redirect_uri not in self.redirect_uris:
            raise OAuthError("invalid_request", 'Invalid "redirect_uri" in request.')

    def authenticate_client(self, request: web.Request, form: dict[str, str]) -> None:
        """HTTP Basic or ``client_id`` and ``client_secret`` form fields (invalid_client otherwise)."""
        client_id, secret = form.get("client_id"), form.get("client_secret")
        header = request.headers.get("Authorization", "")
        if header.startswith("Basic "):
            try:
                client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
            except ValueError:
                raise OAuthError("invalid_client", "Invalid client credentials", 401) from None
        if client_id != self.client_id or secret != self.client_secret:
            raise OAuthError("invalid_client", "Invalid client credentials", 401)


def pkce_challenge(verifier: str) -> str:
    """The S256 code challenge for a PKCE code verifier."""
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")


# --- authorize (a browser page, outside /api too) -------------------------------------------------------------------
def _picker(rest: RestState, request: web.Request) -> web.Response:
    items = []
    for user in rest.world.users.values():
        if user.bot:
            continue
        query = dict(request.query)
        query["sandbox_user_id"] = str(user.id)
        url = request.path + "?" + urllib.parse.urlencode(query)
        items.append(
            f'<li><a href="{html.escape(url)}">{html.escape(user.global_name or user.username)}</a>'
            f" ({html.escape(user.username)})</li>"
        )
    page = (
        "<!doctype html><title>Sandbox login</title><h1>Log in to the Discord sandbox as</h1>"
        f"<ul>{''.join(items)}</ul>"
    )
    return web.Response(text=page, content_type="text/html")


async def authorize(request: web.Request, rest: RestState) -> web.StreamResponse:
    """Check the authorization request, pick the user, redirect back with ``code`` and ``state``."""
    oauth = rest.oauth
    query = request.query
    try:
        if query.get("client_id") != oauth.client_id:
            raise OAuthError("invalid_client", "Unknown client_id")
        if query.get("response_type", "code") != "code":
            raise OAuthError("unsupported_response_type", "Only response_type=code is supported")
        redirect_uri = query.get("redirect_uri")
        if redirect_uri is None and len(oauth.redirect_uris) != 1:
            raise OAuthError("invalid_request", "redirect_uri is required")
        redirect_uri = redirect_uri or oauth.redirect_uris[0]
        oauth.check_redirect_uri(redirect_uri)
        scopes = [s for s in query.get("scope", "").replace("+", " ").split(" ") if s]
        unknown = [s for s in scopes if s not in SCOPES]
        if not scopes or unknown:
            raise OAuthError("invalid_scope", f"Invalid scope: {' '.join(unknown) or '(none)'}")
        method = query.get("code_challenge_method")
        challenge = query.get("code_challenge")
        if challenge is not None and (method or "plain") != "S256":
            raise OAuthError("invalid_request", "Only code_challenge_method=S256 is supported")
    except OAuthError as error:
        return error.response()
    chosen = query.get("sandbox_user_id") or (str(oauth.user_id) if oauth.user_id is not None else None)
    if chosen is None:
        return _picker(rest, request)
    if not chosen.isdigit() or int(chosen) not in rest.world.users:
        return OAuthError("invalid_request", f"No sandbox user {chosen}").response()
    code = AuthorizationCode(
        code=secrets.token_urlsafe(24),
        user_id=int(chosen),
        scopes=scopes,
        redirect_uri=query.get("redirect_uri"),
        code_challenge=challenge,
        code_challenge_method=method,
        expires_at=time.time() + oauth.code_ttl,
    )
    oauth.codes[code.code] = code
    back = {"code": code.code}
    if "state" in query:
        back["state"] = query["state"]
    separator = "&" if "?" in redirect_uri else "?"
    raise web.HTTPFound(redirect_uri + separator + urllib.parse.urlencode(back))


# --- token ----------------------------------------------------------------------------------------------------------
async def token(ctx: Context) -> web.StreamResponse:
    """Exchange a code (PKCE checked) or a refresh token (rotated) for an access token."""
    oauth = ctx.state.oauth
    try:
        if ctx.request.content_type != "application/x-www-form-urlencoded":
            raise OAuthError(
                "invalid_request", "The token endpoint only accepts application/x-www-form-urlencoded"
            )
        form = {k: str(v) for k, v in (await ctx.json()).items()}
        oauth.authenticate_client(ctx.request, form)
        grant = form.get("grant_type")
        if grant == "authorization_code":
            issued = _exchange_code(oauth, form)
        elif grant == "refresh_token":
            issued = _refresh(oauth, form)
        else:
            raise OAuthError("unsupported_grant_type", f"Unsupported grant_type: {grant}")
    except OAuthError as error:
        return error.response()
    return json_response(oauth.token_response(issued))


def _exchange_code(oauth: OAuthServer, form: dict[str, str]) -> OAuthToken:
    code = oauth.codes.pop(form.get("code", ""), None)
    if code is None or time.time() > code.expires_at:
        raise OAuthError("invalid_grant", 'Invalid "code" in request.')
    if code.redirect_uri is not None and form.get("redirect_uri") != code.redirect_uri:
        raise OAuthError("invalid_grant", 'Invalid "redirect_uri" in request.')
    if code.code_challenge is not None:
        verifier = form.get("code_verifier")
        if not verifier:
            raise OAuthError("invalid_request", "code_verifier is required")
        if pkce_challenge(verifier) != code.code_challenge:
            raise OAuthError("invalid_grant", 'Invalid "code_verifier" in request.')
    elif form.get("code_verifier"):
        raise OAuthError("invalid_grant", "code_verifier given but no code_challenge was sent")
    return oauth.issue(code.user_id, code.scopes)


def _refresh(oauth: OAuthServer, form: dict[str, str]) -> OAuthToken:
    old = oauth.refresh_tokens.pop(form.get("refresh_token", ""), None)
    if old is None:
        raise OAuthError("invalid_grant", 'Invalid "refresh_token" in request.')
    return oauth.issue(old.user_id, old.scopes, family=old.family)


async def revoke(ctx: Context) -> web.StreamResponse:
    """Revoke an access or refresh token and the rest of its authorization."""
    oauth = ctx.state.oauth
    try:
        form = {k: str(v) for k, v in (await ctx.json()).items()}
        oauth.authenticate_client(ctx.request, form)
    except OAuthError as error:
        return error.response()
    value = form.get("token", "")
    found = oauth.tokens.get(value) or oauth.refresh_tokens.get(value)
    if found is not None:
        oauth.revoke(found.family)
    return json_response({})


async def my_authorization(ctx: Context) -> web.StreamResponse:
    """The current authorization: application, scopes, expiry, and the user with ``identify``."""
    bearer = ctx.bearer
    if bearer is None:
        raise errors.unauthorized()
    from datetime import UTC, datetime

    payload: dict[str, Any] = {
        "application": serialize.partial_application(ctx.world),
        "scopes": bearer.scopes,
        "expires": iso(datetime.fromtimestamp(bearer.expires_at, UTC)),
    }
    if "identify" in bearer.scopes:
        payload["user"] = serialize.user(ctx.world.users[bearer.user_id])
    return json_response(payload)


ROUTES = [
    Route("POST", "/oauth2/token", token, auth="none", ratelimited=False),
    Route("POST", "/oauth2/token/revoke", revoke, auth="none", ratelimited=False),
    Route("GET", "/oauth2/@me", my_authorization, auth="bearer"),
]


def install_outside_api(app: web.Application, rest: RestState) -> None:
    """The browser's authorize page, at Discord's ``/oauth2/authorize`` and under ``/api/v10`` too."""

    async def handle(request: web.Request) -> web.StreamResponse:
        return await authorize(request, rest)

    app.router.add_get("/oauth2/authorize", handle)
    app.router.add_get(API_PREFIX + "/oauth2/authorize", handle)
