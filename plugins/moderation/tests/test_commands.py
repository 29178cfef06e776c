"""The moderation commands run by the demo guild's people through the real hikari client, on the sandbox.

The demo guild: ana owns it, luis moderates (a role at position 1 that may kick, ban, time out and manage
messages), the bot's role is at position 2, and marta, pablo and sofia are plain members.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import hikari
import pytest
import sqlalchemy as sa
from tatiana_moderation.core_tables import cases

from tatiana.bot.app import TatianaBot
from tatiana.coordination import EVENTS_CHANNEL, EventKind, LiveEvent
from tatiana.db.models import Guild as GuildRow
from tatiana.testing import Sandbox, SandboxUser
from tatiana.testing.sandbox import rest
from tatiana.testing.sandbox.world import Channel, Guild, Member, Message, Overwrite, Perm, User

ANSWER = "POST /interactions/{interaction_id}/{interaction_token}/callback"
FOLLOWUP = "POST /webhooks/{webhook_id}/{webhook_token}"


def member_named(sandbox: Sandbox, guild: Guild, username: str) -> Member:
    return next(m for m in guild.members.values() if sandbox.world.users[m.user_id].username == username)


def user_named(sandbox: Sandbox, username: str) -> User:
    return next(u for u in sandbox.world.users.values() if u.username == username)


def channel_named(guild: Guild, name: str) -> Channel:
    return next(c for c in guild.channels.values() if c.name == name)


def messages_in(sandbox: Sandbox, channel: Channel) -> list[Message]:
    """The channel's messages everyone sees (not deleted, not ephemeral answers)."""
    found = sandbox.world.messages.get(channel.id, {}).values()
    return [m for m in found if not m.deleted and not m.flags & hikari.MessageFlag.EPHEMERAL]


def routes_since(sandbox: Sandbox, before: Counter[tuple[str, int]]) -> set[str]:
    return {route for route, _ in rest.state(sandbox).calls - before}


def fields(message: Message) -> dict[str, str]:
    [embed] = message.embeds
    return {f["name"]: f["value"] for f in embed.get("fields", [])}


async def use_language(bot: TatianaBot, guild: Guild, language: str) -> None:
    """Make ``language`` the guild's language, as the dashboard does."""
    async with bot.sessions() as session, session.begin():
        row = await session.scalar(sa.select(GuildRow).where(GuildRow.discord_id == guild.id))
        if row is None:
            session.add(GuildRow(discord_id=guild.id, name=guild.name, language=language))
        else:
            row.language = language
    bot.languages.forget(guild.id)


async def with_mod_log(bot: TatianaBot, guild: Guild, **settings: object) -> Channel:
    log = channel_named(guild, "mod-log")
    await bot.service.update_settings(guild.id, "moderation", {"mod_log_channel_id": str(log.id), **settings})
    return log


