"""The sandbox's REST v10 through the real hikari REST client, and the interaction driver with a real bot.

Every test checks every answer against Discord's OpenAPI description, fails on the sandbox's own
errors, and on any warning or error hikari logs that the test does not expect.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import time
import urllib.parse
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import hikari
import lightbulb
import pytest

from tatiana.testing.log_capture import LogCapture
from tatiana.testing.sandbox import rest
from tatiana.testing.sandbox.interactions import (
    Attachment,
    InteractionError,
    NoResponse,
    SandboxUser,
    UnknownCommand,
)
from tatiana.testing.sandbox.server import Sandbox
from tatiana.testing.sandbox.world import DISCORD_EPOCH_MS, Guild, Message, Overwrite, Perm, User, World


class Scene:
    """A guild with an owner, a moderator above the bot, two members below it, and #general."""

    def __init__(self) -> None:
        self.world = World()
        self.owner = self.world.add_user("owner")
        self.guild = self.world.add_guild("Sandbox Guild", owner=self.owner)
        self.general = next(iter(self.guild.channels.values()))
        self.bot_role = next(r for r in self.guild.roles.values() if r.managed)
        self.admin_role = self.world.add_role(self.guild, "Admin", permissions=Perm.ADMINISTRATOR)
        self.helper_role = self.world.add_role(self.guild, "Helper", position=1)
        self.bot_role.position = 2
        self.admin_role.position = 3
        self.alice = self.world.add_user("alice", global_name="Alice")
        self.bob = self.world.add_user("bob")
        self.boss = self.world.add_user("boss")
        self.world.add_member(self.guild, self.alice)
        self.world.add_member(self.guild, self.bob, roles=[self.helper_role])
        self.world.add_member(self.guild, self.boss, roles=[self.admin_role])

    @property
    def bot(self) -> User:
        return self.world.bot


@pytest.fixture
def scene() -> Scene:
    return Scene()


@pytest.fixture
async def sandbox(scene: Scene) -> AsyncIterator[Sandbox]:
    """A running sandbox checking every answer against the OpenAPI description."""
    sandbox = Sandbox(scene.world)
    state = rest.state(sandbox)
    state.validate_responses = True
    async with sandbox:
        yield sandbox
    assert state.errors == []
    assert state.openapi_errors == []


@pytest.fixture
async def client(sandbox: Sandbox, hikari_log: LogCapture) -> AsyncIterator[hikari.api.RESTClient]:
    """hikari's REST client with the bot's token, on the sandbox."""
    app = hikari.RESTApp(url=sandbox.rest_url)
    await app.start()
    try:
        async with app.acquire(sandbox.token, hikari.TokenType.BOT) as rest_client:
            yield rest_client
    finally:
        await app.close()


def actions(world: World, kind: str) -> list[Any]:
    return [a for a in world.actions if a.kind == kind]


# --- identity and the gateway ---------------------------------------------------------------------------
async def test_gateway_bot_user_and_application(sandbox: Sandbox, client: hikari.api.RESTClient) -> None:
    sandbox.shard_count, sandbox.max_concurrency = 4, 2
    info = await client.fetch_gateway_bot_info()
    assert (info.url, info.shard_count, info.session_start_limit.max_concurrency) == (
        sandbox.gateway_url,
        4,
        2,
    )
    assert await client.fetch_gateway_url() == sandbox.gateway_url
    me = await client.fetch_my_user()
    assert (me.id, me.is_bot) == (sandbox.world.bot.id, True)
    application = await client.fetch_application()
    assert application.id == sandbox.world.application_id
    assert application.owner.id == sandbox.world.application_owner.id
    assert list(application.integration_types_config) == [hikari.ApplicationIntegrationType.GUILD_INSTALL]
    alice = next(u for u in sandbox.world.users.values() if u.username == "alice")
    assert (await client.fetch_user(alice.id)).global_name == "Alice"
    with pytest.raises(hikari.NotFoundError) as unknown:
        await client.fetch_user(12345)
    assert unknown.value.code == 10013


async def test_a_wrong_token_is_refused(sandbox: Sandbox, hikari_log: LogCapture) -> None:
    app = hikari.RESTApp(url=sandbox.rest_url)
    await app.start()
    try:
        wrong = sandbox.token[:-4] + "abcd"
        async with app.acquire(wrong, hikari.TokenType.BOT) as rest_client:
            with pytest.raises(hikari.UnauthorizedError):
                await rest_client.fetch_my_user()
        async with aiohttp.ClientSession() as http:
            response = await http.get(f"{sandbox.rest_url}/users/@me")
            assert (response.status, await response.json()) == (
                401,
                {"message": "401: Unauthorized", "code": 0},
            )
    finally:
        await app.close()


# --- messages ---------------------------------------------------------------------------------------------
async def test_messages_with_embeds_components_and_files(
    sandbox: Sandbox, client: hikari.api.RESTClient, scene: Scene
) -> None:
    channel = scene.general.id
    row = client.build_message_action_row().add_interactive_button(
        hikari.ButtonStyle.PRIMARY, "yes", label="Yes"
    )
    embed = hikari.Embed(title="Report", description="All good").add_field("Users", "3", inline=True)
    embed.set_image(hikari.Bytes(b"\x89PNG fake", "chart.png"))
    sent = await client.create_message(
        channel,
        f"hello <@{scene.alice.id}>",
        embed=embed,
        component=row,
        attachment=hikari.Bytes(b"a,b\n1,2\n", "data.csv"),
    )
    stored = sandbox.world.messages[channel][sent.id]
    assert (stored.author_id, stored.content, stored.mentions) == (
        scene.bot.id,
        f"hello <@{scene.alice.id}>",
        [scene.alice.id],
    )
    assert stored.embeds[0]["title"] == "Report" and stored.embeds[0]["type"] == "rich"
    assert stored.embeds[0]["image"]["url"].endswith("/chart.png")
    assert stored.components[0]["components"][0]["custom_id"] == "yes"
    assert sorted(a["filename"] for a in stored.attachments) == ["chart.png", "data.csv"]
    row_back = sent.components[0]
    assert isinstance(row_back, hikari.ActionRowComponent)
    button = row_back.components[0]
    assert isinstance(button, hikari.ButtonComponent) and button.custom_id == "yes"
    csv = next(a for a in sent.attachments if a.filename == "data.csv")
    async with aiohttp.ClientSession() as http, http.get(csv.url) as download:
        assert await download.read() == b"a,b\n1,2\n"

    edited = await client.edit_message(channel, sent.id, "edited", attachments=[csv], components=[])
    assert edited.content == "edited" and edited.edited_timestamp is not None
    assert [a.filename for a in edited.attachments] == ["data.csv"]
    assert stored.components == [] and stored.content == "edited"
    assert (await client.fetch_message(channel, sent.id)).content == "edited"
    listed = [m.id async for m in client.fetch_messages(channel)]
    assert sent.id in listed

    await client.delete_message(channel, sent.id)
    assert stored.deleted
    with pytest.raises(hikari.NotFoundError) as gone:
        await client.fetch_message(channel, sent.id)
    assert gone.value.code == 10008


