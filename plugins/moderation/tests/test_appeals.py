"""Ban appeals through the sandbox: luis bans marta, marta appeals from her DM, a moderator decides.

marta acts as a plain user in her DM with the bot once banned (no guild there), as Discord sends it.
"""

from __future__ import annotations

from dataclasses import dataclass

import hikari
import pytest
import sqlalchemy as sa
from tatiana_moderation.core_tables import cases
from tatiana_moderation.reports.tables import appeals

from tatiana.bot.app import TatianaBot
from tatiana.coordination import EVENTS_CHANNEL, EventKind, LiveEvent
from tatiana.testing import Sandbox, SandboxUser, sandbox_bot
from tatiana.testing.sandbox.interactions import MODAL, Reply
from tatiana.testing.sandbox.world import Channel, Guild, Message, User

EPHEMERAL = int(hikari.MessageFlag.EPHEMERAL)
APPEAL_TEXT = "I was angry, it will not happen again."


def user_named(sandbox: Sandbox, username: str) -> User:
    return next(u for u in sandbox.world.users.values() if u.username == username)


def channel_named(guild: Guild, name: str) -> Channel:
    return next(c for c in guild.channels.values() if c.name == name)


def posts_in(sandbox: Sandbox, channel: Channel) -> list[Message]:
    found = sandbox.world.messages.get(channel.id, {}).values()
    return [m for m in found if not m.deleted and not m.flags & EPHEMERAL]


def fields(message: Message) -> dict[str, str]:
    [embed] = message.embeds
    return {f["name"]: f["value"] for f in embed.get("fields", [])}


def button_ids(message: Message) -> dict[str, bool]:
    return {
        c["custom_id"]: bool(c.get("disabled"))
        for row in message.components
        for c in row.get("components", [])
        if c.get("type") == 2
    }


async def set_up(bot: TatianaBot, guild: Guild, **reports_settings: object) -> Channel:
    """English, a mod-log, and appeals to #bot-commands."""
    from tatiana.db.models import Guild as GuildRow

    async with bot.sessions() as session, session.begin():
        row = await session.scalar(sa.select(GuildRow).where(GuildRow.discord_id == guild.id))
        if row is None:
            session.add(GuildRow(discord_id=guild.id, name=guild.name, language="en"))
        else:
            row.language = "en"
    bot.languages.forget(guild.id)
    appeals_channel = channel_named(guild, "bot-commands")
    settings = {"appeals_enabled": True, "appeal_channel_id": str(appeals_channel.id), **reports_settings}
    await bot.service.update_settings(
        guild.id,
        "moderation",
        {"mod_log_channel_id": str(channel_named(guild, "mod-log").id), "reports": settings},
    )
    return appeals_channel


@dataclass
class Banned:
    """marta, banned by luis with an Appeal button in her DM."""

    bot: TatianaBot
    sandbox: Sandbox
    guild: Guild
    marta: SandboxUser
    dm: Message
    appeals_channel: Channel


@pytest.fixture
async def banned(bot: TatianaBot, sandbox: Sandbox, guild: Guild, moderator: SandboxUser) -> Banned:
    appeals_channel = await set_up(bot, guild)
    marta = user_named(sandbox, "marta")
    await moderator.slash("ban", member=guild.members[marta.id], reason="raid")
    [dm] = posts_in(sandbox, sandbox.world.dm_channel(marta.id))
    return Banned(bot, sandbox, guild, SandboxUser(sandbox, None, marta), dm, appeals_channel)


async def appeal(banned: Banned, text: str = APPEAL_TEXT) -> Reply:
    form = await banned.marta.press(banned.dm, f"moderation:appeal:{banned.guild.id}")
    assert form.kind == MODAL, form.content
    return await form.submit(text=text)


