"""Reports, run by the demo guild's people through the real hikari client on the sandbox.

pablo reports marta's message with "Report message"; the report waits in #bot-commands (the queue here) with
four buttons that luis, the moderator, presses. sofia is a plain member.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import hikari
import pytest
import sqlalchemy as sa
from tatiana_moderation.core_tables import cases
from tatiana_moderation.reports.tables import reports

from tatiana.bot.app import TatianaBot
from tatiana.coordination import EVENTS_CHANNEL, EventKind, LiveEvent
from tatiana.testing import Sandbox, SandboxUser, sandbox_bot
from tatiana.testing.sandbox.driver_messages import send_message
from tatiana.testing.sandbox.interactions import MODAL, InteractionError, Reply
from tatiana.testing.sandbox.world import Channel, Guild, Message

EPHEMERAL = int(hikari.MessageFlag.EPHEMERAL)
BUTTONS = ["delete", "warn", "timeout", "dismiss"]


def user(sandbox: Sandbox, guild: Guild, username: str) -> SandboxUser:
    member = next(m for m in guild.members.values() if sandbox.world.users[m.user_id].username == username)
    return SandboxUser(sandbox, guild, member)


def channel_named(guild: Guild, name: str) -> Channel:
    return next(c for c in guild.channels.values() if c.name == name)


def posts_in(sandbox: Sandbox, channel: Channel) -> list[Message]:
    found = sandbox.world.messages.get(channel.id, {}).values()
    return [m for m in found if not m.deleted and not m.flags & EPHEMERAL]


def fields(message: Message) -> dict[str, str]:
    [embed] = message.embeds
    return {f["name"]: f["value"] for f in embed.get("fields", [])}


def buttons_of(message: Message) -> dict[str, bool]:
    """Each button's custom id and whether it is disabled."""
    return {
        c["custom_id"]: bool(c.get("disabled"))
        for row in message.components
        for c in row.get("components", [])
        if c.get("type") == 2
    }


async def set_up(bot: TatianaBot, guild: Guild, language: str = "en", **reports_settings: object) -> Channel:
    """The guild's language and a reports queue (#bot-commands), as the dashboard sets them."""
    from tatiana.db.models import Guild as GuildRow

    async with bot.sessions() as session, session.begin():
        row = await session.scalar(sa.select(GuildRow).where(GuildRow.discord_id == guild.id))
        if row is None:
            session.add(GuildRow(discord_id=guild.id, name=guild.name, language=language))
        else:
            row.language = language
    bot.languages.forget(guild.id)
    queue = channel_named(guild, "bot-commands")
    await bot.service.update_settings(
        guild.id, "moderation", {"reports": {"queue_channel_id": str(queue.id), **reports_settings}}
    )
    return queue


async def report(reporter: SandboxUser, message: Message, reason: str) -> Reply:
    """Run "Report message" on ``message`` and submit the form with ``reason``."""
    form = await reporter.message_command("Report message", message)
    assert form.kind == MODAL, form.content
    return await form.submit(reason=reason)


