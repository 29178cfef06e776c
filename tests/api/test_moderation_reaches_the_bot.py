"""A case made through the API is posted in the guild's mod-log and DMed to the member by the bot serving the
guild, as a command's case is: the API and the bot share only the database and the coordination channel. A member
the API bans is DMed before the ban: the sandbox, like Discord, refuses a DM to a user who shares no server with
the bot, so a DM delivered is a DM sent first."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager

import hikari
import httpx
import pytest
import sqlalchemy as sa

from tatiana.api.moderation_routes import DM_BEFORE_BAN
from tatiana.bot.app import TatianaBot
from tatiana.coordination import EVENTS_CHANNEL, Coordination, MemoryCoordination
from tatiana.db.models import ModerationLog
from tatiana.settings import Settings
from tatiana.shards.redis_coordination import RedisCoordination
from tatiana.testing.harness import sandbox_bot
from tatiana.testing.sandbox.server import Sandbox
from tatiana.testing.sandbox.world import Channel, Message

from .bot_api import bot_app, write_guild_rows
from .conftest import People, bearer, login, serving

QUIET = 1.0  # seconds without a post after which nothing more is expected (a post takes milliseconds)
BAN_DM = "🔨 Te han baneado de **Tatiana Dev**. Motivo: raid"


def users(sandbox: Sandbox) -> dict[str, int]:
    return {u.username: u.id for u in sandbox.world.users.values()}


def mod_log(people: People) -> Channel:
    return next(c for c in people.guild_a.channels.values() if c.name == "mod-log")


def posted(sandbox: Sandbox, channel: Channel) -> list[Message]:
    """The channel's messages everyone sees."""
    found = sandbox.world.messages.get(channel.id, {}).values()
    return [m for m in found if not m.deleted and not m.flags & hikari.MessageFlag.EPHEMERAL]


def dms(sandbox: Sandbox, user_id: int) -> list[Message]:
    return posted(sandbox, sandbox.world.dm_channel(user_id))


def told(sandbox: Sandbox) -> int:
    """The DMs marta (warned, muted) and sofia (banned) got."""
    who = users(sandbox)
    return len(dms(sandbox, who["marta"])) + len(dms(sandbox, who["sofia"]))


async def until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "not within the time"
        await asyncio.sleep(0.02)


async def still(count: Callable[[], int]) -> int:
    """``count()`` once it stayed the same for QUIET seconds."""
    before = count()
    await asyncio.sleep(QUIET)
    assert count() == before, "something more arrived"
    return before


@asynccontextmanager
async def api_and_bots(
    settings: Settings,
    sandbox: Sandbox,
    people: People,
    coordinations: list[Coordination],
    *,
    shard_count: int | None = None,
) -> AsyncIterator[tuple[httpx.AsyncClient, list[TatianaBot]]]:
    """The API on the first coordination, and a bot with the moderation plugin on each of the others (with
    ``shard_count``, bot ``i`` holds shard ``i``)."""
    assert settings.database_url is not None
    await write_guild_rows(settings, people)
    async with AsyncExitStack() as stack:
        bots = []
        for index, coordination in enumerate(coordinations[1:]):
            bot = sandbox_bot(
                sandbox,
                settings.database_url,
                plugins=["moderation"],
                coordination=coordination,
                shard_ids=[index] if shard_count else None,
                shard_count=shard_count,
            )
            bots.append(await stack.enter_async_context(bot))
        client = await stack.enter_async_context(serving(bot_app(settings, sandbox, coordinations[0])))
        yield client, bots


async def set_mod_log(bots: list[TatianaBot], people: People, **values: object) -> Channel:
    """Make the demo guild's mod-log channel the mod-log (with other settings), known to every bot."""
    log = mod_log(people)
    guild_id = people.guild_a.id
    await bots[0].service.update_settings(
        guild_id, "moderation", {"mod_log_channel_id": str(log.id), **values}
    )

    def known(bot: TatianaBot) -> bool:
        cached = bot.service.settings_cached(guild_id, "moderation")
        return cached is None or getattr(cached, "mod_log_channel_id", None) == log.id

    await until(lambda: all(known(bot) for bot in bots))
    return log


