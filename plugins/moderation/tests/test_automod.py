"""Automod end to end: the demo guild's members write messages through the real hikari client on the sandbox.

The demo guild: ana owns it, luis moderates (role at position 1), the bot's role is at position 2, and marta,
pablo and sofia are plain members. Each test switches automod on with one rule and checks what the bot did:
messages deleted, timeouts, kicks and bans in ``world.actions``, the cases in ``moderation_logs``.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import hikari
import pytest
import sqlalchemy as sa
from tatiana_moderation.cases import Action, GuildRef, Person, Source, open_case
from tatiana_moderation.core_tables import cases

from tatiana import Database
from tatiana.bot.app import TatianaBot
from tatiana.coordination.events import EVENTS_CHANNEL, EventKind, LiveEvent
from tatiana.testing import Sandbox, SandboxUser
from tatiana.testing.sandbox.driver_messages import send_message
from tatiana.testing.sandbox.world import Channel, Guild, Member, Message, Perm

T = TypeVar("T")


# --- helpers -----------------------------------------------------------------------------------------------


def member_named(sandbox: Sandbox, guild: Guild, username: str) -> Member:
    return next(m for m in guild.members.values() if sandbox.world.users[m.user_id].username == username)


def channel_named(guild: Guild, name: str) -> Channel:
    return next(c for c in guild.channels.values() if c.name == name)


def user(sandbox: Sandbox, guild: Guild, username: str, channel: str | None = None) -> SandboxUser:
    where = channel_named(guild, channel) if channel else None
    return SandboxUser(sandbox, guild, member_named(sandbox, guild, username), channel=where)


async def eventually(check: Callable[[], Awaitable[T | None] | T | None], timeout: float = 5.0) -> T:
    """Wait until ``check()`` returns something other than None or False; fail after ``timeout`` s."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = check()
        if inspect.isawaitable(result):
            result = await result
        if result is not None and result is not False:
            return result
        if asyncio.get_running_loop().time() > deadline:
            pytest.fail(f"not true within {timeout} s")
        await asyncio.sleep(0.01)


def deleted_ids(sandbox: Sandbox) -> list[int]:
    """The messages the bot deleted, in order."""
    return [a.data.get("message_id", 0) for a in sandbox.world.actions if a.kind == "message_delete"]


async def automod(bot: TatianaBot, guild: Guild, *, log: bool = True, **values: Any) -> Channel:
    """Switch automod on in the guild with ``values`` (rules as dicts); the mod-log channel."""
    mod_log = channel_named(guild, "mod-log")
    settings: dict[str, Any] = {"automod": {"enabled": True, **values}}
    if log:
        settings["mod_log_channel_id"] = str(mod_log.id)
    await bot.service.update_settings(guild.id, "moderation", settings)
    return mod_log