async def stored_cases(bot: TatianaBot, guild: Guild) -> list[tuple[int, str, int, int | None]]:
    async with bot.sessions() as session:
        rows = await session.execute(
            sa.select(cases.c.case_number, cases.c.action, cases.c.user_id, cases.c.moderator_id)
            .where(cases.c.guild_id == guild.id)
            .order_by(cases.c.case_number)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


# --- /warn -------------------------------------------------------------------------------------------------


async def test_warn_opens_a_case_tells_the_member_logs_it_and_announces_it(
    bot: TatianaBot, sandbox: Sandbox, guild: Guild, moderator: SandboxUser
) -> None:
    await use_language(bot, guild, "en")
    log = await with_mod_log(bot, guild)
    marta = member_named(sandbox, guild, "marta")
    reply = await moderator.slash("warn", member=marta, reason="  spam in #general  ")

    assert reply.deferred and not reply.ephemeral, "acknowledged at once, in public"
    assert reply.content == f"⚠️ <@{marta.user_id}> has been warned (case #1). Reason: spam in #general"
    [dm] = messages_in(sandbox, sandbox.world.dm_channel(marta.user_id))
    assert dm.content == "⚠️ You have received a warning in **Tatiana Dev**. Reason: spam in #general"
    [entry] = messages_in(sandbox, log)
    assert entry.embeds[0]["title"] == "Case #1 · Warning"
    assert fields(entry) == {
        "Member": f"<@{marta.user_id}> (`{marta.user_id}`)",
        "Moderator": f"<@{moderator.user.id}>",
        "Reason": "spam in #general",
    }
    assert entry.embeds[0]["footer"]["text"] == "By command"
    assert reply.message_id is not None and reply.message_id < min(dm.id, entry.id), "deferred first"
    assert reply.followups == [], "the notice is the answer itself"
    assert await stored_cases(bot, guild) == [(1, "warn", marta.user_id, moderator.user.id)]
    async with bot.sessions() as session:
        assert await session.scalar(sa.select(cases.c.log_message_id)) == entry.id, "kept to edit the post"


async def test_warn_reports_what_discord_refused_to_the_moderator_only(
    bot: TatianaBot, sandbox: Sandbox, guild: Guild, moderator: SandboxUser
) -> None:
    world = sandbox.world
    log = await with_mod_log(bot, guild)
    log.overwrites[world.bot.id] = Overwrite(id=world.bot.id, type=1, deny=Perm.VIEW_CHANNEL)
    pablo = member_named(sandbox, guild, "pablo")
    world.users[pablo.user_id].accepts_dms = False
    reply = await moderator.slash("warn", member=pablo, reason="flood")

    assert reply.content == f"⚠️ <@{pablo.user_id}> ha recibido una advertencia (caso #1). Motivo: flood"
    [problems] = await reply.wait_followup(1)
    assert problems.flags & hikari.MessageFlag.EPHEMERAL
    assert "no acepta mensajes directos del bot" in problems.content
    assert f"registro de moderación <#{log.id}>" in problems.content
    assert messages_in(sandbox, log) == []
    assert await stored_cases(bot, guild) == [(1, "warn", pablo.user_id, moderator.user.id)], (
        "the case stands"
    )


async def test_without_notices_dms_or_log_only_the_moderator_hears_of_it(
    bot: TatianaBot, sandbox: Sandbox, guild: Guild, moderator: SandboxUser
) -> None:
    await use_language(bot, guild, "en")
    await bot.service.update_settings(guild.id, "moderation", {"dm_on_action": False, "public_notice": False})
    sofia = member_named(sandbox, guild, "sofia")
    before = rest.state(sandbox).calls.copy()
    reply = await moderator.slash("warn", member=sofia, reason="off-topic")
    assert routes_since(sandbox, before) == {ANSWER, FOLLOWUP}, "no DM, no log entry"
    assert reply.deferred and reply.ephemeral
    assert reply.content == f"⚠️ <@{sofia.user_id}> has been warned (case #1). Reason: off-topic"


async def test_refusals_name_the_reason_and_touch_nothing(
    bot: TatianaBot, sandbox: Sandbox, guild: Guild, moderator: SandboxUser, owner: SandboxUser
) -> None:
    await use_language(bot, guild, "en")
    world = sandbox.world
    marta = member_named(sandbox, guild, "marta")
    veteran = world.add_role(guild, "Veteran", position=3)
    marta.roles.append(veteran.id)
    before = rest.state(sandbox).calls.copy()
    answers = [
        await moderator.slash("warn", member=world.users[moderator.user.id], reason="test"),
        await moderator.slash("kick", member=world.bot),
        await moderator.slash("warn", member=world.bot, reason="test"),
        await moderator.slash("ban", member=world.users[guild.owner_id]),
        await moderator.slash("timeout", member=marta, duration="1h"),
        await owner.slash("kick", member=marta),
    ]
    assert [a.content for a in answers] == [
        "You can't take a moderation action against yourself.",
        "I can't take a moderation action against myself.",
        f"<@{world.bot.id}> is a bot: bots can't be warned.",
        f"<@{guild.owner_id}> owns the server: no moderation action applies to them.",
        f"<@{marta.user_id}>'s highest role is not below yours.",
        f"<@{marta.user_id}>'s highest role is not below mine: move my role above theirs first.",
    ]
    assert all(a.ephemeral and not a.deferred for a in answers)
    # The role was made behind the bot's back (no GUILD_ROLE_CREATE): its position is read over REST.
    assert routes_since(sandbox, before) == {ANSWER, "GET /guilds/{guild_id}/roles"}, "no DM, action or log"
    assert await stored_cases(bot, guild) == []


async def test_a_missing_bot_permission_is_named(
    bot: TatianaBot, sandbox: Sandbox, guild: Guild, moderator: SandboxUser
) -> None:
    bot_role = next(r for r in guild.roles.values() if r.managed)
    bot_role.permissions &= ~(Perm.BAN_MEMBERS | Perm.MODERATE_MEMBERS)
    pablo = member_named(sandbox, guild, "pablo")
    spanish = await moderator.slash("ban", member=pablo)
    await use_language(bot, guild, "en")
    english = await moderator.slash("timeout", member=pablo, duration="10m")
    assert spanish.content == "Necesito el permiso **Banear miembros** aquí para hacerlo."
    assert english.content == "I need the permission **Timeout Members** here to do that."
    assert pablo.user_id in guild.members and pablo.communication_disabled_until is None


# --- /timeout, /untimeout ----------------------------------------------------------------------------------


async def test_timeout_silences_until_the_end_and_untimeout_lifts_it(
    bot: TatianaBot, sandbox: Sandbox, guild: Guild, moderator: SandboxUser
) -> None:
    await use_language(bot, guild, "en")
    log = await with_mod_log(bot, guild)
    pablo = member_named(sandbox, guild, "pablo")
    reply = await moderator.slash("timeout", member=pablo, duration="1h30m", reason="insults")
    assert reply.content == f"🔇 <@{pablo.user_id}> is timed out for 1h 30m (case #1). Reason: insults"
    until = pablo.communication_disabled_until
    assert until is not None
    assert abs(until - (datetime.now(UTC) + timedelta(minutes=90))) < timedelta(seconds=10)
    [timeout] = [a for a in sandbox.world.actions if a.kind == "timeout"]
    assert timeout.reason == "luis: insults", "the audit log says who and why"
    [dm] = messages_in(sandbox, sandbox.world.dm_channel(pablo.user_id))
    assert dm.content == "🔇 You have been timed out in **Tatiana Dev**. Reason: insults\nDuration: 1h 30m"
    entry = fields(messages_in(sandbox, log)[0])
    assert entry["Duration"] == "1h 30m" and entry["Ends"] == f"<t:{int(until.timestamp())}:R>"

    lifted = await moderator.slash("untimeout", member=pablo)
    assert lifted.content == f"🔊 <@{pablo.user_id}> can talk again (case #2)."
    assert pablo.communication_disabled_until is None
    again = await moderator.slash("untimeout", member=pablo)
    assert again.ephemeral and again.content == f"<@{pablo.user_id}> is not timed out."
    assert [c[1] for c in await stored_cases(bot, guild)] == ["timeout", "untimeout"]
    async with bot.sessions() as session:
        active = await session.scalar(sa.select(cases.c.is_active).where(cases.c.case_number == 1))
    assert active is False, "the timeout's case is closed"


@pytest.mark.parametrize(
    ("duration", "answer"),
    [
        ("29d", "`29d` is too long: at most 28d."),
        ("soon", "`soon` is not a duration: write it like 10m, 2h, 7d or 1h30m."),
        ("0m", "`0m` is not a duration: write it like 10m, 2h, 7d or 1h30m."),
    ],
)
async def test_timeout_refuses_a_bad_duration(
    bot: TatianaBot, guild: Guild, moderator: SandboxUser, duration: str, answer: str
) -> None:
    await use_language(bot, guild, "en")
    sofia = member_named(moderator.sandbox, guild, "sofia")
    reply = await moderator.slash("timeout", member=sofia, duration=duration)
    assert reply.ephemeral and reply.content == answer
    assert sofia.communication_disabled_until is None


async def test_what_discord_refuses_is_told_and_opens_no_case(
    bot: TatianaBot, sandbox: Sandbox, guild: Guild, moderator: SandboxUser
) -> None:
    await use_language(bot, guild, "en")
    marta = member_named(sandbox, guild, "marta")
    # Below everyone in the role order, but Discord times out no administrator.
    admins = sandbox.world.add_role(guild, "Admins", permissions=Perm.ADMINISTRATOR, position=0)
    marta.roles.append(admins.id)
    reply = await moderator.slash("timeout", member=marta, duration="1h")
    assert reply.deferred, "the checks passed: it was Discord that refused"
    assert reply.content == (
        f"Discord refused the action on <@{marta.user_id}>: I lack a permission or my role is too low."
    )
    assert marta.communication_disabled_until is None
    assert messages_in(sandbox, sandbox.world.dm_channel(marta.user_id)) == []
    assert await stored_cases(bot, guild) == []


# --- /kick, /ban, /unban -----------------------------------------------------------------------------------


async def test_kick_tells_the_member_first_then_removes_them(
    bot: TatianaBot, sandbox: Sandbox, guild: Guild, moderator: SandboxUser
) -> None:
    log = await with_mod_log(bot, guild)
    sofia = member_named(sandbox, guild, "sofia")
    reply = await moderator.slash("kick", member=sofia, reason="raid")
    assert reply.content == f"👢 <@{sofia.user_id}> ha sido expulsado (caso #1). Motivo: raid"
    assert sofia.user_id not in guild.members
    [dm] = messages_in(sandbox, sandbox.world.dm_channel(sofia.user_id))
    assert dm.content == "👢 Te han expulsado de **Tatiana Dev**. Motivo: raid"
    [kick] = [a for a in sandbox.world.actions if a.kind == "kick"]
    assert dm.timestamp <= kick.at, "told while still sharing the server"
    assert messages_in(sandbox, log)[0].embeds[0]["title"] == "Caso #1 · Expulsión"


async def test_ban_deletes_recent_messages_and_unban_lifts_it(
    bot: TatianaBot, sandbox: Sandbox, guild: Guild, moderator: SandboxUser
) -> None:
    await use_language(bot, guild, "en")
    marta = member_named(sandbox, guild, "marta")
    spam = await SandboxUser(sandbox, guild, marta).send("buy cheap coins")
    reply = await moderator.slash("ban", member=marta, delete_messages="1d", reason="scam")
    assert reply.content == f"🔨 <@{marta.user_id}> has been banned (case #1). Reason: scam"
    assert guild.bans == {marta.user_id: "luis: scam"}
    [ban] = [a for a in sandbox.world.actions if a.kind == "ban"]
    assert ban.data["delete_message_seconds"] == 86400 and ban.data["deleted_message_ids"] == [spam.id]

    lifted = await moderator.slash("unban", user=sandbox.world.users[marta.user_id], reason="appeal")
    assert lifted.content == f"✅ <@{marta.user_id}> is no longer banned (case #2). Reason: appeal"
    assert guild.bans == {}
    not_banned = await moderator.slash("unban", user=sandbox.world.users[marta.user_id])
    assert not_banned.content == f"<@{marta.user_id}> is not banned."
    assert [c[1] for c in await stored_cases(bot, guild)] == ["ban", "unban"]


async def test_ban_of_a_user_who_left_works_by_id_and_a_bad_window_is_refused(
    bot: TatianaBot, sandbox: Sandbox, guild: Guild, moderator: SandboxUser
) -> None:
    await use_language(bot, guild, "en")
    troll = sandbox.world.add_user("troll")
    not_here = await moderator.slash("kick", member=troll)
    assert not_here.ephemeral and not_here.content == f"<@{troll.id}> is not a member of this server."
    unwarned = await moderator.slash("warn", member=troll, reason="raid")
    assert unwarned.content == f"<@{troll.id}> is not a member of this server."
    too_much = await moderator.slash("ban", member=troll, delete_messages="8d")
    assert too_much.content == "`8d` is too long: at most 7d."
    reply = await moderator.slash("ban", member=troll, reason="raider")
    assert reply.content.startswith(f"🔨 <@{troll.id}> has been banned (case #1)")
    assert troll.id in guild.bans
    assert messages_in(sandbox, sandbox.world.dm_channel(troll.id)) == [], (
        "no DM to someone not in the server"
    )


# --- /purge, /slowmode, /lock, /unlock ---------------------------------------------------------------------


async def test_purge_deletes_the_last_messages_of_a_member_or_of_everyone(
    bot: TatianaBot, sandbox: Sandbox, guild: Guild, moderator: SandboxUser
) -> None:
    await use_language(bot, guild, "en")
    general = moderator.channel
    marta = SandboxUser(sandbox, guild, member_named(sandbox, guild, "marta"))
    pablo = SandboxUser(sandbox, guild, member_named(sandbox, guild, "pablo"))
    kept = await pablo.send("hello")
    spam = [await marta.send(f"spam {i}") for i in range(4)]
    by_pablo = await pablo.send("stop it")
    reply = await moderator.slash("purge", count=3, member=marta.user)
    assert reply.ephemeral and reply.content == "🧹 Deleted 3 messages."
    assert [m.id for m in messages_in(sandbox, general)] == [kept.id, spam[0].id, by_pablo.id]
    everyone = await moderator.slash("purge", count=2)
    assert everyone.content == "🧹 Deleted 2 messages."
    assert [m.id for m in messages_in(sandbox, general)] == [kept.id]
    async with bot.sessions() as session:
        purges = (await session.execute(sa.select(cases.c.user_id, cases.c.channel_id, cases.c.reason))).all()
    assert [tuple(row) for row in purges] == [
        (None, general.id, f"3 messages of <@{marta.user.id}> deleted"),
        (None, general.id, "2 messages deleted"),
    ], "a channel's case names the channel, not a member"


async def test_slowmode_lock_and_unlock_change_the_channel(
    bot: TatianaBot, sandbox: Sandbox, guild: Guild, owner: SandboxUser
) -> None:
    await use_language(bot, guild, "en")
    log = await with_mod_log(bot, guild)
    general = owner.channel
    slow = await owner.slash("slowmode", delay="30s")
    assert (
        slow.content == f"🐢 Slowmode in <#{general.id}>: one message every 30s."
        and general.rate_limit_per_user == 30
    )
    too_slow = await owner.slash("slowmode", delay="7h")
    assert too_slow.content == "`7h` is too long: at most 6h." and general.rate_limit_per_user == 30
    off = await owner.slash("slowmode", delay="off")
    assert off.content == f"Slowmode is off in <#{general.id}>." and general.rate_limit_per_user == 0

    other = channel_named(guild, "bot-commands")
    marta = SandboxUser(sandbox, guild, member_named(sandbox, guild, "marta"), channel=other)
    other.overwrites[guild.id] = Overwrite(id=guild.id, type=0, allow=Perm.ADD_REACTIONS)
    locked = await owner.slash("lock", channel=other)
    assert locked.content == f"🔒 <#{other.id}> is locked: members can't send messages."
    assert other.overwrites[guild.id].deny == Perm.SEND_MESSAGES
    assert other.overwrites[guild.id].allow == Perm.ADD_REACTIONS, "the other overwrites stay"
    assert not sandbox.world.channel_permissions(other, marta.user.id) & Perm.SEND_MESSAGES
    again = await owner.slash("lock", channel=other)
    assert again.ephemeral and again.content == f"<#{other.id}> is already locked."
    unlocked = await owner.slash("unlock", channel=other)
    assert unlocked.content == f"🔓 <#{other.id}> is unlocked."
    assert other.overwrites[guild.id].deny == 0 and other.overwrites[guild.id].allow == Perm.ADD_REACTIONS
    assert sandbox.world.channel_permissions(other, marta.user.id) & Perm.SEND_MESSAGES

    locked_general = await owner.slash("lock")
    assert locked_general.content.startswith(f"🔒 <#{general.id}>")
    await owner.slash("unlock")
    assert guild.id not in general.overwrites, "an overwrite left empty is removed"

    posts = messages_in(sandbox, log)
    assert [p.embeds[0]["title"] for p in posts] == [
        "Case #1 · Slowmode",
        "Case #2 · Slowmode",
        "Case #3 · Channel locked",
        "Case #4 · Channel unlocked",
        "Case #5 · Channel locked",
        "Case #6 · Channel unlocked",
    ], "refused attempts open no case"
    assert fields(posts[0])["Channel"] == f"<#{general.id}>" and fields(posts[0])["Duration"] == "30s"
    assert fields(posts[1])["Reason"] == "Slowmode turned off"
    assert fields(posts[2])["Channel"] == f"<#{other.id}>"


async def test_channel_tools_name_the_permission_the_bot_lacks(
    bot: TatianaBot, sandbox: Sandbox, guild: Guild, owner: SandboxUser
) -> None:
    bot_role = next(r for r in guild.roles.values() if r.managed)
    bot_role.permissions &= ~Perm.MANAGE_CHANNELS
    reply = await owner.slash("slowmode", delay="10s")
    assert reply.content == "Necesito el permiso **Gestionar canales** aquí para hacerlo."
    assert owner.channel.rate_limit_per_user == 0


# --- /warnings, /cases, /case ------------------------------------------------------------------------------


async def test_warnings_cases_and_a_cases_reason_amended_in_the_log(
    bot: TatianaBot, sandbox: Sandbox, guild: Guild, moderator: SandboxUser
) -> None:
    await use_language(bot, guild, "en")
    log = await with_mod_log(bot, guild, dm_on_action=False)
    marta = member_named(sandbox, guild, "marta")
    pablo = member_named(sandbox, guild, "pablo")
    await moderator.slash("warn", member=marta, reason="spam")
    await moderator.slash("warn", member=pablo, reason="flood")
    await moderator.slash("warn", member=marta, reason="caps")

    warnings = await moderator.slash("warnings", member=marta)
    lines = warnings.content.splitlines()
    assert warnings.ephemeral and lines[0] == f"<@{marta.user_id}> has 2 warning(s):"
    assert lines[1].startswith(f"**#3** · Warning · <@{marta.user_id}> · <t:") and lines[1].endswith("· caps")
    assert lines[2].startswith("**#1** · Warning") and len(lines) == 3
    none = await moderator.slash(
        "warnings", member=sandbox.world.users[member_named(sandbox, guild, "sofia").user_id]
    )
    assert none.content == f"<@{member_named(sandbox, guild, 'sofia').user_id}> has no warnings."

    every = await moderator.slash("cases")
    assert every.content.splitlines()[0] == "3 case(s), the latest:"
    assert [line.split(" · ")[0] for line in every.content.splitlines()[1:]] == ["**#3**", "**#2**", "**#1**"]
    of_pablo = await moderator.slash("cases", member=pablo)
    assert of_pablo.content.splitlines()[0] == f"<@{pablo.user_id}> has 1 case(s), the latest:"

    shown = await moderator.slash("case view", id=2)
    assert shown.ephemeral and shown.embeds[0]["title"] == "Case #2 · Warning"
    missing = await moderator.slash("case view", id=9)
    assert missing.content == "There is no case #9 in this server."

    amended = await moderator.slash("case reason", id=1, reason="spam links in #general")
    assert amended.content == "Case #1 now reads: spam links in #general"
    post = messages_in(sandbox, log)[0]
    assert fields(post)["Reason"] == "spam links in #general" and post.edited_timestamp is not None
    assert fields(messages_in(sandbox, log)[1])["Reason"] == "flood", "only case #1's post"


async def test_the_commands_speak_spanish_by_default(
    bot: TatianaBot, sandbox: Sandbox, guild: Guild, moderator: SandboxUser
) -> None:
    marta = member_named(sandbox, guild, "marta")
    none = await moderator.slash("cases")
    assert none.content == "Todavía no hay casos."
    timed = await moderator.slash("timeout", member=marta, duration="10m")
    assert timed.content == f"🔇 <@{marta.user_id}> queda aislado durante 10m (caso #1). Motivo: Sin motivo"
    registered = {c.name: c for c in sandbox.world.commands.values()}
    assert registered["timeout"].name_localizations is not None
    assert registered["timeout"].name_localizations["es-ES"] == "aislar"
    assert registered["case"].options[0]["name_localizations"]["es-ES"] == "ver"


async def test_every_case_is_a_moderation_alert_for_the_guilds_dashboards(
    bot: TatianaBot, sandbox: Sandbox, guild: Guild, moderator: SandboxUser
) -> None:
    marta = member_named(sandbox, guild, "marta")
    async with await bot.coordination.subscribe(EVENTS_CHANNEL) as events:
        await moderator.slash("timeout", member=marta, duration="10m", reason="calma")
        message = await events.get(timeout=5)
    assert message is not None
    event = LiveEvent.from_message(message)
    assert event is not None and event.kind is EventKind.MODERATION_ALERT and event.guild_id == guild.id
    assert event.data == {
        "case": 1,
        "action": "timeout",
        "source": "command",
        "user_id": str(marta.user_id),
        "channel_id": str(moderator.channel.id),
        "moderator_id": str(moderator.user.id),
        "reason": "calma",
        "duration_seconds": 600,
        "expires_at": event.data["expires_at"],
    }
    assert isinstance(event.data["expires_at"], str)