async def test_message_bodies_are_checked_as_discord_does(
    client: hikari.api.RESTClient, scene: Scene
) -> None:
    with pytest.raises(hikari.BadRequestError) as empty:
        await client.create_message(scene.general.id, embeds=[])
    assert empty.value.code == 50006
    with pytest.raises(hikari.BadRequestError) as long:
        await client.create_message(scene.general.id, "x" * 2001)
    assert long.value.code == 50035 and long.value.errors and "content" in long.value.errors
    row = client.build_message_action_row()
    row.add_interactive_button(hikari.ButtonStyle.PRIMARY, "same", label="A")
    row.add_interactive_button(hikari.ButtonStyle.PRIMARY, "same", label="B")
    with pytest.raises(hikari.BadRequestError):
        await client.create_message(scene.general.id, "dup", component=row)
    assert all(not ms for ms in scene.world.messages.values())


async def test_sending_needs_the_channel_permissions(client: hikari.api.RESTClient, scene: Scene) -> None:
    secret = scene.world.add_channel(scene.guild, "secret")
    secret.overwrites[scene.guild.id] = Overwrite(id=scene.guild.id, type=0, deny=Perm.VIEW_CHANNEL)
    with pytest.raises(hikari.ForbiddenError) as hidden:
        await client.create_message(secret.id, "hi")
    assert hidden.value.code == 50001
    muted = scene.world.add_channel(scene.guild, "announcements")
    muted.overwrites[scene.bot_role.id] = Overwrite(id=scene.bot_role.id, type=0, deny=Perm.SEND_MESSAGES)
    with pytest.raises(hikari.ForbiddenError) as denied:
        await client.create_message(muted.id, "hi")
    assert denied.value.code == 50013


async def test_bulk_delete_two_to_a_hundred_recent_messages(
    sandbox: Sandbox, client: hikari.api.RESTClient, scene: Scene
) -> None:
    channel = scene.general.id
    ids = [(await client.create_message(channel, f"m{i}")).id for i in range(3)]
    await client.delete_messages(channel, ids[:2], reason="cleanup")
    stored = sandbox.world.messages[channel]
    assert [stored[i].deleted for i in ids] == [True, True, False]
    [bulk] = actions(sandbox.world, "message_bulk_delete")
    assert (bulk.data["message_ids"], bulk.reason) == (ids[:2], "cleanup")

    old_id = ((int(time.time() * 1000) - DISCORD_EPOCH_MS - 15 * 86_400_000) << 22) | 1
    stored[old_id] = Message(
        id=old_id, channel_id=channel, author_id=scene.alice.id, content="old", guild_id=scene.guild.id
    )
    async with aiohttp.ClientSession(headers={"Authorization": f"Bot {sandbox.token}"}) as http:
        url = f"{sandbox.rest_url}/channels/{channel}/messages/bulk-delete"
        too_old = await http.post(url, json={"messages": [str(old_id), str(ids[2])]})
        assert (too_old.status, (await too_old.json())["code"]) == (400, 50034)
        one = await http.post(url, json={"messages": [str(ids[2])]})
        assert (one.status, (await one.json())["code"]) == (400, 50035)
    assert not stored[old_id].deleted and not stored[ids[2]].deleted


async def test_reactions(sandbox: Sandbox, client: hikari.api.RESTClient, scene: Scene) -> None:
    channel = scene.general.id
    message = await client.create_message(channel, "vote")
    await client.add_reaction(channel, message, "👍")
    stored = sandbox.world.messages[channel][message.id]
    stored.reactions["👍"].add(scene.alice.id)
    fetched = await client.fetch_message(channel, message)
    assert (fetched.reactions[0].count, fetched.reactions[0].is_me) == (2, True)
    voters = [u.id async for u in client.fetch_reactions_for_emoji(channel, message, "👍")]
    assert sorted(voters) == sorted([scene.bot.id, scene.alice.id])
    await client.delete_my_reaction(channel, message, "👍")
    await client.delete_reaction(channel, message, scene.alice.id, "👍")
    assert stored.reactions == {}


async def test_channel_edits_and_overwrites_are_recorded(
    sandbox: Sandbox, client: hikari.api.RESTClient, scene: Scene
) -> None:
    channel = scene.general.id
    edited = await client.edit_channel(
        channel, name="rules", topic="Read me", rate_limit_per_user=30, reason="tidy up"
    )
    assert isinstance(edited, hikari.GuildTextChannel)
    assert (edited.name, edited.topic, edited.rate_limit_per_user) == (
        "rules",
        "Read me",
        timedelta(seconds=30),
    )
    assert (scene.general.name, scene.general.rate_limit_per_user) == ("rules", 30)
    [update] = actions(sandbox.world, "channel_update")
    assert update.reason == "tidy up" and update.data["rate_limit_per_user"] == 30
    await client.edit_permission_overwrite(
        channel,
        scene.alice.id,
        target_type=hikari.PermissionOverwriteType.MEMBER,
        deny=hikari.Permissions.SEND_MESSAGES,
        reason="muted",
    )
    assert scene.general.overwrites[scene.alice.id].deny == Perm.SEND_MESSAGES
    assert not sandbox.world.channel_permissions(scene.general, scene.alice.id) & Perm.SEND_MESSAGES
    await client.delete_permission_overwrite(channel, scene.alice.id)
    assert scene.alice.id not in scene.general.overwrites
    assert [a.kind for a in sandbox.world.actions] == ["channel_update", "overwrite_set", "overwrite_delete"]
    with pytest.raises(hikari.BadRequestError):
        await client.edit_channel(channel, rate_limit_per_user=99_999)
    new = await client.create_guild_text_channel(scene.guild.id, "logs", topic="mod log")
    assert sandbox.world.channels[new.id].topic == "mod log"