async def stored_cases(bot: TatianaBot, guild: Guild) -> list[tuple[int, str, int, int | None, str, str]]:
    """(number, action, member, moderator, source, reason) of every case of the guild."""
    async with bot.sessions() as session:
        rows = await session.execute(
            sa.select(
                cases.c.case_number,
                cases.c.action,
                cases.c.user_id,
                cases.c.moderator_id,
                cases.c.source,
                cases.c.reason,
            )
            .where(cases.c.guild_id == guild.id)
            .order_by(cases.c.case_number)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


async def cases_count(
    bot: TatianaBot, guild: Guild, count: int
) -> list[tuple[int, str, int, int | None, str, str]]:
    """The guild's cases, once there are ``count`` of them."""
    return await eventually(
        lambda: _if_count(bot, guild, count),
    )


async def _if_count(bot: TatianaBot, guild: Guild, count: int) -> list[Any] | None:
    found = await stored_cases(bot, guild)
    return found if len(found) >= count else None


async def settled(bot: TatianaBot, guild: Guild, sandbox: Sandbox, expected_cases: int) -> None:
    """Let the messages already sent be handled: a probe that breaks the caps rule, until its case is there."""
    probe = await user(sandbox, guild, "sofia", "bot-commands").send("PROBE MESSAGE WRITTEN IN CAPITALS")
    await eventually(lambda: probe.deleted or None)
    await cases_count(bot, guild, expected_cases + 1)
    await asyncio.sleep(0.05)


def in_log(sandbox: Sandbox, channel: Channel) -> list[Message]:
    return [m for m in sandbox.world.messages.get(channel.id, {}).values() if not m.deleted]


def dms(sandbox: Sandbox, member: Member) -> list[str]:
    channel = sandbox.world.dm_channel(member.user_id)
    return [m.content for m in sandbox.world.messages.get(channel.id, {}).values() if not m.deleted]


CAPS_PROBE = {"caps": {"enabled": True, "min_letters": 10, "max_percent": 70}}


# --- off, exemptions --------------------------------------------------------------------------------------


async def test_nothing_is_checked_while_automod_is_off(
    bot: TatianaBot, sandbox: Sandbox, guild: Guild
) -> None:
    marta = user(sandbox, guild, "marta")
    await bot.service.update_settings(
        guild.id, "moderation", {"automod": {"words": {"enabled": True, "words": ["idiot"]}}}
    )
    kept = await marta.send("you IDIOT")
    await asyncio.sleep(0.3)
    assert not kept.deleted and deleted_ids(sandbox) == []
    assert await stored_cases(bot, guild) == []


async def test_exempt_roles_and_channels_and_bots_are_not_checked(
    bot: TatianaBot, sandbox: Sandbox, guild: Guild
) -> None:
    moderator_role = next(r for r in guild.roles.values() if r.name == "Moderador")
    commands = channel_named(guild, "bot-commands")
    general = channel_named(guild, "general")
    await automod(
        bot,
        guild,
        exempt_role_ids=[str(moderator_role.id)],
        exempt_channel_ids=[str(general.id)],
        words={"enabled": True, "words": ["idiot"], "action": "delete"},
        **CAPS_PROBE,
    )
    made = await bot.app.rest.create_thread(general.id, hikari.ChannelType.GUILD_PUBLIC_THREAD, "chat")
    thread = sandbox.world.channels[int(made.id)]
    await eventually(lambda: bot.app.cache.get_thread(made.id))
    by_moderator = await user(sandbox, guild, "luis", "bot-commands").send("idiot")
    in_exempt_channel = await user(sandbox, guild, "marta", "general").send("idiot")
    in_its_thread = await user(sandbox, guild, "marta").send("idiot", channel=thread)
    by_bot = await send_message(sandbox, commands.id, sandbox.world.bot.id, "idiot")
    caught = await user(sandbox, guild, "pablo", "bot-commands").send("idiot")
    await eventually(lambda: caught.deleted or None)
    await settled(bot, guild, sandbox, 1)
    assert not by_moderator.deleted and not in_exempt_channel.deleted and not by_bot.deleted
    assert not in_its_thread.deleted, "a thread of an exempt channel is exempt"
    assert sorted(c[1:3] for c in await stored_cases(bot, guild)) == sorted(
        [
            ("delete", member_named(sandbox, guild, "pablo").user_id),
            ("delete", member_named(sandbox, guild, "sofia").user_id),
        ]
    )


# --- the word filter --------------------------------------------------------------------------------------


async def test_a_listed_word_in_disguise_is_deleted_warned_logged_and_told(
    bot: TatianaBot, sandbox: Sandbox, guild: Guild
) -> None:
    log = await automod(bot, guild, words={"enabled": True, "words": ["idiot", "go die"], "action": "warn"})
    marta = member_named(sandbox, guild, "marta")
    writer = user(sandbox, guild, "marta")
    innocent = await writer.send("idiotic ideas are welcome, and so are idiotas")
    bad = await writer.send("eres un 1d1ót")
    await eventually(lambda: bad.deleted or None)
    [case] = await cases_count(bot, guild, 1)
    assert case[:5] == (1, "warn", marta.user_id, None, "automod")
    assert case[5] == "Automod · una palabra no permitida: ||idiot||"
    assert not innocent.deleted, "whole words only"
    [entry] = await eventually(lambda: in_log(sandbox, log) or None)
    assert entry.embeds[0]["title"] == "Caso #1 · Advertencia"
    assert entry.embeds[0]["footer"]["text"] == "Por automoderación"
    [dm] = await eventually(lambda: dms(sandbox, marta) or None)
    assert dm.startswith("⚠️ Has recibido una advertencia en **Tatiana Dev**.")
    phrase = await writer.send("just g0   D1E")
    await eventually(lambda: phrase.deleted or None)
    assert (await cases_count(bot, guild, 2))[1][5].endswith("||go die||")


async def test_every_hit_is_a_moderation_alert_on_the_coordination_channel(
    bot: TatianaBot, sandbox: Sandbox, guild: Guild
) -> None:
    await automod(
        bot,
        guild,
        words={"enabled": True, "words": ["idiot"], "action": "warn"},
        escalation=[{"warnings": 2, "within_hours": 1, "action": "kick"}],
    )
    marta = member_named(sandbox, guild, "marta")
    general = channel_named(guild, "general")
    async with await bot.coordination.subscribe(EVENTS_CHANNEL) as events:
        await user(sandbox, guild, "marta").send("idiot")
        first = await events.get(timeout=5)
        await user(sandbox, guild, "marta").send("1d10t")
        second, third = await events.get(timeout=5), await events.get(timeout=5)
    alerts = [LiveEvent.from_message(m) for m in (first, second, third) if m is not None]
    assert [a.kind for a in alerts if a is not None] == [EventKind.MODERATION_ALERT] * 3
    data = [a.data for a in alerts if a is not None and a.guild_id == guild.id]
    assert data[0] == {
        "case": 1,
        "action": "warn",
        "source": "automod",
        "user_id": str(marta.user_id),
        "moderator_id": None,
        "reason": "Automod · una palabra no permitida: ||idiot||",
        "duration_seconds": None,
        "expires_at": None,
        "rule": "words",
        "details": {"word": "idiot"},
        "channel_id": str(general.id),
        "message_deleted": True,
    }
    assert [(d["action"], d["case"]) for d in data[1:]] == [("warn", 2), ("kick", 3)], "the escalation too"


# --- spam, duplicates, mentions, caps --------------------------------------------------------------------


async def test_spam_times_the_member_out_and_others_are_unaffected(
    bot: TatianaBot, sandbox: Sandbox, guild: Guild
) -> None:
    await automod(
        bot,
        guild,
        spam={
            "enabled": True,
            "max_messages": 3,
            "per_seconds": 10,
            "action": "timeout",
            "timeout_minutes": 15,
        },
    )
    pablo = member_named(sandbox, guild, "pablo")
    spammer = user(sandbox, guild, "pablo")
    calm = user(sandbox, guild, "sofia")
    sent = []
    for number in range(4):
        sent.append(await spammer.send(f"message {number}"))
        if number < 3:
            await calm.send(f"calm {number}")
    await eventually(lambda: any(m.deleted for m in sent) or None)
    [case] = await cases_count(bot, guild, 1)
    assert case[:5] == (1, "timeout", pablo.user_id, None, "automod")
    assert case[5] == "Automod · spam: 4 mensajes en 10 s"
    until = await eventually(lambda: pablo.communication_disabled_until)
    assert abs(until - (datetime.now(UTC) + timedelta(minutes=15))) < timedelta(seconds=10)
    [timeout] = [a for a in sandbox.world.actions if a.kind == "timeout"]
    assert timeout.reason == "Automod: Automod · spam: 4 mensajes en 10 s"
    assert sum(m.deleted for m in sent) == 1, "the message over the limit"
    assert member_named(sandbox, guild, "sofia").communication_disabled_until is None


async def test_duplicates_mentions_and_caps(bot: TatianaBot, sandbox: Sandbox, guild: Guild) -> None:
    await automod(
        bot,
        guild,
        duplicates={"enabled": True, "max_repeats": 2, "within_seconds": 60},
        mentions={"enabled": True, "max_mentions": 2, "action": "delete"},
        caps={"enabled": True, "min_letters": 8, "max_percent": 70},
    )
    marta = user(sandbox, guild, "marta")
    # Listeners run concurrently: which of the three is the third to be checked is not fixed.
    same = [
        await marta.send("Buy cheap coins"),
        await marta.send("buy cheap coins "),
        await marta.send("BUY cheap coins"),
    ]
    await eventually(lambda: any(m.deleted for m in same) or None)
    await cases_count(bot, guild, 1)
    ids = [member_named(sandbox, guild, n).user_id for n in ("pablo", "sofia", "luis")]
    two = await marta.send(f"hi <@{ids[0]}> <@{ids[1]}> <@{ids[0]}>")
    three = await marta.send(f"hi <@{ids[0]}> <@{ids[1]}> <@{ids[2]}>")
    await eventually(lambda: three.deleted or None)
    quiet = await marta.send("OK, see you at 5 PM in the NYC office")
    loud = await marta.send("WHY DOES NOBODY ANSWER ME")
    await eventually(lambda: loud.deleted or None)
    found = await cases_count(bot, guild, 3)
    assert sum(m.deleted for m in same) == 1
    assert sorted(c[5] for c in found) == [
        "Automod · 100 % de mayúsculas (como mucho 70 %)",
        "Automod · 3 menciones en un mensaje (como mucho 2)",
        "Automod · el mismo mensaje 3 veces en 60 s",
    ]
    assert {c[1] for c in found} == {"delete"}
    assert not two.deleted and not quiet.deleted


# --- invites, links, attachments --------------------------------------------------------------------------


async def test_invites_and_the_link_deny_and_allow_lists(
    bot: TatianaBot, sandbox: Sandbox, guild: Guild
) -> None:
    await automod(
        bot,
        guild,
        invites={"enabled": True},
        links={"enabled": True, "denied_domains": ["evil.com"], "allowed_domains": ["good.evil.com"]},
    )
    marta = user(sandbox, guild, "marta")
    invite = await marta.send("join us at discord.gg/abc123")
    denied = await marta.send("free stuff at https://www.EVIL.com/win and more")
    subdomain = await marta.send("see http://cdn.evil.com:8080/x")
    allowed = await marta.send("docs at https://good.evil.com/page")
    other = await marta.send("look https://example.org and notevil.com")
    await eventually(lambda: subdomain.deleted or None)
    reasons = sorted(c[5] for c in await cases_count(bot, guild, 3))
    assert reasons == [
        "Automod · un enlace a un sitio no permitido: cdn.evil.com",
        "Automod · un enlace a un sitio no permitido: evil.com",
        "Automod · una invitación a otro servidor: discord.gg/abc123",
    ]
    assert invite.deleted and denied.deleted and not allowed.deleted and not other.deleted

    await automod(
        bot, guild, links={"enabled": True, "allowed_only": True, "allowed_domains": ["youtube.com"]}
    )
    video = await marta.send("https://m.youtube.com/watch?v=1")
    elsewhere = await marta.send("https://example.org/page")
    await eventually(lambda: elsewhere.deleted or None)
    assert not video.deleted
    assert (await cases_count(bot, guild, 4))[3][5].endswith("example.org")


async def test_blocked_attachment_types(bot: TatianaBot, sandbox: Sandbox, guild: Guild) -> None:
    await automod(bot, guild, attachments={"enabled": True})
    general = channel_named(guild, "general")
    marta = member_named(sandbox, guild, "marta")

    def file(name: str) -> dict[str, Any]:
        number = sandbox.world.snowflake()
        url = f"{sandbox.rest_url}/attachments/{general.id}/{number}/{name}"
        return {"id": str(number), "filename": name, "size": 10, "url": url, "proxy_url": url}

    pdf = await send_message(sandbox, general.id, marta.user_id, "the notes", attachments=[file("notes.pdf")])
    exe = await send_message(sandbox, general.id, marta.user_id, "", attachments=[file("Notes.PDF.EXE")])
    await eventually(lambda: exe.deleted or None)
    [case] = await cases_count(bot, guild, 1)
    assert case[5] == "Automod · un tipo de archivo no permitido: Notes.PDF.EXE"
    assert not pdf.deleted


# --- kick, ban, escalation --------------------------------------------------------------------------------


async def test_kick_and_ban_tell_the_member_first(bot: TatianaBot, sandbox: Sandbox, guild: Guild) -> None:
    await automod(bot, guild, words={"enabled": True, "words": ["scam"], "action": "kick"})
    sofia = member_named(sandbox, guild, "sofia")
    kicked = await user(sandbox, guild, "sofia").send("best $cam ever")
    await eventually(lambda: sofia.user_id not in guild.members)
    assert kicked.deleted
    [dm] = dms(sandbox, sofia)
    assert dm.startswith("👢 Te han expulsado de **Tatiana Dev**.")
    [kick] = [a for a in sandbox.world.actions if a.kind == "kick"]
    assert kick.reason == "Automod: Automod · una palabra no permitida: ||scam||"

    await automod(bot, guild, words={"enabled": True, "words": ["scam"], "action": "ban"})
    pablo = member_named(sandbox, guild, "pablo")
    await user(sandbox, guild, "pablo").send("SCAM")
    await eventually(lambda: pablo.user_id in guild.bans)
    assert [c[1] for c in await cases_count(bot, guild, 2)] == ["kick", "ban"]


async def test_warnings_escalate_counted_from_stored_cases(
    bot: TatianaBot, sandbox: Sandbox, guild: Guild
) -> None:
    await automod(
        bot,
        guild,
        words={"enabled": True, "words": ["idiot"], "action": "warn"},
        escalation=[{"warnings": 3, "within_hours": 24, "action": "timeout", "timeout_minutes": 60}],
    )
    marta = member_named(sandbox, guild, "marta")
    db = Database(bot.sessions)
    # A warning from before a restart, and an older one outside the window that does not count.
    ref, person = GuildRef(guild.id, guild.name, guild.owner_id), Person(marta.user_id, "marta")
    for _ in range(2):
        await open_case(
            db, guild=ref, target=person, moderator=None, action=Action.WARN, source=Source.AUTOMOD
        )
    async with bot.sessions() as session, session.begin():
        await session.execute(
            sa.update(cases)
            .where(cases.c.guild_id == guild.id, cases.c.case_number == 1)
            .values(created_at=datetime.now(UTC) - timedelta(hours=30))
        )
    writer = user(sandbox, guild, "marta")
    await writer.send("idiot")
    await cases_count(bot, guild, 3)
    await asyncio.sleep(0.2)
    assert [c[1] for c in await stored_cases(bot, guild)] == ["warn"] * 3, "2 warnings within 24 h"
    assert marta.communication_disabled_until is None

    await writer.send("IDIOT!!")
    found = await cases_count(bot, guild, 5)
    assert [c[1] for c in found] == ["warn", "warn", "warn", "warn", "timeout"]
    assert found[4][5] == "Escalada del automod: 3 advertencias del automod en 24 h"
    until = await eventually(lambda: marta.communication_disabled_until)
    assert abs(until - (datetime.now(UTC) + timedelta(hours=1))) < timedelta(seconds=10)


# --- refusals ---------------------------------------------------------------------------------------------


async def test_members_the_bot_cannot_act_on_only_lose_the_message(
    bot: TatianaBot, sandbox: Sandbox, guild: Guild
) -> None:
    world = sandbox.world
    await automod(bot, guild, words={"enabled": True, "words": ["idiot"], "action": "ban"})
    veteran = world.add_role(guild, "Veteran", position=3)
    marta = member_named(sandbox, guild, "marta")
    marta.roles.append(veteran.id)
    by_owner = await SandboxUser(sandbox, guild, guild.members[guild.owner_id]).send("idiot")
    by_veteran = await user(sandbox, guild, "marta").send("idiot")
    await eventually(lambda: (by_owner.deleted and by_veteran.deleted) or None)
    found = await cases_count(bot, guild, 2)
    reasons = sorted(c[5] for c in found)
    assert {c[1] for c in found} == {"delete"}
    assert reasons == [
        "Automod · una palabra no permitida: ||idiot|| (no baneado: es el dueño del servidor)",
        "Automod · una palabra no permitida: ||idiot|| (no baneado: su rol más alto no está por debajo del mío)",
    ]
    assert guild.bans == {}


async def test_what_discord_refuses_falls_back_to_deleting_and_logging(
    bot: TatianaBot, sandbox: Sandbox, guild: Guild
) -> None:
    bot_role = next(r for r in guild.roles.values() if r.managed)
    bot_role.permissions &= ~Perm.MODERATE_MEMBERS
    await automod(bot, guild, words={"enabled": True, "words": ["idiot"], "action": "timeout"})
    pablo = member_named(sandbox, guild, "pablo")
    bad = await user(sandbox, guild, "pablo").send("idiot")
    [case] = await cases_count(bot, guild, 1)
    assert bad.deleted and pablo.communication_disabled_until is None
    assert case[1] == "delete" and case[5].endswith("(no aislado: Discord lo rechazó, me falta un permiso)")

    bot_role.permissions &= ~Perm.MANAGE_MESSAGES
    kept = await user(sandbox, guild, "pablo").send("idiot again")
    found = await cases_count(bot, guild, 2)
    assert not kept.deleted, "the bot may not delete it: the case is still opened"
    assert found[1][1] == "delete"