async def appeal_rows(bot: TatianaBot) -> list[tuple[str, int | None, int | None]]:
    async with bot.sessions() as session:
        rows = await session.execute(
            sa.select(appeals.c.status, appeals.c.decided_by, appeals.c.unban_case_id).order_by(appeals.c.id)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


async def test_the_ban_dm_carries_an_appeal_button_only_when_appeals_are_taken(
    bot: TatianaBot, sandbox: Sandbox, guild: Guild, moderator: SandboxUser
) -> None:
    pablo, sofia = user_named(sandbox, "pablo"), user_named(sandbox, "sofia")
    await moderator.slash("ban", member=guild.members[pablo.id], reason="spam")
    [plain] = posts_in(sandbox, sandbox.world.dm_channel(pablo.id))
    assert plain.components == [], "appeals are off by default"

    await set_up(bot, guild)
    await moderator.slash("ban", member=guild.members[sofia.id], duration="2d", reason="spam")
    [dm] = posts_in(sandbox, sandbox.world.dm_channel(sofia.id))
    assert dm.content.startswith("🔨 You have been banned from **Tatiana Dev**.")
    assert button_ids(dm) == {f"moderation:appeal:{guild.id}": False}, "a temporary ban too"
    [button] = dm.components[0]["components"]
    assert button["label"] == "Appeal"


async def test_an_appeal_reaches_the_moderators_and_the_dm_says_it_was_sent(banned: Banned) -> None:
    form = await banned.marta.press(banned.dm, f"moderation:appeal:{banned.guild.id}")
    assert form.kind == MODAL and form.modal is not None
    assert form.modal["title"] == "Appeal your ban from Tatiana Dev"
    sent = await form.submit(text=APPEAL_TEXT)

    assert sent.deferred and sent.message_id == banned.dm.id, "the ban's DM itself is updated"
    assert banned.dm.content.endswith(
        "📨 Your appeal has been sent to the moderators. You will be told their decision here."
    )
    assert banned.dm.components == [], "one appeal per ban: the button goes"
    [post] = posts_in(banned.sandbox, banned.appeals_channel)
    assert post.embeds[0]["title"] == "Ban appeal #1"
    assert post.embeds[0]["description"] == f"> {APPEAL_TEXT}"
    marta_id = banned.marta.user.id
    assert fields(post) == {"User": f"<@{marta_id}> (`{marta_id}`)", "Ban": "Case #1", "Ban reason": "raid"}
    assert button_ids(post) == {
        "moderation:appeal-decide:accept:1": False,
        "moderation:appeal-decide:deny:1": False,
    }
    assert await appeal_rows(banned.bot) == [("pending", None, None)]


async def test_accepting_lifts_the_ban_with_a_case_and_tells_the_user(
    banned: Banned, moderator: SandboxUser
) -> None:
    await appeal(banned)
    [post] = posts_in(banned.sandbox, banned.appeals_channel)
    marta_id = banned.marta.user.id
    decided = await moderator.press(post, "moderation:appeal-decide:accept:1")

    assert decided.deferred
    assert marta_id not in banned.guild.bans
    [unban] = [a for a in banned.sandbox.world.actions if a.kind == "unban"]
    assert unban.target_id == marta_id and unban.reason == "luis: Appeal #1 accepted"
    assert fields(post)["Decision"] == f"✅ accepted by <@{moderator.user.id}>: the ban is lifted"
    assert button_ids(post) == {
        "moderation:appeal-decide:accept:1": True,
        "moderation:appeal-decide:deny:1": True,
    }
    async with banned.bot.sessions() as session:
        rows = (
            await session.execute(
                sa.select(
                    cases.c.case_number,
                    cases.c.action,
                    cases.c.moderator_id,
                    cases.c.source,
                    cases.c.is_active,
                ).order_by(cases.c.case_number)
            )
        ).all()
        unban_case_id = await session.scalar(sa.select(cases.c.id).where(cases.c.action == "unban"))
    assert [tuple(r) for r in rows] == [
        (1, "ban", moderator.user.id, "command", False),
        (2, "unban", moderator.user.id, "appeal", True),
    ]
    assert await appeal_rows(banned.bot) == [("accepted", moderator.user.id, unban_case_id)]
    assert banned.dm.content == (
        "✅ Your appeal was accepted: your ban from **Tatiana Dev** has been lifted. You may join again."
    ), "Discord refuses a new DM to a user who shares no server with the bot: the ban's DM says it"
    [log_post] = [m for m in posts_in(banned.sandbox, channel_named(banned.guild, "mod-log")) if m.embeds][
        -1:
    ]
    assert log_post.embeds[0]["title"] == "Case #2 · Unban"


async def test_denying_keeps_the_ban_and_tells_the_user(banned: Banned, moderator: SandboxUser) -> None:
    await appeal(banned)
    [post] = posts_in(banned.sandbox, banned.appeals_channel)
    await moderator.press(post, "moderation:appeal-decide:deny:1")

    assert banned.marta.user.id in banned.guild.bans
    assert fields(post)["Decision"] == f"❌ denied by <@{moderator.user.id}>"
    assert await appeal_rows(banned.bot) == [("denied", moderator.user.id, None)]
    assert banned.dm.content == "❌ Your appeal of your ban from **Tatiana Dev** was denied."
    assert not [a for a in banned.sandbox.world.actions if a.kind == "unban"]


async def test_a_second_appeal_of_the_same_ban_is_refused(banned: Banned) -> None:
    form = await banned.marta.press(banned.dm, f"moderation:appeal:{banned.guild.id}")
    await form.submit(text=APPEAL_TEXT)
    again = await form.submit(text="Please, please, let me back in.")

    [told] = again.followups
    assert told.flags & EPHEMERAL
    assert (
        told.content == "You have already appealed this ban from **Tatiana Dev**: the moderators will decide."
    )
    assert len(posts_in(banned.sandbox, banned.appeals_channel)) == 1
    assert await appeal_rows(banned.bot) == [("pending", None, None)]


async def test_an_appeal_of_a_ban_already_lifted_says_so(banned: Banned, moderator: SandboxUser) -> None:
    await moderator.slash("unban", user=banned.marta.user, reason="changed my mind")
    answer = await banned.marta.press(banned.dm, f"moderation:appeal:{banned.guild.id}")

    assert answer.ephemeral
    assert answer.content == "Your ban from **Tatiana Dev** has already been lifted."
    assert await appeal_rows(banned.bot) == []


async def test_only_members_who_may_ban_decide_and_only_once(banned: Banned, moderator: SandboxUser) -> None:
    await appeal(banned)
    [post] = posts_in(banned.sandbox, banned.appeals_channel)
    sofia = next(
        m for m in banned.guild.members.values() if m.user_id == user_named(banned.sandbox, "sofia").id
    )
    refused = await SandboxUser(banned.sandbox, banned.guild, sofia).press(
        post, "moderation:appeal-decide:accept:1"
    )
    assert refused.ephemeral
    assert refused.content == "Only moderators with the permission **Ban Members** can decide appeals."
    assert banned.marta.user.id in banned.guild.bans

    post_copy = list(post.components)
    await moderator.press(post, "moderation:appeal-decide:deny:1")
    post.components = post_copy  # a moderator whose Discord still shows the buttons enabled
    late = await moderator.press(post, "moderation:appeal-decide:accept:1")
    assert late.ephemeral
    assert late.content == f"This appeal has already been decided: ❌ denied by <@{moderator.user.id}>"
    assert banned.marta.user.id in banned.guild.bans


async def test_appeals_turned_off_after_the_ban_are_closed(banned: Banned) -> None:
    await banned.bot.service.update_settings(
        banned.guild.id, "moderation", {"reports": {"appeals_enabled": False}}
    )
    answer = await banned.marta.press(banned.dm, f"moderation:appeal:{banned.guild.id}")
    assert answer.ephemeral and answer.content == "**Tatiana Dev** does not take appeals."


async def test_the_appeal_and_decision_buttons_work_after_restarts(
    sandbox: Sandbox, guild: Guild, tatiana_database_url: str
) -> None:
    marta = user_named(sandbox, "marta")
    luis = SandboxUser(sandbox, guild, guild.members[user_named(sandbox, "luis").id])
    appeals_channel = channel_named(guild, "bot-commands")
    async with sandbox_bot(sandbox, tatiana_database_url, plugins=["moderation"]) as first:
        await set_up(first, guild)
        await luis.slash("ban", member=guild.members[marta.id], reason="raid")
    [dm] = posts_in(sandbox, sandbox.world.dm_channel(marta.id))
    async with sandbox_bot(sandbox, tatiana_database_url, plugins=["moderation"], migrate=False):
        form = await SandboxUser(sandbox, None, marta).press(dm, f"moderation:appeal:{guild.id}")
        await form.submit(text=APPEAL_TEXT)
    [post] = posts_in(sandbox, appeals_channel)
    async with sandbox_bot(sandbox, tatiana_database_url, plugins=["moderation"], migrate=False) as third:
        await luis.press(post, "moderation:appeal-decide:accept:1")
        assert marta.id not in guild.bans
        assert await appeal_rows(third) == [("accepted", luis.user.id, 2)]


async def test_a_new_appeal_is_a_moderation_alert(banned: Banned) -> None:
    async with await banned.bot.coordination.subscribe(EVENTS_CHANNEL) as events:
        await appeal(banned)
        found = []
        while not found:
            message = await events.get(timeout=5)
            assert message is not None, "no moderation alert came"
            event = LiveEvent.from_message(message)
            if event is not None and event.kind is EventKind.MODERATION_ALERT:
                found.append(event)
    [alert] = found
    assert alert.guild_id == banned.guild.id
    assert alert.data == {
        "action": "appeal",
        "source": "appeal",
        "appeal": 1,
        "user_id": str(banned.marta.user.id),
    }