# --- moderation -----------------------------------------------------------------------------------------
async def test_kick_respects_the_role_hierarchy(
    sandbox: Sandbox, client: hikari.api.RESTClient, scene: Scene
) -> None:
    await client.kick_user(scene.guild.id, scene.alice.id, reason="spam")
    assert scene.alice.id not in scene.guild.members
    [kick] = actions(sandbox.world, "kick")
    assert (kick.target_id, kick.reason) == (scene.alice.id, "spam")
    for above in (scene.boss.id, scene.owner.id):
        with pytest.raises(hikari.ForbiddenError) as refused:
            await client.kick_user(scene.guild.id, above)
        assert refused.value.code == 50013
        assert above in scene.guild.members
    with pytest.raises(hikari.NotFoundError) as not_member:
        await client.kick_user(scene.guild.id, scene.alice.id)
    assert not_member.value.code == 10007
    scene.bot_role.permissions &= ~Perm.KICK_MEMBERS
    with pytest.raises(hikari.ForbiddenError):
        await client.kick_user(scene.guild.id, scene.bob.id)
    assert len(actions(sandbox.world, "kick")) == 1


async def test_ban_deletes_recent_messages_and_unban(
    sandbox: Sandbox, client: hikari.api.RESTClient, scene: Scene
) -> None:
    world = sandbox.world
    recent = Message(
        id=world.snowflake(),
        channel_id=scene.general.id,
        author_id=scene.alice.id,
        content="spam",
        guild_id=scene.guild.id,
    )
    world.messages[scene.general.id][recent.id] = recent
    await client.ban_user(scene.guild.id, scene.alice.id, delete_message_seconds=3600, reason="raid")
    assert scene.alice.id not in scene.guild.members and scene.guild.bans[scene.alice.id] == "raid"
    assert recent.deleted
    [ban] = actions(world, "ban")
    assert (ban.target_id, ban.reason, ban.data["delete_message_seconds"]) == (scene.alice.id, "raid", 3600)
    assert (await client.fetch_ban(scene.guild.id, scene.alice.id)).reason == "raid"
    assert [b.user.id async for b in client.fetch_bans(scene.guild.id)] == [scene.alice.id]
    with pytest.raises(hikari.ForbiddenError):
        await client.ban_user(scene.guild.id, scene.boss.id)
    with pytest.raises(hikari.BadRequestError):
        await client.ban_user(scene.guild.id, scene.bob.id, delete_message_seconds=8 * 86400)
    await client.unban_user(scene.guild.id, scene.alice.id, reason="appeal")
    assert scene.alice.id not in scene.guild.bans
    assert actions(world, "unban")[0].reason == "appeal"
    with pytest.raises(hikari.NotFoundError) as no_ban:
        await client.fetch_ban(scene.guild.id, scene.alice.id)
    assert no_ban.value.code == 10026


async def test_timeouts_up_to_28_days_below_the_bot(
    sandbox: Sandbox, client: hikari.api.RESTClient, scene: Scene
) -> None:
    until = datetime.now(UTC) + timedelta(minutes=10)
    member = await client.edit_member(
        scene.guild.id, scene.alice.id, communication_disabled_until=until, reason="cool down"
    )
    assert member.communication_disabled_until() is not None
    stored = scene.guild.members[scene.alice.id]
    assert stored.communication_disabled_until is not None
    assert abs((stored.communication_disabled_until - until).total_seconds()) < 1
    assert not sandbox.world.channel_permissions(scene.general, scene.alice.id) & Perm.SEND_MESSAGES
    [timeout] = actions(sandbox.world, "timeout")
    assert (timeout.target_id, timeout.reason) == (scene.alice.id, "cool down")
    with pytest.raises(hikari.BadRequestError):
        await client.edit_member(
            scene.guild.id, scene.bob.id, communication_disabled_until=datetime.now(UTC) + timedelta(days=29)
        )
    for protected in (scene.owner.id, scene.boss.id):
        with pytest.raises(hikari.ForbiddenError):
            await client.edit_member(scene.guild.id, protected, communication_disabled_until=until)
    await client.edit_member(scene.guild.id, scene.alice.id, communication_disabled_until=None)
    assert stored.communication_disabled_until is None


async def test_roles_and_member_roles(sandbox: Sandbox, client: hikari.api.RESTClient, scene: Scene) -> None:
    role = await client.create_role(
        scene.guild.id, name="Verified", permissions=hikari.Permissions.SEND_MESSAGES, reason="setup"
    )
    assert sandbox.world.guilds[scene.guild.id].roles[role.id].name == "Verified"
    assert role.position == 1
    await client.add_role_to_member(scene.guild.id, scene.alice.id, role.id, reason="verified")
    assert role.id in scene.guild.members[scene.alice.id].roles
    await client.remove_role_from_member(scene.guild.id, scene.alice.id, role.id)
    assert role.id not in scene.guild.members[scene.alice.id].roles
    edited = await client.edit_role(scene.guild.id, role.id, name="Trusted", color=0x00FF00)
    assert (edited.name, int(edited.color)) == ("Trusted", 0x00FF00)
    member = await client.edit_member(scene.guild.id, scene.bob.id, roles=[role.id], nickname="Bobby")
    assert set(member.role_ids) == {role.id, scene.guild.id} and member.nickname == "Bobby"
    with pytest.raises(hikari.ForbiddenError):  # a role above the bot's highest
        await client.add_role_to_member(scene.guild.id, scene.alice.id, scene.admin_role.id)
    with pytest.raises(hikari.ForbiddenError):  # a permission the bot does not have
        await client.create_role(scene.guild.id, name="Boss", permissions=hikari.Permissions.ADMINISTRATOR)
    await client.delete_role(scene.guild.id, role.id)
    assert role.id not in scene.guild.roles and role.id not in scene.guild.members[scene.bob.id].roles
    assert [a.kind for a in sandbox.world.actions] == [
        "role_create",
        "role_add",
        "role_remove",
        "role_update",
        "nick",
        "role_add",
        "role_remove",
        "role_delete",
    ]
    assert sandbox.world.actions[0].reason == "setup" and sandbox.world.actions[1].reason == "verified"


