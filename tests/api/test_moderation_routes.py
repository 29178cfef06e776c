"""``/api/moderation``: warn, mute and ban performed on the sandbox as the bot, recorded as numbered cases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tatiana.coordination import EVENTS_CHANNEL, EventKind, LiveEvent, MemoryCoordination
from tatiana.testing.sandbox.server import Sandbox

from .bot_api import db_api, db_settings
from .conftest import People, bearer, login

__all__ = ["db_api", "db_settings"]


def _body(people: People, target: int, **extra: object) -> dict[str, object]:
    return {"guild_id": str(people.guild_a.id), "user_id": str(target), **extra}


@pytest.fixture
def luis(people: People, sandbox: Sandbox) -> int:
    """The demo guild's moderator: kick, ban, time out."""
    return next(u.id for u in sandbox.world.users.values() if u.username == "luis")


async def test_actions_reach_discord_and_become_numbered_cases(
    db_api: httpx.AsyncClient, people: People, sandbox: Sandbox, luis: int, coordination: MemoryCoordination
) -> None:
    moderator = await login(db_api, sandbox.world.users[luis])
    marta, sofia = people.member.id, next(u.id for u in sandbox.world.users.values() if u.username == "sofia")

    async with await coordination.subscribe(EVENTS_CHANNEL) as events:
        warned = await db_api.post(
            "/api/moderation/warn", json=_body(people, marta, reason="spam"), headers=bearer(moderator)
        )
        message = await events.get(timeout=5)
    assert message is not None
    alert = LiveEvent.from_message(message)
    assert (
        alert is not None and alert.kind is EventKind.MODERATION_ALERT and alert.guild_id == people.guild_a.id
    )
    assert (alert.data["case"], alert.data["action"], alert.data["source"]) == (1, "warn", "api")
    before = datetime.now(UTC)
    muted = await db_api.post(
        "/api/moderation/mute",
        json=_body(people, marta, duration=600, reason="calm down"),
        headers=bearer(moderator),
    )
    banned = await db_api.post(
        "/api/moderation/ban", json=_body(people, sofia, reason="raid"), headers=bearer(moderator)
    )

    assert (warned.status_code, muted.status_code, banned.status_code) == (201, 201, 201), banned.text
    cases = [warned.json(), muted.json(), banned.json()]
    assert [c["case_number"] for c in cases] == [1, 2, 3]
    assert [(c["action"], c["user_id"], c["moderator_id"], c["source"]) for c in cases] == [
        ("warn", str(marta), str(luis), "api"),
        ("mute", str(marta), str(luis), "api"),
        ("ban", str(sofia), str(luis), "api"),
    ]
    assert cases[0]["reason"] == "spam"
    assert cases[1]["duration"] == 600
    expires = datetime.fromisoformat(cases[1]["expires_at"])
    assert before + timedelta(seconds=590) < expires < before + timedelta(seconds=610)
    # Discord (the sandbox) did it.
    timed_out = people.guild_a.members[marta].communication_disabled_until
    assert timed_out is not None and abs((timed_out - expires).total_seconds()) < 1
    assert sofia in people.guild_a.bans
    assert sofia not in people.guild_a.members


async def test_who_may_act_on_whom(
    db_api: httpx.AsyncClient, people: People, sandbox: Sandbox, luis: int
) -> None:
    moderator = await login(db_api, sandbox.world.users[luis])
    marta = await login(db_api, people.member)
    ana = await login(db_api, people.owner)

    async def ban(tokens: dict[str, Any], target: int, guild: int | None = None) -> httpx.Response:
        body = _body(people, target)
        if guild is not None:
            body["guild_id"] = str(guild)
        return await db_api.post("/api/moderation/ban", json=body, headers=bearer(tokens))

    no_permission = await ban(marta, luis)
    assert no_permission.status_code == 403
    assert no_permission.json()["error"] == "you need BAN_MEMBERS in this guild"
    assert (await ban(moderator, people.owner.id)).json()["error"] == "the guild's owner cannot be moderated"
    assert (await ban(moderator, luis)).json()["error"] == "you cannot moderate yourself"
    # pablo's role (Gestor) is as high as luis's (Moderador): not below.
    same_rank = await ban(moderator, people.manager.id)
    assert same_rank.status_code == 403
    assert same_rank.json()["error"] == "this member's highest role is not below yours"
    # ana owns A but is an ordinary member of B.
    assert (await ban(ana, people.member.id, guild=people.guild_b.id)).status_code == 403
    # The owner outranks everyone.
    assert (await ban(ana, people.manager.id)).status_code == 201
    assert people.manager.id in people.guild_a.bans
    assert people.member.id not in people.guild_a.bans


