"""Dashboard login against the sandbox's real OAuth2 endpoints, refresh rotation, logout and token refusals."""

from __future__ import annotations

import logging
import time
import urllib.parse

import httpx
import jwt
import pytest
from litestar import Litestar

from tatiana.api.access_tokens import AccessTokens
from tatiana.testing.sandbox import rest
from tatiana.testing.sandbox.server import Sandbox

from .conftest import JWT_SECRET, People, bearer, discord_redirect, login


async def test_login_start_uses_state_and_pkce(client: httpx.AsyncClient, sandbox: Sandbox) -> None:
    start = (await client.post("/api/auth/login")).json()
    url = urllib.parse.urlsplit(start["authorization_url"])
    query = dict(urllib.parse.parse_qsl(url.query))

    assert start["authorization_url"].startswith(sandbox.rest_url + "/oauth2/authorize?")
    assert query["state"] == start["state"]
    assert query["code_challenge_method"] == "S256"
    assert len(query["code_challenge"]) == 43
    assert query["redirect_uri"] == "http://dashboard.test/auth/callback"
    assert set(query["scope"].split()) == {"identify", "guilds"}


async def test_full_login_issues_a_pinned_short_jwt_and_a_refresh_token(
    client: httpx.AsyncClient, people: People
) -> None:
    tokens = await login(client, people.owner)

    assert tokens["user"]["id"] == str(people.owner.id)
    assert tokens["user"]["username"] == "ana"
    assert tokens["expires_in"] == 900
    header = jwt.get_unverified_header(tokens["access_token"])
    claims = jwt.decode(
        tokens["access_token"], JWT_SECRET, algorithms=["HS256"], audience="tatiana-dashboard"
    )
    assert header["alg"] == "HS256"
    assert claims["iss"] == "tatiana"
    assert claims["sub"] == str(people.owner.id)
    assert claims["exp"] - claims["iat"] == 900
    assert len(tokens["refresh_token"]) >= 40


async def test_callback_refuses_a_state_that_does_not_match(
    client: httpx.AsyncClient, people: People
) -> None:
    start = (await client.post("/api/auth/login")).json()
    back = await discord_redirect(start["authorization_url"], people.owner)
    answer = await client.post(
        "/api/auth/callback",
        json={"code": back["code"], "state": "forged", "login_token": start["login_token"]},
    )
    assert answer.status_code == 400
    assert answer.json()["error"] == "state does not match this login"


async def test_callback_refuses_a_tampered_login_token(client: httpx.AsyncClient, people: People) -> None:
    start = (await client.post("/api/auth/login")).json()
    back = await discord_redirect(start["authorization_url"], people.owner)
    forged = jwt.encode(
        {
            "iss": "tatiana",
            "aud": "tatiana-login",
            "exp": time.time() + 60,
            "st": back["state"],
            "cv": "mine",
        },
        "not-the-secret-but-long-enough-for-hs256-keys",
    )
    answer = await client.post(
        "/api/auth/callback", json={"code": back["code"], "state": back["state"], "login_token": forged}
    )
    assert answer.status_code == 400


async def test_callback_with_the_code_of_another_login_fails_pkce(
    client: httpx.AsyncClient, people: People
) -> None:
    first = (await client.post("/api/auth/login")).json()
    second = (await client.post("/api/auth/login")).json()
    back = await discord_redirect(first["authorization_url"], people.owner)
    # An intercepted code replayed with another login's verifier: Discord refuses the verifier.
    answer = await client.post(
        "/api/auth/callback",
        json={"code": back["code"], "state": second["state"], "login_token": second["login_token"]},
    )
    assert answer.status_code == 401
    assert "invalid_grant" in answer.json()["error"]


async def test_a_code_is_good_once(client: httpx.AsyncClient, people: People) -> None:
    start = (await client.post("/api/auth/login")).json()
    back = await discord_redirect(start["authorization_url"], people.owner)
    body = {"code": back["code"], "state": back["state"], "login_token": start["login_token"]}
    assert (await client.post("/api/auth/callback", json=body)).status_code == 200
    assert (await client.post("/api/auth/callback", json=body)).status_code == 401


async def test_login_is_503_without_oauth_settings(
    client: httpx.AsyncClient, sandbox: Sandbox, app: Litestar
) -> None:
    app.state.services.discord = None
    answer = await client.post("/api/auth/login")
    assert answer.status_code == 503
    assert "DISCORD_CLIENT_ID" in answer.json()["error"]