class Acted(list[dict[str, object]]):
    """The cases an ``act`` made, and how long its ban took to answer."""

    ban_seconds: float


async def act(client: httpx.AsyncClient, people: People, sandbox: Sandbox) -> Acted:
    """luis warns and mutes marta, and bans sofia, through the API; the three cases (and the ban's time)."""
    who = users(sandbox)
    tokens = bearer(await login(client, sandbox.world.users[who["luis"]]))
    guild = str(people.guild_a.id)
    answers = [
        await client.post(
            "/api/moderation/warn",
            json={"guild_id": guild, "user_id": str(who["marta"]), "reason": "spam"},
            headers=tokens,
        ),
        await client.post(
            "/api/moderation/mute",
            json={"guild_id": guild, "user_id": str(who["marta"]), "duration": 600, "reason": "calm"},
            headers=tokens,
        ),
    ]
    started = time.monotonic()
    answers.append(
        await client.post(
            "/api/moderation/ban",
            json={"guild_id": guild, "user_id": str(who["sofia"]), "reason": "raid"},
            headers=tokens,
        )
    )
    took = time.monotonic() - started
    assert [a.status_code for a in answers] == [201, 201, 201], [a.text for a in answers]
    assert who["sofia"] in people.guild_a.bans and who["sofia"] not in people.guild_a.members
    acted = Acted(a.json() for a in answers)
    acted.ban_seconds = took
    return acted


async def test_api_cases_are_posted_in_the_mod_log_and_dmed_once(
    settings: Settings, sandbox: Sandbox, people: People, coordination: MemoryCoordination
) -> None:
    who = users(sandbox)
    async with api_and_bots(settings, sandbox, people, [coordination, coordination]) as (client, [bot]):
        log = await set_mod_log([bot], people)
        acted = await act(client, people, sandbox)

        await until(lambda: len(posted(sandbox, log)) + told(sandbox) >= 6)  # posts and DMs, in any order
        assert await still(lambda: len(posted(sandbox, log)) + told(sandbox)) == 6

        entries = posted(sandbox, log)
        assert [e.embeds[0]["title"] for e in entries] == [
            "Caso #1 · Advertencia",
            "Caso #2 · Aislamiento",
            "Caso #3 · Baneo",
        ]
        assert {e.embeds[0]["footer"]["text"] for e in entries} == {"Desde el panel"}
        fields = {f["name"]: f["value"] for f in entries[1].embeds[0]["fields"]}
        assert fields["Miembro"] == f"<@{who['marta']}> (`{who['marta']}`)"
        assert fields["Moderador"] == f"<@{who['luis']}>"
        assert fields["Duración"] == "10m" and fields["Motivo"] == "calm"
        assert [m.content for m in dms(sandbox, who["marta"])] == [
            "⚠️ Has recibido una advertencia en **Tatiana Dev**. Motivo: spam",
            "🔇 Te han aislado en **Tatiana Dev**. Motivo: calm\nDuración: 10m",
        ]
        # Told before the ban (after it, sofia would share no server with the bot: the DM would be refused),
        # and the ban waited for no more than that.
        assert [m.content for m in dms(sandbox, who["sofia"])] == [BAN_DM]
        assert acted.ban_seconds < DM_BEFORE_BAN
        async with bot.sessions() as session:
            remembered = list(await session.scalars(sa.select(ModerationLog.log_message_id).order_by("id")))
        assert remembered == [e.id for e in entries], "each post remembered on its case, to edit it later"