async def test_guild_members_and_dms(sandbox: Sandbox, client: hikari.api.RESTClient, scene: Scene) -> None:
    guild = await client.fetch_guild(scene.guild.id)
    assert (guild.name, guild.approximate_member_count) == ("Sandbox Guild", 5)
    assert {r.name for r in await client.fetch_roles(scene.guild.id)} >= {"@everyone", "Admin", "Helper"}
    members = [m.id async for m in client.fetch_members(scene.guild.id)]
    assert sorted(members) == sorted(scene.guild.members)
    assert (await client.fetch_member(scene.guild.id, scene.bob.id)).role_ids
    dm = await client.create_dm_channel(scene.alice.id)
    await client.create_message(dm.id, "welcome!")
    assert [m.content for m in sandbox.world.messages[dm.id].values()] == ["welcome!"]
    scene.bob.accepts_dms = False
    with pytest.raises(hikari.ForbiddenError) as closed:
        await (await client.create_dm_channel(scene.bob.id)).send("hi")
    assert closed.value.code == 50007


# --- rate limits ---------------------------------------------------------------------------------------------
async def test_a_429_is_handled_by_hikari(
    sandbox: Sandbox, client: hikari.api.RESTClient, scene: Scene, hikari_log: LogCapture
) -> None:
    limits = rest.state(sandbox).ratelimits
    limits.set("POST /channels/{channel_id}/messages", limit=2, period=0.5)
    hikari_log.expect("rate limited")
    other_app = hikari.RESTApp(url=sandbox.rest_url)  # a second process on the same token
    await other_app.start()
    try:
        async with other_app.acquire(sandbox.token, hikari.TokenType.BOT) as other:
            started = time.monotonic()
            await client.create_message(scene.general.id, "one")
            await client.create_message(scene.general.id, "two")
            await other.create_message(scene.general.id, "three")  # 429, waits, retries
            assert time.monotonic() - started >= 0.3
    finally:
        await other_app.close()
    assert limits.hits >= 1
    assert [m.content for m in sandbox.world.messages[scene.general.id].values()] == ["one", "two", "three"]
    assert rest.state(sandbox).calls[("POST /channels/{channel_id}/messages", 429)] >= 1
    other_channel = scene.world.add_channel(scene.guild, "other")
    for number in range(3):  # hikari keeps under the limit it learnt from the headers
        await client.create_message(other_channel.id, str(number))


async def test_rate_limit_headers(sandbox: Sandbox, scene: Scene) -> None:
    limits = rest.state(sandbox).ratelimits
    limits.set("GET /channels/{channel_id}", limit=1, period=5)
    async with aiohttp.ClientSession(headers={"Authorization": f"Bot {sandbox.token}"}) as http:
        first = await http.get(f"{sandbox.rest_url}/channels/{scene.general.id}")
        assert first.headers["X-RateLimit-Limit"] == "1" and first.headers["X-RateLimit-Remaining"] == "0"
        assert float(first.headers["X-RateLimit-Reset-After"]) > 4
        second = await http.get(f"{sandbox.rest_url}/channels/{scene.general.id}")
        body = await second.json()
        assert second.status == 429 and body["global"] is False and body["retry_after"] > 4
        assert int(second.headers["Retry-After"]) >= 4 and second.headers["X-RateLimit-Scope"] == "user"
        assert second.headers["X-RateLimit-Bucket"] == first.headers["X-RateLimit-Bucket"]
        other = scene.world.add_channel(scene.guild, "other")  # another top-level resource, another counter
        assert (await http.get(f"{sandbox.rest_url}/channels/{other.id}")).status == 200


# --- application commands -----------------------------------------------------------------------------------
async def test_command_bulk_overwrite_keeps_ids(
    sandbox: Sandbox, client: hikari.api.RESTClient, scene: Scene
) -> None:
    application = await client.fetch_application()
    ping = client.slash_command_builder("ping", "Ping the bot").add_option(
        hikari.CommandOption(
            type=hikari.OptionType.STRING, name="text", description="Text", is_required=False
        )
    )
    who = client.context_menu_command_builder(hikari.CommandType.USER, "Who is this")
    first = await client.set_application_commands(application, [ping, who])
    assert {c.name for c in sandbox.world.commands.values()} == {"ping", "Who is this"}
    again = await client.set_application_commands(application, [ping.set_id(first[0].id), who])
    assert {c.id for c in again} == {c.id for c in first}
    fetched = await client.fetch_application_commands(application)
    assert isinstance(fetched[0], hikari.SlashCommand) and fetched[0].options
    edited = await client.edit_application_command(application, first[0].id, description="Pong!")
    assert isinstance(edited, hikari.SlashCommand)
    assert sandbox.world.commands[first[0].id].description == edited.description == "Pong!"
    guild_command = await client.create_slash_command(application, "setup", "Set up", guild=scene.guild.id)
    assert sandbox.world.commands[guild_command.id].guild_id == scene.guild.id
    assert [c.name for c in await client.fetch_application_commands(application, scene.guild.id)] == ["setup"]
    await client.delete_application_command(application, guild_command.id, scene.guild.id)
    await client.set_application_commands(application, [who])
    assert [c.name for c in sandbox.world.commands.values()] == ["Who is this"]
    with pytest.raises(hikari.BadRequestError):
        await client.create_slash_command(application, "Bad Name", "x")