async def test_invalid_actions_are_refused_with_the_field(
    db_api: httpx.AsyncClient, people: People, luis: int, sandbox: Sandbox
) -> None:
    moderator = await login(db_api, sandbox.world.users[luis])
    marta = people.member.id
    for url, body, field in (
        ("/api/moderation/mute", _body(people, marta, duration=0), "duration"),
        ("/api/moderation/mute", _body(people, marta, duration=29 * 24 * 3600), "duration"),
        ("/api/moderation/mute", _body(people, marta), "duration"),
        ("/api/moderation/warn", _body(people, marta), "reason"),
        ("/api/moderation/warn", {"guild_id": "abc", "user_id": str(marta), "reason": "x"}, "guild_id"),
        ("/api/moderation/ban", _body(people, marta, delete_message_seconds=-1), "delete_message_seconds"),
    ):
        answer = await db_api.post(url, json=body, headers=bearer(moderator))
        assert answer.status_code == 400, (url, body)
        assert field in str(answer.json()["errors"]), answer.json()
    outsider = sandbox.world.add_user("outsider")
    not_member = await db_api.post(
        "/api/moderation/mute", json=_body(people, outsider.id, duration=60), headers=bearer(moderator)
    )
    assert not_member.status_code == 404
    assert not_member.json()["error"] == "this user is not a member of the guild"
    # Discord bans by id: someone who is not (yet) a member can be banned.
    pre_ban = await db_api.post(
        "/api/moderation/ban", json=_body(people, outsider.id), headers=bearer(moderator)
    )
    assert pre_ban.status_code == 201
    assert outsider.id in people.guild_a.bans
    unknown = await db_api.post(
        "/api/moderation/warn", json=_body(people, 12345678901234567, reason="x"), headers=bearer(moderator)
    )
    assert unknown.status_code == 404
    assert (
        await db_api.post("/api/moderation/warn", json=_body(people, marta, reason="x"))
    ).status_code == 401


async def test_logs_filtered_and_paged_for_managers_only(
    db_api: httpx.AsyncClient, people: People, sandbox: Sandbox, luis: int
) -> None:
    moderator = await login(db_api, sandbox.world.users[luis])
    ana = await login(db_api, people.owner)
    marta = people.member.id
    for reason in ("uno", "dos", "tres"):
        answer = await db_api.post(
            "/api/moderation/warn", json=_body(people, marta, reason=reason), headers=bearer(ana)
        )
        assert answer.status_code == 201
    await db_api.post(
        "/api/moderation/mute", json=_body(people, marta, duration=60), headers=bearer(moderator)
    )
    gid = people.guild_a.id

    async def logs(tokens: dict[str, Any], **params: Any) -> httpx.Response:
        return await db_api.get(
            "/api/moderation/logs", params={"guild_id": gid, **params}, headers=bearer(tokens)
        )

    everything = (await logs(ana)).json()
    first = (await logs(ana, limit=3)).json()
    rest = (await logs(ana, limit=3, cursor=first["next_cursor"])).json()
    warns = (await logs(ana, action="warn")).json()
    by_luis = (await logs(ana, moderator_id=luis)).json()
    future = (await logs(ana, since=(datetime.now(UTC) + timedelta(hours=1)).isoformat())).json()
    past = (await logs(ana, until=(datetime.now(UTC) - timedelta(hours=1)).isoformat())).json()

    assert [c["case_number"] for c in everything["items"]] == [4, 3, 2, 1]
    assert [c["reason"] for c in everything["items"][1:]] == ["tres", "dos", "uno"]
    assert [c["case_number"] for c in first["items"]] == [4, 3, 2]
    assert [c["case_number"] for c in rest["items"]] == [1]
    assert rest["next_cursor"] is None
    assert [c["case_number"] for c in warns["items"]] == [3, 2, 1]
    assert [c["action"] for c in by_luis["items"]] == ["mute"]
    assert future["items"] == [] and past["items"] == []

    marta_tokens = await login(db_api, people.member)
    assert (await logs(marta_tokens)).status_code == 403
    other_guild = await db_api.get(
        "/api/moderation/logs", params={"guild_id": people.guild_b.id}, headers=bearer(ana)
    )
    assert other_guild.status_code == 403
    missing_guild = await db_api.get("/api/moderation/logs", headers=bearer(ana))
    assert missing_guild.status_code == 400


async def test_a_ban_discord_refuses_leaves_no_case(
    db_api: httpx.AsyncClient, people: People, sandbox: Sandbox
) -> None:
    """The case of a ban is written before it (its member is DMed first): Discord's refusal undoes it."""
    sofia = next(u for u in sandbox.world.users.values() if u.username == "sofia")
    above_the_bot = sandbox.world.add_role(people.guild_a, "Encima del bot")
    people.guild_a.members[sofia.id].roles.append(above_the_bot.id)
    owner = await login(db_api, people.owner)

    refused = await db_api.post("/api/moderation/ban", json=_body(people, sofia.id), headers=bearer(owner))

    assert refused.status_code == 409, refused.text
    assert sofia.id not in people.guild_a.bans
    logs = await db_api.get(f"/api/moderation/logs?guild_id={people.guild_a.id}", headers=bearer(owner))
    assert logs.status_code == 200 and logs.json()["items"] == []