async def test_without_dms_only_the_mod_log_hears_of_it(
    settings: Settings, sandbox: Sandbox, people: People, coordination: MemoryCoordination
) -> None:
    async with api_and_bots(settings, sandbox, people, [coordination, coordination]) as (client, [bot]):
        log = await set_mod_log([bot], people, dm_on_action=False)
        acted = await act(client, people, sandbox)

        await until(lambda: len(posted(sandbox, log)) >= 3)
        assert await still(lambda: len(posted(sandbox, log))) == 3
        assert told(sandbox) == 0
        assert acted.ban_seconds < DM_BEFORE_BAN, "the bot answers at once when it sends no DM"


async def test_nothing_is_posted_where_moderation_is_off(
    settings: Settings, sandbox: Sandbox, people: People, coordination: MemoryCoordination
) -> None:
    async with api_and_bots(settings, sandbox, people, [coordination, coordination]) as (client, [bot]):
        log = await set_mod_log([bot], people)
        await bot.service.disable(people.guild_a.id, "moderation")
        cases = await act(client, people, sandbox)

        assert [c["case_number"] for c in cases] == [1, 2, 3], "the API still acts and records"
        assert await still(lambda: len(posted(sandbox, log)) + told(sandbox)) == 0
        # No bot answers: the ban waited for it, no longer than the bound.
        assert DM_BEFORE_BAN - 0.1 < cases.ban_seconds < DM_BEFORE_BAN + 1.5


@pytest.mark.redis
async def test_through_redis_only_the_process_holding_the_guild_posts(
    settings: Settings, sandbox: Sandbox, people: People, redis_url: str, redis_namespace: str
) -> None:
    coordinations: list[Coordination] = [RedisCoordination(redis_url, redis_namespace) for _ in range(3)]
    try:
        async with api_and_bots(settings, sandbox, people, coordinations, shard_count=2) as (client, bots):
            log = await set_mod_log(bots, people)

            acted = await act(client, people, sandbox)
            await until(lambda: len(posted(sandbox, log)) + told(sandbox) >= 6)  # posts and DMs, in any order
            assert await still(lambda: len(posted(sandbox, log)) + told(sandbox)) == 6
            assert [m.content for m in dms(sandbox, users(sandbox)["sofia"])] == [BAN_DM]
            assert acted.ban_seconds < DM_BEFORE_BAN
    finally:
        for coordination in coordinations:
            await coordination.close()


@pytest.mark.parametrize("case", [("warn", "marta", "spam"), ("ban", "sofia", "raid")], ids=["warn", "ban"])
async def test_an_alert_heard_again_is_not_told_again(
    settings: Settings,
    sandbox: Sandbox,
    people: People,
    coordination: MemoryCoordination,
    case: tuple[str, str, str],
) -> None:
    action, target, reason = case
    who = users(sandbox)
    async with api_and_bots(settings, sandbox, people, [coordination, coordination]) as (client, [bot]):
        log = await set_mod_log([bot], people)
        tokens = bearer(await login(client, sandbox.world.users[who["luis"]]))
        async with await coordination.subscribe(EVENTS_CHANNEL) as events:
            answer = await client.post(
                f"/api/moderation/{action}",
                json={"guild_id": str(people.guild_a.id), "user_id": str(who[target]), "reason": reason},
                headers=tokens,
            )
            alert = await events.get(timeout=5)
        assert answer.status_code == 201 and alert is not None
        # A ban's member is told before the ban (``dm_first``); a warning's after it is recorded.
        assert alert.data["data"].get("dm_first", False) is (action == "ban")
        for _ in range(2):  # delivered again at once, while the first is being told
            await coordination.publish(EVENTS_CHANNEL, alert.data)

        told_once = lambda: len(posted(sandbox, log)) + len(dms(sandbox, who[target]))  # noqa: E731
        await until(lambda: told_once() >= 2)  # the post and the DM, in either order
        assert await still(told_once) == 2
        if action == "ban":
            assert [m.content for m in dms(sandbox, who[target])] == [BAN_DM]