async def test_lightbulb_syncs_once_and_then_finds_nothing_changed(
    sandbox: Sandbox, scene: Scene, hikari_log: LogCapture
) -> None:
    def make_client(bot: hikari.GatewayBot) -> lightbulb.Client:
        client = lightbulb.client_from_app(bot)

        @client.register
        class Balance(lightbulb.SlashCommand, name="balance", description="Your balance"):
            user = lightbulb.user("user", "Whose", default=None)

            @lightbulb.invoke
            async def invoke(self, ctx: lightbulb.Context) -> None:
                await ctx.respond("0")

        @client.register(guilds=[scene.guild.id])
        class Setup(
            lightbulb.SlashCommand,
            name="setup",
            description="Configure",
            default_member_permissions=hikari.Permissions.MANAGE_GUILD,
        ):
            channel = lightbulb.channel("channel", "Where")

            @lightbulb.invoke
            async def invoke(self, ctx: lightbulb.Context) -> None:
                await ctx.respond("ok")

        return client

    versions: dict[int, int] = {}
    async with running_bot(sandbox) as bot:
        for attempt in range(2):  # a second start, as after a restart: the commands are already there
            client = make_client(bot)
            await client.start()
            await client.stop()
            if attempt == 0:
                versions = {c.id: c.version for c in sandbox.world.commands.values()}
    assert {c.name: c.guild_id for c in sandbox.world.commands.values()} == {
        "balance": None,
        "setup": scene.guild.id,
    }
    assert {c.id: c.version for c in sandbox.world.commands.values()} == versions
    assert rest.state(sandbox).calls[("PUT /applications/{application_id}/commands", 200)] == 1


# --- OAuth2 ---------------------------------------------------------------------------------------------------
async def test_oauth2_login_with_pkce(sandbox: Sandbox, scene: Scene) -> None:
    oauth = rest.state(sandbox).oauth
    oauth.redirect_uris = ["http://dashboard.test/callback"]
    oauth.user_id = scene.owner.id
    verifier = "v" * 64
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    query = urllib.parse.urlencode(
        {
            "client_id": oauth.client_id,
            "response_type": "code",
            "scope": "identify guilds",
            "redirect_uri": "http://dashboard.test/callback",
            "state": "xyz",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    async with aiohttp.ClientSession() as http:
        redirect = await http.get(f"{sandbox.base_url}/oauth2/authorize?{query}", allow_redirects=False)
        assert redirect.status == 302
        location = urllib.parse.urlsplit(redirect.headers["Location"])
        back = dict(urllib.parse.parse_qsl(location.query))
        assert location.netloc == "dashboard.test" and back["state"] == "xyz"
        token_url = f"{sandbox.rest_url}/oauth2/token"
        basic = base64.b64encode(f"{oauth.client_id}:{oauth.client_secret}".encode()).decode()
        credentials = {"Authorization": f"Basic {basic}"}
        form = {
            "grant_type": "authorization_code",
            "code": back["code"],
            "redirect_uri": "http://dashboard.test/callback",
        }
        wrong = await http.post(token_url, data={**form, "code_verifier": "w" * 64}, headers=credentials)
        assert (wrong.status, (await wrong.json())["error"]) == (400, "invalid_grant")

        redirect = await http.get(f"{sandbox.base_url}/oauth2/authorize?{query}", allow_redirects=False)
        form["code"] = dict(
            urllib.parse.parse_qsl(urllib.parse.urlsplit(redirect.headers["Location"]).query)
        )["code"]
        granted = await http.post(token_url, data={**form, "code_verifier": verifier}, headers=credentials)
        tokens = await granted.json()
        assert (
            granted.status == 200
            and tokens["token_type"] == "Bearer"
            and tokens["scope"] == "identify guilds"
        )
        reused = await http.post(token_url, data={**form, "code_verifier": verifier}, headers=credentials)
        assert reused.status == 400

        bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
        me = await (await http.get(f"{sandbox.rest_url}/users/@me", headers=bearer)).json()
        assert me["id"] == str(scene.owner.id)
        guilds = await (await http.get(f"{sandbox.rest_url}/users/@me/guilds", headers=bearer)).json()
        assert guilds == [
            {
                "id": str(scene.guild.id),
                "name": "Sandbox Guild",
                "icon": None,
                "banner": None,
                "owner": True,
                "permissions": str(Perm.ALL),
                "features": [],
            }
        ]
        assert (
            await http.get(f"{sandbox.rest_url}/channels/{scene.general.id}", headers=bearer)
        ).status == 401

        refreshed = await (
            await http.post(
                token_url,
                headers=credentials,
                data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
            )
        ).json()
        assert refreshed["refresh_token"] != tokens["refresh_token"]
        stale = await http.post(
            token_url,
            headers=credentials,
            data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        )
        assert stale.status == 400
        bad_client = await http.post(
            token_url, data={**form, "client_id": oauth.client_id, "client_secret": "no"}
        )
        assert bad_client.status == 401


async def test_oauth2_authorize_picks_a_user(sandbox: Sandbox, scene: Scene) -> None:
    oauth = rest.state(sandbox).oauth
    base = {
        "client_id": oauth.client_id,
        "response_type": "code",
        "scope": "identify",
        "redirect_uri": "http://localhost:8000/cb",
    }
    async with aiohttp.ClientSession() as http:
        page = await http.get(f"{sandbox.base_url}/oauth2/authorize?{urllib.parse.urlencode(base)}")
        assert page.status == 200 and "alice" in await page.text()
        chosen = {**base, "sandbox_user_id": str(scene.alice.id)}
        redirect = await http.get(
            f"{sandbox.base_url}/oauth2/authorize?{urllib.parse.urlencode(chosen)}", allow_redirects=False
        )
        code = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(redirect.headers["Location"]).query))["code"]
        assert oauth.codes[code].user_id == scene.alice.id
        bad = await http.get(
            f"{sandbox.base_url}/oauth2/authorize?{urllib.parse.urlencode({**base, 'scope': 'x'})}"
        )
        assert bad.status == 400