async def test_refresh_rotates_the_token(client: httpx.AsyncClient, people: People) -> None:
    first = await login(client, people.owner)
    answer = await client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})

    assert answer.status_code == 200
    second = answer.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert (await client.get("/api/guilds/1/plugins", headers=bearer(second))).status_code == 403


async def test_reusing_a_refresh_token_revokes_its_whole_family(
    client: httpx.AsyncClient, people: People
) -> None:
    first = await login(client, people.owner)
    other_login = await login(client, people.owner)
    second = (await client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})).json()

    reused = await client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert reused.status_code == 401
    assert "reused" in reused.json()["error"]
    assert reused.headers["www-authenticate"] == "Bearer"
    # The thief's rotation and the victim's are both dead; a separate login is untouched.
    latest = await client.post("/api/auth/refresh", json={"refresh_token": second["refresh_token"]})
    assert latest.status_code == 401
    untouched = await client.post("/api/auth/refresh", json={"refresh_token": other_login["refresh_token"]})
    assert untouched.status_code == 200


async def test_unknown_refresh_token_is_refused(client: httpx.AsyncClient) -> None:
    answer = await client.post("/api/auth/refresh", json={"refresh_token": "made-up"})
    assert answer.status_code == 401
    assert answer.json()["error"] == "unknown refresh token"


async def test_logout_revokes_the_login(client: httpx.AsyncClient, people: People) -> None:
    tokens = await login(client, people.owner)

    assert (
        await client.post("/api/auth/logout", json={"refresh_token": tokens["refresh_token"]})
    ).status_code == 204
    refused = await client.post("/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refused.status_code == 401
    # Guild routes need the login's Discord authorization, which is gone with it.
    guild = await client.get(f"/api/guilds/{people.guild_a.id}/plugins", headers=bearer(tokens))
    assert guild.status_code == 401
    again = await client.post("/api/auth/logout", json={"refresh_token": tokens["refresh_token"]})
    assert again.status_code == 204


def _forged(claims: dict[str, object], secret: str = JWT_SECRET, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, secret, algorithm=algorithm)


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("none", "missing bearer token"),
        ("garbage", "invalid access token"),
        ("expired", "access token expired"),
        ("tampered", "invalid access token"),
        ("wrong_audience", "invalid access token"),
        ("wrong_issuer", "invalid access token"),
        ("wrong_secret", "invalid access token"),
        ("alg_none", "invalid access token"),
        ("no_expiry", "invalid access token"),
    ],
)
async def test_access_token_refusals(
    client: httpx.AsyncClient, people: People, case: str, message: str
) -> None:
    now = int(time.time())
    good = {"iss": "tatiana", "aud": "tatiana-dashboard", "sub": str(people.owner.id), "sid": "f", "iat": now}
    valid = AccessTokens(JWT_SECRET, 900).issue(people.owner.id, "f")
    head, payload, signature = valid.split(".")
    tokens = {
        "garbage": "not.a.jwt",
        "expired": AccessTokens(JWT_SECRET, 900).issue(people.owner.id, "f", now=now - 1000),
        "tampered": f"{head}.{payload[:-2]}AA.{signature}",
        "wrong_audience": _forged({**good, "exp": now + 60, "aud": "someone-else"}),
        "wrong_issuer": _forged({**good, "exp": now + 60, "iss": "evil"}),
        "wrong_secret": _forged(
            {**good, "exp": now + 60}, secret="another-secret-long-enough-for-hs256-keys"
        ),
        "alg_none": jwt.encode({**good, "exp": now + 60}, None, algorithm="none"),
        "no_expiry": _forged(good),
    }
    headers = {} if case == "none" else bearer(tokens[case])

    answer = await client.get(f"/api/guilds/{people.guild_a.id}/plugins", headers=headers)

    assert answer.status_code == 401
    assert answer.json() == {"status": 401, "error": message}
    assert answer.headers["www-authenticate"] == "Bearer"


async def test_secrets_are_neither_answered_nor_logged(
    client: httpx.AsyncClient, people: People, sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    # At DEBUG, aiosqlite echoes SQL parameters (the stored Discord token among them): not for production.
    caplog.set_level(logging.INFO)
    tokens = await login(client, people.owner)
    await client.post("/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    await client.get(f"/api/guilds/{people.guild_a.id}/plugins", headers=bearer(tokens))

    oauth = rest.state(sandbox).oauth
    discord_tokens = list(oauth.tokens)
    assert discord_tokens
    server_secrets = [JWT_SECRET, oauth.client_secret, *discord_tokens]
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for secret in [*server_secrets, tokens["refresh_token"], tokens["access_token"]]:
        assert secret not in logged
    for secret in server_secrets:
        assert secret not in str(tokens)
