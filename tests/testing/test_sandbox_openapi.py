"""Every REST answer of the sandbox matches Discord's OpenAPI description; the validator itself is tested."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import os
import urllib.parse
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tatiana.testing.sandbox import openapi, rest, serialize
from tatiana.testing.sandbox.interactions import COMMAND, COMPONENT
from tatiana.testing.sandbox.server import Sandbox
from tatiana.testing.sandbox.world import Guild, Perm, User, World


# --- the validator -------------------------------------------------------------------------------------------
def test_the_description_loads_once_from_the_packaged_copy() -> None:
    if openapi.ENV_VAR not in os.environ:
        assert openapi.description_path().name == "discord-openapi.json.gz"
    assert openapi.load() is openapi.load()
    assert openapi.load().has_operation("GET", "/channels/{id}")  # parameter names do not matter
    with pytest.raises(KeyError):
        openapi.load().operation("GET", "/nowhere")


# sha256 of shared/discord-openapi.json, the description the sandbox was written against.
SHARED_DESCRIPTION_SHA256 = "8c1d0707ccdf8e380a86dfba04058820a66435c1b69d5ed82e04dd8c0520dd73"


def test_the_packaged_copy_is_the_shared_description() -> None:
    packaged = Path(openapi.__file__).resolve().parent / "data" / "discord-openapi.json.gz"
    content = gzip.decompress(packaged.read_bytes())
    assert hashlib.sha256(content).hexdigest() == SHARED_DESCRIPTION_SHA256
    shared = Path(__file__).resolve().parents[3] / "shared" / "discord-openapi.json"
    if shared.exists():  # beside the repository on the developers' machines, not in every CI checkout
        assert content == shared.read_bytes()


def test_a_right_answer_passes_and_wrong_ones_fail() -> None:
    world = World()
    user = serialize.user(world.add_user("ana"))
    document = openapi.load()
    assert document.validate("GET", "/users/{user_id}", 200, user) == []

    missing = {k: v for k, v in user.items() if k != "username"}
    assert any(
        "missing required 'username'" in e for e in document.validate("GET", "/users/{id}", 200, missing)
    )
    wrong_type = {**user, "id": 123}
    assert any("expected string" in e for e in document.validate("GET", "/users/{id}", 200, wrong_type))
    bad_snowflake = {**user, "id": "12ab"}
    assert document.validate("GET", "/users/{id}", 200, bad_snowflake)
    with pytest.raises(openapi.OpenAPIMismatch):
        document.check("GET", "/users/{id}", 200, [user])

    guild = world.add_guild("G")
    member = serialize.member(world, guild.members[guild.owner_id])
    assert document.validate("GET", "/guilds/{g}/members/{u}", 200, member) == []
    assert document.validate("GET", "/guilds/{g}/members/{u}", 200, {**member, "joined_at": "yesterday"})
    assert document.validate(
        "GET", "/guilds/{g}/members/{u}", 200, {**member, "joined_at": "2024-01-01T00:00:00"}
    )

    channel = serialize.channel(world, next(iter(guild.channels.values())))
    assert document.validate("GET", "/channels/{c}", 200, channel) == []
    assert any("oneOf" in e for e in document.validate("GET", "/channels/{c}", 200, {**channel, "type": 99}))
    assert document.validate("DELETE", "/channels/{c}/messages/{m}", 204, None) == []
    assert document.validate("DELETE", "/channels/{c}/messages/{m}", 204, {"x": 1})


def test_errors_and_the_one_correction() -> None:
    document = openapi.load()
    error = {
        "code": 50035,
        "message": "Invalid Form Body",
        "errors": {
            "content": {"_errors": [{"code": "BASE_TYPE_REQUIRED", "message": "This field is required"}]}
        },
    }
    assert document.validate("POST", "/channels/{c}/messages", 400, error) == []
    assert document.validate("POST", "/channels/{c}/messages", 400, {"message": "no code"})
    raw = openapi.load(corrected=False)
    assert raw.validate("POST", "/channels/{c}/messages", 400, error)  # Discord's description says int codes
    limited = {"message": "You are being rate limited.", "retry_after": 1.5, "global": False, "code": 0}
    assert document.validate("GET", "/channels/{c}", 429, limited) == []
    assert document.validate("GET", "/channels/{c}", 429, {"message": "x", "code": 0})


def test_unknown_keywords_are_refused() -> None:
    document = openapi.load()
    with pytest.raises(NotImplementedError):
        document.errors({"type": "object", "dependentRequired": {"a": ["b"]}}, {"a": 1})
    assert document.errors({"type": "integer", "format": "int32"}, 2**40)
    assert document.errors({"anyOf": [{"type": "string"}, {"type": "null"}]}, 1)
    assert document.errors({"type": "array", "uniqueItems": True}, [1, 1])
    assert document.errors(
        {"type": "object", "additionalProperties": False, "properties": {"a": True}}, {"b": 1}
    )


# --- every route, realistic data, every answer checked -----------------------------------------------------------
class Caller:
    """Raw HTTP calls to the sandbox, asserting each status."""

    def __init__(self, http: aiohttp.ClientSession, sandbox: Sandbox) -> None:
        self.http, self.sandbox = http, sandbox
        self.bot = {"Authorization": f"Bot {sandbox.token}"}

    async def __call__(
        self,
        method: str,
        path: str,
        expect: int = 200,
        *,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> Any:
        async with self.http.request(
            method, self.sandbox.rest_url + path, headers=self.bot if headers is None else headers, **kwargs
        ) as response:
            raw = await response.read()
            assert response.status == expect, f"{method} {path}: {response.status} {raw[:300]!r}"
            return json.loads(raw) if raw else None


@pytest.fixture
async def world() -> World:
    return World()


@pytest.fixture
async def sandbox(world: World) -> AsyncIterator[Sandbox]:
    sandbox = Sandbox(world)
    rest.state(sandbox).validate_responses = True
    async with sandbox:
        yield sandbox


def _people(world: World) -> tuple[Guild, User, User]:
    owner = world.add_user("owner")
    guild = world.add_guild("Docs", owner=owner)
    bot_role = next(r for r in guild.roles.values() if r.managed)
    bot_role.permissions = Perm.ALL & ~Perm.ADMINISTRATOR
    alice, bob = world.add_user("alice"), world.add_user("bob")
    world.add_member(guild, alice)
    world.add_member(guild, bob)
    return guild, alice, bob


async def test_every_route_answers_as_discord_documents(sandbox: Sandbox, world: World) -> None:  # noqa: PLR0915
    state = rest.state(sandbox)
    guild, alice, bob = _people(world)
    general = next(iter(guild.channels.values()))
    g, c, app = guild.id, general.id, world.application_id
    async with aiohttp.ClientSession() as http:
        call = Caller(http, sandbox)
        # gateway, users, application
        await call("GET", "/gateway", headers={})
        await call("GET", "/gateway/bot")
        await call("GET", "/users/@me")
        await call("GET", f"/users/{alice.id}")
        await call("GET", "/users/@me/guilds")
        dm = await call("POST", "/users/@me/channels", json={"recipient_id": str(alice.id)})
        await call("GET", "/applications/@me")
        await call("GET", "/oauth2/applications/@me")

        # channels and messages
        await call("GET", f"/channels/{c}")
        await call("GET", f"/channels/{dm['id']}")
        await call(
            "PATCH",
            f"/channels/{c}",
            json={"name": "main", "topic": "t", "rate_limit_per_user": 0, "permission_overwrites": []},
        )
        await call(
            "PUT",
            f"/channels/{c}/permissions/{alice.id}",
            204,
            json={"type": 1, "deny": "2048", "allow": "0"},
        )
        await call("DELETE", f"/channels/{c}/permissions/{alice.id}", 204)
        await call("POST", f"/channels/{c}/typing", 204)
        thread = await call("POST", f"/channels/{c}/threads", 201, json={"name": "hilo", "type": 11})
        await call("POST", f"/channels/{thread['id']}/messages", json={"content": "en el hilo"})
        starter = await call("POST", f"/channels/{c}/messages", json={"content": "tema"})
        await call("POST", f"/channels/{c}/messages/{starter['id']}/threads", 201, json={"name": "tema"})
        await call("POST", f"/channels/{c}/threads", 400, json={"name": ""})
        form = aiohttp.FormData()
        form.add_field(
            "payload_json",
            json.dumps(
                {
                    "content": f"hi <@{alice.id}>",
                    "embeds": [
                        {
                            "title": "T",
                            "description": "D",
                            "fields": [{"name": "a", "value": "b"}],
                            "image": {"url": "attachment://pic.png"},
                            "footer": {"text": "f"},
                            "color": 255,
                            "timestamp": "2025-01-01T00:00:00+00:00",
                        }
                    ],
                    "components": [
                        {
                            "type": 1,
                            "components": [
                                {"type": 2, "style": 1, "custom_id": "go", "label": "Go"},
                                {"type": 2, "style": 5, "url": "https://example.com", "label": "Docs"},
                            ],
                        },
                        {
                            "type": 1,
                            "components": [
                                {
                                    "type": 3,
                                    "custom_id": "pick",
                                    "options": [{"label": "A", "value": "a"}, {"label": "B", "value": "b"}],
                                }
                            ],
                        },
                    ],
                    "attachments": [{"id": 0, "filename": "pic.png", "description": "a picture"}],
                }
            ),
            content_type="application/json",
        )
        form.add_field("files[0]", b"\x89PNG", filename="pic.png", content_type="image/png")
        message = await call("POST", f"/channels/{c}/messages", data=form)
        m = message["id"]
        reply = await call(
            "POST",
            f"/channels/{c}/messages",
            json={"content": "reply", "message_reference": {"message_id": m}},
        )
        assert reply["referenced_message"]["id"] == m
        await call("POST", f"/channels/{dm['id']}/messages", json={"content": "dm"})
        await call("GET", f"/channels/{c}/messages?limit=10")
        await call("GET", f"/channels/{c}/messages?around={m}&limit=3")
        await call("GET", f"/channels/{c}/messages/{m}")
        await call(
            "PATCH",
            f"/channels/{c}/messages/{m}",
            json={"content": "edited", "attachments": [{"id": message["attachments"][0]["id"]}]},
        )
        thumbs = urllib.parse.quote("👍")
        await call("PUT", f"/channels/{c}/messages/{m}/reactions/{thumbs}/@me", 204)
        await call("PUT", f"/channels/{c}/messages/{m}/reactions/party:{world.snowflake()}/@me", 204)
        world.messages[c][int(m)].reactions["👍"].add(alice.id)
        await call("GET", f"/channels/{c}/messages/{m}")
        await call("GET", f"/channels/{c}/messages/{m}/reactions/{thumbs}")
        await call("DELETE", f"/channels/{c}/messages/{m}/reactions/{thumbs}/{alice.id}", 204)
        await call("DELETE", f"/channels/{c}/messages/{m}/reactions/{thumbs}/@me", 204)
        await call("DELETE", f"/channels/{c}/messages/{m}/reactions/{thumbs}", 204)
        await call("DELETE", f"/channels/{c}/messages/{m}/reactions", 204)
        extra = [
            (await call("POST", f"/channels/{c}/messages", json={"content": str(i)}))["id"] for i in range(2)
        ]
        await call("POST", f"/channels/{c}/messages/bulk-delete", 204, json={"messages": extra})
        await call("DELETE", f"/channels/{c}/messages/{m}", 204)

        # guilds, channels, roles, members, bans
        await call("GET", f"/guilds/{g}")
        await call("GET", f"/guilds/{g}?with_counts=true")
        await call("GET", f"/guilds/{g}/channels")
        category = await call("POST", f"/guilds/{g}/channels", 201, json={"name": "Staff", "type": 4})
        voice = await call("POST", f"/guilds/{g}/channels", 201, json={"name": "Talk", "type": 2})
        await call("GET", f"/channels/{voice['id']}")
        new = await call(
            "POST",
            f"/guilds/{g}/channels",
            201,
            json={
                "name": "mods",
                "parent_id": category["id"],
                "topic": "x",
                "permission_overwrites": [{"id": str(alice.id), "type": 1, "deny": str(Perm.SEND_MESSAGES)}],
            },
        )
        await call("DELETE", f"/channels/{new['id']}")
        role = await call(
            "POST",
            f"/guilds/{g}/roles",
            json={"name": "Helper", "permissions": "2048", "color": 3447003, "hoist": True},
        )
        await call("GET", f"/guilds/{g}/roles")
        await call("GET", f"/guilds/{g}/roles/{role['id']}")
        await call("PATCH", f"/guilds/{g}/roles/{role['id']}", json={"name": "Helpers", "mentionable": True})
        await call("GET", f"/guilds/{g}/members?limit=1000")
        await call("GET", f"/guilds/{g}/members/search?query=ali&limit=5")
        await call("GET", f"/guilds/{g}/members/{alice.id}")
        await call("PUT", f"/guilds/{g}/members/{alice.id}/roles/{role['id']}", 204)
        await call("DELETE", f"/guilds/{g}/members/{alice.id}/roles/{role['id']}", 204)
        await call(
            "PATCH",
            f"/guilds/{g}/members/{alice.id}",
            json={"nick": "Ali", "roles": [role["id"]], "mute": True, "deaf": False},
        )
        soon = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
        await call("PATCH", f"/guilds/{g}/members/{alice.id}", json={"communication_disabled_until": soon})
        await call("PATCH", f"/guilds/{g}/members/{alice.id}", json={"communication_disabled_until": None})
        await call("PATCH", f"/guilds/{g}/members/@me", json={"nick": "Tati"})
        await call("GET", f"/users/@me/guilds/{g}/member", 401)  # bearer only
        await call("DELETE", f"/guilds/{g}/roles/{role['id']}", 204)
        await call("PUT", f"/guilds/{g}/bans/{bob.id}", 204, json={"delete_message_seconds": 60})
        await call("GET", f"/guilds/{g}/bans")
        await call("GET", f"/guilds/{g}/bans/{bob.id}")
        await call("DELETE", f"/guilds/{g}/bans/{bob.id}", 204)
        await call("DELETE", f"/guilds/{g}/members/{alice.id}", 204)

        # application commands, global and in the guild
        for base in (f"/applications/{app}/commands", f"/applications/{app}/guilds/{g}/commands"):
            created = await call(
                "POST",
                base,
                201,
                json={
                    "name": "ping",
                    "description": "Ping",
                    "options": [
                        {
                            "type": 3,
                            "name": "text",
                            "description": "Text",
                            "required": True,
                            "choices": [{"name": "A", "value": "a"}],
                        },
                        {"type": 4, "name": "times", "description": "Times", "min_value": 1, "max_value": 5},
                        {
                            "type": 1,
                            "name": "sub",
                            "description": "Sub",
                            "options": [{"type": 6, "name": "who", "description": "Who"}],
                        },
                    ],
                },
            )
            await call("POST", base, 200, json={"name": "ping", "description": "Ping again"})
            await call("GET", base)
            await call("GET", base + "?with_localizations=true")
            await call("GET", f"{base}/{created['id']}")
            await call(
                "PATCH",
                f"{base}/{created['id']}",
                json={"default_member_permissions": "8", "name_localizations": {"es-ES": "ping"}},
            )
            await call(
                "PUT",
                base,
                json=[
                    {"name": "ping", "description": "Ping"},
                    {"name": "Profile", "type": 2},
                    {"name": "Quote", "type": 3},
                ],
            )
            await call("DELETE", f"{base}/{created['id']}", 204)

        # interactions: a callback of each kind, the original response and followups
        store = state.interactions
        component_message = await call(
            "POST",
            f"/channels/{c}/messages",
            json={
                "content": "menu",
                "components": [
                    {"type": 1, "components": [{"type": 2, "style": 1, "custom_id": "x", "label": "X"}]}
                ],
            },
        )
        for kind, response_type, data in (
            (COMMAND, 4, {"content": "answer", "embeds": [{"title": "E"}], "flags": 64}),
            (COMMAND, 5, {}),
            (
                COMMAND,
                9,
                {
                    "custom_id": "m",
                    "title": "Modal",
                    "components": [
                        {"type": 1, "components": [{"type": 4, "custom_id": "a", "style": 1, "label": "A"}]}
                    ],
                },
            ),
            (COMPONENT, 7, {"content": "updated", "components": []}),
            (COMPONENT, 6, {}),
            (4, 8, {"choices": [{"name": "Madrid", "value": "madrid"}]}),
        ):
            interaction = store.create(kind, g, c, alice.id)
            interaction.command_type = 1
            interaction.payload = {
                "member": {"user": serialize.user(alice)},
                "authorizing_integration_owners": {"0": str(g)},
            }
            if kind == COMPONENT:
                interaction.source_message_id = int(component_message["id"])
            path = f"/interactions/{interaction.id}/{interaction.token}/callback"
            await call(
                "POST", path + "?with_response=true", json={"type": response_type, "data": data}, headers={}
            )
            await call("POST", path, 400, json={"type": 4, "data": {"content": "again"}}, headers={})
            if response_type not in (4, 5, 6, 7):
                continue
            hook = f"/webhooks/{app}/{interaction.token}"
            await call("GET", hook + "/messages/@original", headers={})
            await call("PATCH", hook + "/messages/@original", json={"content": "edited"}, headers={})
            followup = await call("POST", hook, json={"content": "more"}, headers={})
            await call("GET", f"{hook}/messages/{followup['id']}", headers={})
            await call("PATCH", f"{hook}/messages/{followup['id']}", json={"content": "more!"}, headers={})
            await call("DELETE", f"{hook}/messages/{followup['id']}", 204, headers={})
            if response_type == 4:
                await call("DELETE", hook + "/messages/@original", 204, headers={})
        plain = store.create(COMMAND, g, c, alice.id)
        await call(
            "POST",
            f"/interactions/{plain.id}/{plain.token}/callback",
            204,
            json={"type": 4, "data": {"content": "no body back"}},
            headers={},
        )

        # OAuth2 with a bearer token
        token = state.oauth.issue(guild.owner_id, ["identify", "guilds", "guilds.members.read", "email"])
        bearer = {"Authorization": f"Bearer {token.access_token}"}
        await call("GET", "/users/@me", headers=bearer)
        await call("GET", "/users/@me/guilds?with_counts=true", headers=bearer)
        await call("GET", f"/users/@me/guilds/{g}/member", headers=bearer)
        await call("GET", "/oauth2/@me", headers=bearer)
        verifier = "x" * 50
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
        query = urllib.parse.urlencode(
            {
                "client_id": state.oauth.client_id,
                "scope": "identify",
                "redirect_uri": "http://localhost/cb",
                "code_challenge": challenge,
                "code_challenge_method": "S256",
                "sandbox_user_id": str(alice.id),
            }
        )
        async with http.get(
            f"{sandbox.rest_url}/oauth2/authorize?{query}", allow_redirects=False
        ) as redirect:
            code = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(redirect.headers["Location"]).query))[
                "code"
            ]
        client = {"client_id": state.oauth.client_id, "client_secret": state.oauth.client_secret}
        issued = await call(
            "POST",
            "/oauth2/token",
            headers={},
            data={
                **client,
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": "http://localhost/cb",
                "code_verifier": verifier,
            },
        )
        await call(
            "POST", "/oauth2/token/revoke", headers={}, data={**client, "token": issued["refresh_token"]}
        )
        await call("GET", "/users/@me", 401, headers={"Authorization": f"Bearer {issued['access_token']}"})
        await call("DELETE", f"/users/@me/guilds/{g}", 204)

    answered = {key for key, status in state.calls if 200 <= status < 300}
    documented = {r.key for r in state.routes if openapi.load().has_operation(r.method, r.path)}
    assert documented - answered == set()
    assert state.openapi_errors == [] and state.errors == []


async def test_error_answers_are_documented(sandbox: Sandbox, world: World) -> None:
    state = rest.state(sandbox)
    guild, alice, _ = _people(world)
    general = next(iter(guild.channels.values()))
    async with aiohttp.ClientSession() as http:
        call = Caller(http, sandbox)
        assert (await call("GET", "/channels/1", 404))["code"] == 10003
        assert (await call("GET", "/guilds/1", 404))["code"] == 10004
        assert (await call("GET", f"/guilds/{guild.id}/members/{world.bot.id + 1}", 404))["code"] in (
            10007,
            10013,
        )
        assert (await call("GET", f"/channels/{general.id}/messages/1", 404))["code"] == 10008
        assert (await call("GET", f"/guilds/{guild.id}/roles/1", 404))["code"] == 10011
        assert (await call("GET", "/users/1", 404))["code"] == 10013
        assert (await call("GET", f"/guilds/{guild.id}/bans/{alice.id}", 404))["code"] == 10026
        assert (await call("POST", "/interactions/1/x/callback", 404, headers={}, json={"type": 4}))[
            "code"
        ] == 10062
        owner_kick = await call("DELETE", f"/guilds/{guild.id}/members/{guild.owner_id}", 403)
        assert owner_kick["code"] == 50013
        invalid = await call("POST", f"/channels/{general.id}/messages", 400, json={"content": "x" * 2001})
        assert invalid["errors"]["content"]["_errors"][0]["code"] == "BASE_TYPE_MAX_LENGTH"
        assert (await call("GET", "/users/@me", 401, headers={}))["code"] == 0
        malformed = await call("PATCH", f"/channels/{general.id}", 400, json={"rate_limit_per_user": "soon"})
        assert malformed["code"] == 50035
        assert (await call("GET", "/nowhere", 404))["message"] == "404: Not Found"
        assert (await call("POST", "/gateway", 405))["code"] == 0
        state.ratelimits.set("GET /guilds/{guild_id}/roles", limit=1, period=10)
        await call("GET", f"/guilds/{guild.id}/roles")
        limited = await call("GET", f"/guilds/{guild.id}/roles", 429)
        assert limited["global"] is False and limited["retry_after"] > 0
    assert state.openapi_errors == [] and state.errors == []