# --- interactions with a running bot -----------------------------------------------------------------------
@asynccontextmanager
async def running_bot(
    sandbox: Sandbox,
    on_interaction: Callable[[hikari.InteractionCreateEvent], Coroutine[Any, Any, None]] | None = None,
) -> AsyncIterator[hikari.GatewayBot]:
    """A started hikari GatewayBot on the sandbox (READY and its guilds received), closed afterwards."""
    bot = hikari.GatewayBot(
        sandbox.token,
        rest_url=sandbox.rest_url,
        intents=hikari.Intents.ALL_UNPRIVILEGED,
        banner=None,
        suppress_optimization_warning=True,
        logs=None,
    )
    if on_interaction is not None:
        bot.subscribe(hikari.InteractionCreateEvent, on_interaction)
    await bot.start(check_for_updates=False)
    await sandbox.gateway.wait_ready()
    try:
        yield bot
    finally:
        await bot.close()


class Responder:
    """A bot's interaction listener: handlers by command name or custom_id, exceptions kept for the test."""

    def __init__(self) -> None:
        self.handlers: dict[str, Callable[[Any], Awaitable[None]]] = {}
        self.errors: list[BaseException] = []
        self.received: list[hikari.PartialInteraction] = []

    def on(self, key: str) -> Callable[[Callable[[Any], Awaitable[None]]], Callable[[Any], Awaitable[None]]]:
        def register(handler: Callable[[Any], Awaitable[None]]) -> Callable[[Any], Awaitable[None]]:
            self.handlers[key] = handler
            return handler

        return register

    async def handle(self, event: hikari.InteractionCreateEvent) -> None:
        interaction = event.interaction
        self.received.append(interaction)
        if isinstance(interaction, hikari.CommandInteraction | hikari.AutocompleteInteraction):
            key = interaction.command_name
        elif isinstance(interaction, hikari.ComponentInteraction | hikari.ModalInteraction):
            key = interaction.custom_id
        else:
            return
        try:
            await self.handlers[key](interaction)
        except Exception as exc:
            self.errors.append(exc)


async def register_commands(bot: hikari.GatewayBot, guild: Guild) -> None:
    rest_client = bot.rest
    application = await rest_client.fetch_application()
    await rest_client.set_application_commands(
        application,
        [
            rest_client.slash_command_builder("echo", "Echo")
            .add_option(
                hikari.CommandOption(
                    type=hikari.OptionType.STRING, name="text", description="Text", is_required=True
                )
            )
            .add_option(hikari.CommandOption(type=hikari.OptionType.USER, name="who", description="Who")),
            rest_client.slash_command_builder("slow", "Deferred"),
            rest_client.slash_command_builder("menu", "Buttons"),
            rest_client.slash_command_builder("form", "A modal"),
            rest_client.slash_command_builder("twice", "Answers twice"),
            rest_client.slash_command_builder("late", "Answers too late"),
            rest_client.slash_command_builder("city", "Autocomplete").add_option(
                hikari.CommandOption(
                    type=hikari.OptionType.STRING,
                    name="name",
                    description="City",
                    autocomplete=True,
                    is_required=True,
                )
            ),
            rest_client.slash_command_builder("admin", "Admins only").set_default_member_permissions(
                hikari.Permissions.ADMINISTRATOR
            ),
            rest_client.slash_command_builder("upload", "Attachment").add_option(
                hikari.CommandOption(
                    type=hikari.OptionType.ATTACHMENT, name="file", description="File", is_required=True
                )
            ),
            rest_client.context_menu_command_builder(hikari.CommandType.USER, "Profile"),
            rest_client.context_menu_command_builder(hikari.CommandType.MESSAGE, "Quote"),
        ],
    )
    await rest_client.set_application_commands(
        application, [rest_client.slash_command_builder("local", "Guild only")], guild=guild.id
    )