async def report_rows(bot: TatianaBot) -> list[tuple[str, str | None, int | None, int | None]]:
    async with bot.sessions() as session:
        rows = await session.execute(
            sa.select(
                reports.c.status, reports.c.resolution, reports.c.resolved_by, reports.c.case_id
            ).order_by(reports.c.id)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


async def case_rows(bot: TatianaBot) -> list[tuple[int, str, int, int | None, str, str | None]]:
    async with bot.sessions() as session:
        rows = await session.execute(
            sa.select(
                cases.c.case_number,
                cases.c.action,
                cases.c.user_id,
                cases.c.moderator_id,
                cases.c.source,
                cases.c.reason,
            ).order_by(cases.c.case_number)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


@pytest.fixture
def marta(sandbox: Sandbox, guild: Guild, bot: TatianaBot) -> SandboxUser:
    return user(sandbox, guild, "marta")


@pytest.fixture
def pablo(sandbox: Sandbox, guild: Guild, bot: TatianaBot) -> SandboxUser:
    return user(sandbox, guild, "pablo")


# --- reporting ---------------------------------------------------------------------------------------------


async def test_a_report_reaches_the_queue_with_the_message_the_reason_and_four_buttons(
    bot: TatianaBot, sandbox: Sandbox, guild: Guild, marta: SandboxUser, pablo: SandboxUser
) -> None:
    queue = await set_up(bot, guild)
    bad = await marta.send("buy cheap followers at spam.example")
    form = await pablo.message_command("Report message", bad)

    assert form.kind == MODAL and form.modal is not None
    assert form.modal["title"] == "Report a message"
    assert form.custom_ids == ["reason"]
    thanks = await form.submit(reason="  spam link  ")
    assert thanks.ephemeral and thanks.content == "✅ Thank you: the moderators have your report."

    [post] = posts_in(sandbox, queue)
    [embed] = post.embeds
    assert embed["title"] == "Report #1"
    assert embed["description"] == "> buy cheap followers at spam.example"
    assert fields(post) == {
        "Author": f"<@{marta.user.id}> (`{marta.user.id}`)",
        "Reported by": f"<@{pablo.user.id}>",
        "Channel": f"<#{bad.channel_id}>",
        "Reason": "spam link",
        "Message": f"[Go to the message](https://discord.com/channels/{guild.id}/{bad.channel_id}/{bad.id})",
    }
    assert buttons_of(post) == {f"moderation:report:{verb}:1": False for verb in BUTTONS}
    async with bot.sessions() as session:
        row = (await session.execute(sa.select(reports))).one()
    assert (row.reporter_id, row.author_id, row.message_id, row.content, row.reason) == (
        pablo.user.id,
        marta.user.id,
        bad.id,
        "buy cheap followers at spam.example",
        "spam link",
    )
    assert (row.status, row.queue_channel_id, row.queue_message_id) == ("open", queue.id, post.id)


async def test_the_command_is_named_in_spanish_and_english(bot: TatianaBot, sandbox: Sandbox) -> None:
    [command] = [c for c in sandbox.world.commands.values() if c.type == 3]
    assert command.name == "Report message"
    assert command.name_localizations is not None
    assert command.name_localizations["es-ES"] == "Reportar mensaje"
    assert not command.default_member_permissions, "every member may report"


async def test_what_cannot_be_reported_is_refused_before_the_form(
    bot: TatianaBot, sandbox: Sandbox, guild: Guild, marta: SandboxUser, pablo: SandboxUser
) -> None:
    world = sandbox.world
    message = await marta.send("hello")
    no_queue = await pablo.message_command("Report message", message)
    assert no_queue.ephemeral
    assert no_queue.content == (
        "Los reportes no están configurados en este servidor: los moderadores no han elegido un canal para ellos."
    )

    queue = await set_up(bot, guild)
    own = await marta.message_command("Report message", message)
    assert own.ephemeral and own.content == "You can't report your own message."

    helper = world.add_user("helper", bot=True)
    world.add_member(guild, helper)
    robot = await send_message(sandbox, message.channel_id, helper.id, "beep")
    from_bot = await pablo.message_command("Report message", robot)
    assert from_bot.ephemeral and from_bot.content == "Messages from bots and webhooks can't be reported."

    await report(pablo, message, "rude")
    again = await user(sandbox, guild, "sofia").message_command("Report message", message)
    assert again.ephemeral
    assert again.content == "This message has already been reported: the moderators will look at it."
    assert len(posts_in(sandbox, queue)) == 1
    assert len(await report_rows(bot)) == 1


async def test_a_message_deleted_before_the_form_is_sent_is_not_reported(
    bot: TatianaBot, sandbox: Sandbox, guild: Guild, marta: SandboxUser, pablo: SandboxUser
) -> None:
    queue = await set_up(bot, guild)
    message = await marta.send("oops")
    form = await pablo.message_command("Report message", message)
    message.deleted = True
    answer = await form.submit(reason="rude")
    assert answer.ephemeral and answer.content == "That message no longer exists, or I can't read it."
    assert posts_in(sandbox, queue) == [] and await report_rows(bot) == []


async def test_a_queue_the_bot_cannot_write_in_gives_the_report_back(
    bot: TatianaBot, sandbox: Sandbox, guild: Guild, marta: SandboxUser, pablo: SandboxUser
) -> None:
    from tatiana.testing.sandbox.world import Overwrite, Perm

    world = sandbox.world
    queue = await set_up(bot, guild)
    queue.overwrites[world.bot.id] = Overwrite(id=world.bot.id, type=1, deny=Perm.SEND_MESSAGES)
    message = await marta.send("rude words")
    answer = await report(pablo, message, "rude")
    assert answer.content == (
        f"Your report couldn't be delivered: I can't write in the reports channel <#{queue.id}>. "
        "Please tell a moderator."
    )
    assert await report_rows(bot) == [], "the message can be reported again once the channel is fixed"


# --- the queue's buttons -----------------------------------------------------------------------------------


@dataclass
class Filed:
    """marta's message, reported by pablo, waiting in the queue."""

    bot: TatianaBot
    sandbox: Sandbox
    guild: Guild
    marta: SandboxUser
    message: Message
    post: Message


async def file_one(
    bot: TatianaBot, sandbox: Sandbox, guild: Guild, author: SandboxUser
) -> tuple[Message, Message]:
    """``author``'s message reported by pablo: the message and its queue post."""
    queue = channel_named(guild, "bot-commands")
    message = await author.send("you are all idiots")
    await report(user(sandbox, guild, "pablo"), message, "insults")
    [post] = posts_in(sandbox, queue)
    return message, post


@pytest.fixture
async def filed(bot: TatianaBot, sandbox: Sandbox, guild: Guild, marta: SandboxUser) -> Filed:
    await set_up(bot, guild, timeout_minutes=30)
    message, post = await file_one(bot, sandbox, guild, marta)
    return Filed(bot, sandbox, guild, marta, message, post)


async def test_delete_removes_the_message_and_shows_who_did_it(filed: Filed, moderator: SandboxUser) -> None:
    pressed = await moderator.press(filed.post, "moderation:report:delete:1")

    assert pressed.deferred and pressed.message_id == filed.post.id, "the queue post itself is updated"
    assert filed.message.deleted
    assert fields(filed.post)["Handled"] == f"🗑️ message deleted by <@{moderator.user.id}>"
    assert buttons_of(filed.post) == {f"moderation:report:{verb}:1": True for verb in BUTTONS}
    assert await report_rows(filed.bot) == [("resolved", "deleted", moderator.user.id, None)]
    assert await case_rows(filed.bot) == [], "deleting a message is no case against its author"


async def test_warn_opens_a_report_case_in_the_moderators_name_and_tells_the_author(
    filed: Filed, moderator: SandboxUser
) -> None:
    marta = filed.marta.user
    await moderator.press(filed.post, "moderation:report:warn:1")

    assert not filed.message.deleted
    assert fields(filed.post)["Handled"] == f"⚠️ author warned by <@{moderator.user.id}> (case #1)"
    assert await case_rows(filed.bot) == [
        (1, "warn", marta.id, moderator.user.id, "report", "Report #1: insults")
    ]
    [dm] = posts_in(filed.sandbox, filed.sandbox.world.dm_channel(marta.id))
    assert dm.content == "⚠️ You have received a warning in **Tatiana Dev**. Reason: Report #1: insults"
    async with filed.bot.sessions() as session:
        case_id = await session.scalar(sa.select(cases.c.id))
    assert await report_rows(filed.bot) == [("resolved", "warned", moderator.user.id, case_id)]


async def test_timeout_keeps_the_author_quiet_for_the_guilds_duration(
    filed: Filed, moderator: SandboxUser
) -> None:
    marta = filed.marta.user
    before = datetime.now(UTC)
    await moderator.press(filed.post, "moderation:report:timeout:1")

    until = filed.guild.members[marta.id].communication_disabled_until
    assert until is not None and before + timedelta(minutes=29) < until < before + timedelta(minutes=31)
    [timeout] = [a for a in filed.sandbox.world.actions if a.kind == "timeout"]
    assert timeout.target_id == marta.id and timeout.reason == "luis: Report #1: insults"
    assert fields(filed.post)["Handled"] == f"🔇 author timed out by <@{moderator.user.id}> (case #1)"
    [(number, action, target, by, source, _)] = await case_rows(filed.bot)
    assert (number, action, target, by, source) == (1, "timeout", marta.id, moderator.user.id, "report")
    async with filed.bot.sessions() as session:
        assert await session.scalar(sa.select(cases.c.duration)) == 30 * 60


async def test_dismiss_changes_nothing_but_the_report(filed: Filed, moderator: SandboxUser) -> None:
    actions_before = len(filed.sandbox.world.actions)
    await moderator.press(filed.post, "moderation:report:dismiss:1")

    assert not filed.message.deleted and len(filed.sandbox.world.actions) == actions_before
    assert fields(filed.post)["Handled"] == f"👌 dismissed by <@{moderator.user.id}>"
    assert await report_rows(filed.bot) == [("resolved", "dismissed", moderator.user.id, None)]
    with pytest.raises(InteractionError, match="disabled"):
        await moderator.press(filed.post, "moderation:report:warn:1")


async def test_a_member_without_the_permission_is_refused_and_the_report_stays_open(filed: Filed) -> None:
    sofia = user(filed.sandbox, filed.guild, "sofia")
    for verb, permission in (("delete", "Manage Messages"), ("timeout", "Timeout Members")):
        refused = await sofia.press(filed.post, f"moderation:report:{verb}:1")
        assert refused.ephemeral
        assert refused.content == f"Only moderators with the permission **{permission}** can do that."
    assert not filed.message.deleted
    assert filed.guild.members[filed.marta.user.id].communication_disabled_until is None
    assert await report_rows(filed.bot) == [("open", None, None, None)]
    assert not any(buttons_of(filed.post).values())


async def test_the_hierarchy_applies_to_the_buttons(
    bot: TatianaBot, sandbox: Sandbox, guild: Guild, moderator: SandboxUser
) -> None:
    await set_up(bot, guild)
    _, post = await file_one(bot, sandbox, guild, user(sandbox, guild, "ana"))
    refused = await moderator.press(post, "moderation:report:timeout:1")
    assert refused.ephemeral
    assert refused.content == f"<@{guild.owner_id}> owns the server: no moderation action applies to them."
    assert await report_rows(bot) == [("open", None, None, None)]


async def test_two_moderators_pressing_at_once_act_once(
    filed: Filed, moderator: SandboxUser, owner: SandboxUser
) -> None:
    first, second = await asyncio.gather(
        moderator.press(filed.post, "moderation:report:warn:1"),
        owner.press(filed.post, "moderation:report:warn:1"),
    )

    acted, told = (first, second) if first.deferred else (second, first)
    assert acted.deferred and not told.deferred
    assert told.ephemeral
    assert told.content.startswith("This report has already been handled: ⚠️ author warned by <@")
    assert [row[1] for row in await case_rows(filed.bot)] == ["warn"], "one warning"


async def test_the_buttons_work_after_a_restart(
    sandbox: Sandbox, guild: Guild, tatiana_database_url: str
) -> None:
    async with sandbox_bot(sandbox, tatiana_database_url, plugins=["moderation"]) as first:
        await set_up(first, guild)
        _, post = await file_one(first, sandbox, guild, user(sandbox, guild, "marta"))
    async with sandbox_bot(sandbox, tatiana_database_url, plugins=["moderation"], migrate=False) as second:
        luis = user(sandbox, guild, "luis")
        pressed = await luis.press(post, "moderation:report:warn:1")
        assert pressed.deferred
        assert fields(post)["Handled"] == f"⚠️ author warned by <@{luis.user.id}> (case #1)"
        assert await report_rows(second) == [("resolved", "warned", luis.user.id, 1)]


async def test_an_action_discord_refuses_leaves_the_report_open(filed: Filed, moderator: SandboxUser) -> None:
    from tatiana.testing.sandbox.world import Overwrite, Perm

    world = filed.sandbox.world
    general = world.channels[filed.message.channel_id]
    general.overwrites[world.bot.id] = Overwrite(id=world.bot.id, type=1, deny=Perm.MANAGE_MESSAGES)
    pressed = await moderator.press(filed.post, "moderation:report:delete:1")

    [told] = await pressed.wait_followup(1)
    assert told.flags & EPHEMERAL
    assert (
        told.content == f"Discord refused to delete the message: I lack Manage Messages in <#{general.id}>."
    )
    assert not filed.message.deleted
    assert await report_rows(filed.bot) == [("open", None, None, None)]
    assert not any(buttons_of(filed.post).values()), "the buttons stay for another try"


# --- live alerts -------------------------------------------------------------------------------------------


async def next_alert(events: Any) -> LiveEvent:
    """The next moderation alert on the events channel (command activity goes by on it too)."""
    while True:
        message = await events.get(timeout=5)
        assert message is not None, "no moderation alert came"
        event = LiveEvent.from_message(message)
        if event is not None and event.kind is EventKind.MODERATION_ALERT:
            return event


async def test_a_new_report_and_the_case_it_leads_to_are_moderation_alerts(
    bot: TatianaBot, sandbox: Sandbox, guild: Guild, marta: SandboxUser, moderator: SandboxUser
) -> None:
    await set_up(bot, guild)
    pablo = user(sandbox, guild, "pablo")
    async with await bot.coordination.subscribe(EVENTS_CHANNEL) as events:
        message, post = await file_one(bot, sandbox, guild, marta)
        filed = await next_alert(events)
        await moderator.press(post, "moderation:report:warn:1")
        warned = await next_alert(events)
    assert filed.guild_id == guild.id
    assert filed.data == {
        "action": "report",
        "source": "report",
        "report": 1,
        "user_id": str(marta.user.id),
        "reporter_id": str(pablo.user.id),
        "channel_id": str(message.channel_id),
        "message_id": str(message.id),
        "reason": "insults",
    }
    assert (warned.data["action"], warned.data["source"], warned.data["moderator_id"]) == (
        "warn",
        "report",
        str(moderator.user.id),
    )