@pytest.fixture
def responder() -> Responder:  # noqa: PLR0915 - one handler per command
    responder = Responder()

    @responder.on("echo")
    async def echo(interaction: hikari.CommandInteraction) -> None:
        options = {o.name: o.value for o in interaction.options}
        who = ""
        if "who" in options and interaction.resolved:
            who = " to " + interaction.resolved.members[hikari.Snowflake(str(options["who"]))].display_name
        await interaction.create_initial_response(
            hikari.ResponseType.MESSAGE_CREATE,
            f"{options['text']}{who}",
            flags=hikari.MessageFlag.EPHEMERAL if who else hikari.UNDEFINED,
        )

    @responder.on("slow")
    async def slow(interaction: hikari.CommandInteraction) -> None:
        await interaction.create_initial_response(hikari.ResponseType.DEFERRED_MESSAGE_CREATE)
        await asyncio.sleep(0.05)
        await interaction.edit_initial_response("finally")
        await interaction.execute("and a followup", attachment=hikari.Bytes(b"report", "report.txt"))

    @responder.on("menu")
    async def menu(interaction: hikari.CommandInteraction) -> None:
        row = interaction.app.rest.build_message_action_row()
        row.add_interactive_button(hikari.ButtonStyle.SUCCESS, "confirm", label="Confirm")
        row.add_interactive_button(hikari.ButtonStyle.DANGER, "ask", label="Ask")
        row.add_interactive_button(hikari.ButtonStyle.SECONDARY, "later", label="Later")
        await interaction.create_initial_response(hikari.ResponseType.MESSAGE_CREATE, "Sure?", component=row)

    @responder.on("confirm")
    async def confirm(interaction: hikari.ComponentInteraction) -> None:
        await interaction.create_initial_response(
            hikari.ResponseType.MESSAGE_UPDATE, "Confirmed", components=[]
        )

    @responder.on("later")
    async def later(interaction: hikari.ComponentInteraction) -> None:
        await interaction.create_initial_response(hikari.ResponseType.DEFERRED_MESSAGE_UPDATE)
        await asyncio.sleep(0.05)
        await interaction.edit_initial_response("Done later", components=[])

    @responder.on("ask")
    async def ask(interaction: hikari.ComponentInteraction) -> None:
        await interaction.create_modal_response(
            "Why?",
            "why",
            components=[interaction.app.rest.build_modal_action_row().add_text_input("reason", "Reason")],
        )

    @responder.on("form")
    async def form(interaction: hikari.CommandInteraction) -> None:
        await interaction.create_modal_response(
            "Tell me",
            "feedback",
            components=[
                interaction.app.rest.build_modal_action_row().add_text_input("mood", "Mood", max_length=10),
                interaction.app.rest.build_modal_action_row().add_text_input(
                    "extra", "Extra", required=False, style=hikari.TextInputStyle.PARAGRAPH
                ),
            ],
        )

    @responder.on("feedback")
    async def feedback(interaction: hikari.ModalInteraction) -> None:
        values = {c.custom_id: c.value for row in interaction.components for c in row.components}
        await interaction.create_initial_response(
            hikari.ResponseType.MESSAGE_CREATE, f"mood={values['mood']}"
        )

    @responder.on("why")
    async def why(interaction: hikari.ModalInteraction) -> None:
        await interaction.create_initial_response(hikari.ResponseType.MESSAGE_UPDATE, "Asked", components=[])

    @responder.on("twice")
    async def twice(interaction: hikari.CommandInteraction) -> None:
        await interaction.create_initial_response(hikari.ResponseType.MESSAGE_CREATE, "once")
        await interaction.create_initial_response(hikari.ResponseType.MESSAGE_CREATE, "twice")

    @responder.on("late")
    async def late(interaction: hikari.CommandInteraction) -> None:
        await asyncio.sleep(0.4)
        await interaction.create_initial_response(hikari.ResponseType.MESSAGE_CREATE, "too late")

    @responder.on("city")
    async def city(interaction: hikari.AutocompleteInteraction) -> None:
        typed = str(interaction.options[0].value).lower()
        names = [n for n in ("Madrid", "Málaga", "Mérida", "Bilbao") if n.lower().startswith(typed)]
        await interaction.create_response([hikari.impl.AutocompleteChoiceBuilder(n, n) for n in names])

    @responder.on("Profile")
    async def profile(interaction: hikari.CommandInteraction) -> None:
        assert interaction.resolved is not None and interaction.target_id is not None
        user = interaction.resolved.users[interaction.target_id]
        await interaction.create_initial_response(
            hikari.ResponseType.MESSAGE_CREATE, f"profile of {user.username}"
        )

    @responder.on("Quote")
    async def quote(interaction: hikari.CommandInteraction) -> None:
        assert interaction.resolved is not None and interaction.target_id is not None
        message = interaction.resolved.messages[interaction.target_id]
        await interaction.create_initial_response(hikari.ResponseType.MESSAGE_CREATE, f"> {message.content}")

    @responder.on("upload")
    async def upload(interaction: hikari.CommandInteraction) -> None:
        assert interaction.resolved is not None
        [attachment] = interaction.resolved.attachments.values()
        data = await attachment.read()
        await interaction.create_initial_response(
            hikari.ResponseType.MESSAGE_CREATE, f"{attachment.filename}:{data.decode()}"
        )

    @responder.on("local")
    async def local(interaction: hikari.CommandInteraction) -> None:
        await interaction.create_initial_response(hikari.ResponseType.MESSAGE_CREATE, "here only")

    return responder


@pytest.fixture
async def bot(
    sandbox: Sandbox, responder: Responder, scene: Scene, hikari_log: LogCapture
) -> AsyncIterator[hikari.GatewayBot]:
    async with running_bot(sandbox, responder.handle) as running:
        await register_commands(running, scene.guild)
        yield running
    assert responder.errors == []


async def test_slash_commands_with_options(sandbox: Sandbox, bot: hikari.GatewayBot, scene: Scene) -> None:
    alice = SandboxUser(sandbox, scene.guild, scene.guild.members[scene.alice.id])
    reply = await alice.slash("echo", text="hola")
    assert (reply.kind, reply.content, reply.ephemeral) == (4, "hola", False)
    stored = sandbox.world.messages[scene.general.id][reply.message_id or 0]
    assert stored.author_id == scene.bot.id and stored.type == 20
    assert stored.interaction_metadata is not None and stored.interaction_metadata["user"]["id"] == str(
        scene.alice.id
    )
    private = await alice.slash("echo", text="hi", who=scene.guild.members[scene.bob.id])
    assert (private.content, private.ephemeral) == ("hi to bob", True)
    with pytest.raises(UnknownCommand):
        await alice.slash("nope")
    with pytest.raises(UnknownCommand):  # default_member_permissions: alice is no admin
        await alice.slash("admin")
    with pytest.raises(InteractionError):
        await alice.slash("echo")  # the required option is missing
    with pytest.raises(InteractionError):
        await alice.slash("echo", text="x", colour="red")
    assert (await alice.slash("local")).content == "here only"
    file_reply = await alice.slash("upload", file=Attachment("notes.txt", b"abc", "text/plain"))
    assert file_reply.content == "notes.txt:abc"


async def test_deferred_answer_then_followup(sandbox: Sandbox, bot: hikari.GatewayBot, scene: Scene) -> None:
    alice = SandboxUser(sandbox, scene.guild, scene.alice)
    reply = await alice.slash("slow")
    assert (reply.kind, reply.deferred, reply.content) == (5, True, "finally")
    [followup] = await reply.wait_followup()
    assert followup.content == "and a followup"
    assert followup.attachments[0]["filename"] == "report.txt"
    assert rest.state(sandbox).files[int(followup.attachments[0]["id"])].data == b"report"


async def test_buttons_and_modals(sandbox: Sandbox, bot: hikari.GatewayBot, scene: Scene) -> None:
    alice = SandboxUser(sandbox, scene.guild, scene.alice)
    menu = await alice.slash("menu")
    assert menu.custom_ids == ["confirm", "ask", "later"]
    confirmed = await menu.press("confirm")
    assert (confirmed.kind, confirmed.message_id, confirmed.content) == (7, menu.message_id, "Confirmed")
    assert menu.content == "Confirmed" and menu.components == []
    with pytest.raises(InteractionError):
        await menu.press("confirm")  # the buttons are gone

    second = await alice.slash("menu")
    modal = await second.press("ask")
    assert (modal.kind, modal.custom_ids) == (9, ["reason"])
    updated = await modal.submit(reason="curious")
    assert (updated.kind, updated.message_id, updated.content) == (7, second.message_id, "Asked")

    third = await alice.slash("menu")
    deferred = await third.press("later")
    assert (deferred.kind, deferred.deferred, deferred.content) == (6, True, "Done later")
    assert deferred.message_id == third.message_id

    form = await alice.slash("form")
    with pytest.raises(InteractionError):
        await form.submit(mood="far too long for it")
    answer = await form.submit(mood="happy")
    assert answer.content == "mood=happy"


async def test_autocomplete_and_context_menus(sandbox: Sandbox, bot: hikari.GatewayBot, scene: Scene) -> None:
    alice = SandboxUser(sandbox, scene.guild, scene.alice)
    choices = await alice.autocomplete("city", "name", "m")
    assert [c["name"] for c in choices] == ["Madrid", "Málaga", "Mérida"]
    assert (await alice.user_command("Profile", scene.bob)).content == "profile of bob"
    said = await alice.send("quote me")
    assert (await alice.message_command("Quote", said)).content == "> quote me"


async def test_one_answer_within_the_deadline(
    sandbox: Sandbox, bot: hikari.GatewayBot, responder: Responder, scene: Scene
) -> None:
    state = rest.state(sandbox)
    alice = SandboxUser(sandbox, scene.guild, scene.alice)
    assert (await alice.slash("twice")).content == "once"
    await eventually(lambda: len(responder.errors) == 1)
    error = responder.errors.pop()
    assert isinstance(error, hikari.BadRequestError) and error.code == 40060

    state.interaction_response_timeout = 0.2
    with pytest.raises(NoResponse):
        await alice.slash("late")
    await eventually(lambda: len(responder.errors) == 1)
    error = responder.errors.pop()
    assert isinstance(error, hikari.NotFoundError) and error.code == 10062


async def test_the_token_expires(sandbox: Sandbox, bot: hikari.GatewayBot, scene: Scene) -> None:
    state = rest.state(sandbox)
    state.interaction_token_ttl = 0.3
    alice = SandboxUser(sandbox, scene.guild, scene.alice)
    reply = await alice.slash("echo", text="soon gone")
    application = sandbox.world.application_id
    await bot.rest.edit_interaction_response(application, reply.interaction.token, "still here")
    assert reply.content == "still here"
    await asyncio.sleep(0.35)
    with pytest.raises(hikari.UnauthorizedError) as expired:
        await bot.rest.edit_interaction_response(application, reply.interaction.token, "too late")
    assert expired.value.code == 50027
    assert reply.content == "still here"


async def test_commands_in_a_dm(sandbox: Sandbox, bot: hikari.GatewayBot, scene: Scene) -> None:
    alice = SandboxUser(sandbox, None, scene.alice)
    reply = await alice.slash("echo", text="private")
    assert reply.content == "private"
    assert reply.message is not None and reply.message.guild_id is None
    assert reply.message.channel_id == sandbox.world.dm_channel(scene.alice.id).id
    with pytest.raises(UnknownCommand):
        await alice.slash("local")  # a guild command


async def test_a_user_without_a_bot_gets_a_clear_error(sandbox: Sandbox, scene: Scene) -> None:
    scene.world.commands.clear()
    user = SandboxUser(sandbox, scene.guild, scene.alice)
    with pytest.raises(UnknownCommand, match="registered"):
        await user.slash("balance")


async def eventually(check: Callable[[], bool], timeout: float = 5.0) -> None:
    """Wait until ``check()`` holds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


async def test_threads_started_by_the_bot_reach_its_cache_and_take_messages(
    sandbox: Sandbox, scene: Scene, hikari_log: LogCapture
) -> None:
    async with running_bot(sandbox) as bot:
        heard: list[hikari.GuildMessageCreateEvent] = []

        async def hear(event: hikari.GuildMessageCreateEvent) -> None:
            heard.append(event)

        bot.subscribe(hikari.GuildMessageCreateEvent, hear)
        created = await bot.rest.create_thread(
            scene.general.id, hikari.ChannelType.GUILD_PUBLIC_THREAD, "Charla"
        )
        assert isinstance(created, hikari.GuildPublicThread)
        assert (created.name, created.parent_id, created.owner_id) == (
            "Charla",
            scene.general.id,
            scene.bot.id,
        )
        async with asyncio.timeout(5):
            while bot.cache.get_thread(created.id) is None:  # noqa: ASYNC110 - the cache sets no event
                await asyncio.sleep(0.01)

        alice = SandboxUser(sandbox, scene.guild, scene.guild.members[scene.alice.id])
        thread = scene.world.channels[created.id]
        await alice.send("hola en el hilo", channel=thread)
        async with asyncio.timeout(5):
            while not heard:  # noqa: ASYNC110 - the listener sets no event
                await asyncio.sleep(0.01)
        assert heard[0].channel_id == created.id and heard[0].author_id == scene.alice.id
        await bot.rest.create_message(created.id, "respuesta")
        assert [m.content for m in scene.world.messages[created.id].values()] == [
            "hola en el hilo",
            "respuesta",
        ]

        starter = await bot.rest.create_message(scene.general.id, "tema")
        on_message = await bot.rest.create_message_thread(scene.general.id, starter, "Sobre el tema")
        assert on_message.id == starter.id and on_message.type == hikari.ChannelType.GUILD_PUBLIC_THREAD
        with pytest.raises(hikari.BadRequestError):
            await bot.rest.create_message_thread(scene.general.id, starter, "Otra vez")

    scene.general.overwrites[scene.bot_role.id] = Overwrite(
        id=scene.bot_role.id, type=0, deny=Perm.CREATE_PUBLIC_THREADS
    )
    async with running_bot(sandbox) as bot:
        with pytest.raises(hikari.ForbiddenError):
            await bot.rest.create_thread(scene.general.id, hikari.ChannelType.GUILD_PUBLIC_THREAD, "No")
    assert [a.kind for a in scene.world.actions if a.kind == "thread_create"] == ["thread_create"] * 2
