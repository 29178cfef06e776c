"""The sandbox's Gateway v10, driven by the real hikari client and by a raw websocket client.

Every test fails on a warning or error logged by hikari (a payload hikari cannot parse is only logged,
and the event is dropped), except the ones a test expects.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import json
import time
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import hikari
import pytest

from tatiana.testing.log_capture import LogCapture
from tatiana.testing.sandbox.driver_messages import send_message
from tatiana.testing.sandbox.gateway import CloseCode, Op
from tatiana.testing.sandbox.seed import seed_demo
from tatiana.testing.sandbox.server import Sandbox, bot_token
from tatiana.testing.sandbox.world import Guild, World

UNPRIVILEGED_WITH_CONTENT = hikari.Intents.ALL_UNPRIVILEGED | hikari.Intents.MESSAGE_CONTENT


@pytest.fixture
def world() -> World:
    """A world with the demo guild and a second small one."""
    world = World()
    seed_demo(world)
    second = world.add_guild("Segundo")
    world.add_channel(second, "off-topic")
    world.add_member(second, world.add_user("carla"))
    return world


@pytest.fixture
async def sandbox(world: World) -> AsyncIterator[Sandbox]:
    """A running sandbox with a short heartbeat interval."""
    sandbox = Sandbox(world)
    sandbox.gateway.heartbeat_interval = 0.25
    async with sandbox:
        yield sandbox


@asynccontextmanager
async def running_bot(
    sandbox: Sandbox, intents: hikari.Intents = hikari.Intents.ALL, **start: Any
) -> AsyncIterator[hikari.GatewayBot]:
    """A started hikari GatewayBot on the sandbox, closed afterwards."""
    bot = hikari.GatewayBot(
        sandbox.token,
        rest_url=sandbox.rest_url,
        intents=intents,
        banner=None,
        suppress_optimization_warning=True,
    )
    await bot.start(check_for_updates=False, **start)
    try:
        yield bot
    finally:
        await bot.close()


async def eventually(check: Callable[[], bool], timeout: float = 5.0) -> None:
    """Wait until ``check()`` holds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


def demo_guild(world: World) -> Guild:
    return next(g for g in world.guilds.values() if g.name == "Tatiana Dev")


def channel_named(guild: Guild, name: str) -> int:
    return next(c.id for c in guild.channels.values() if c.name == name)


def member_named(world: World, guild: Guild, name: str) -> int:
    return next(u for u in guild.members if world.users[u].username == name)


def collect(bot: hikari.GatewayBot, event: type[Any]) -> list[Any]:
    """Every ``event`` the bot receives, in order."""
    seen: list[Any] = []

    async def listener(received: Any) -> None:
        seen.append(received)

    bot.subscribe(event, listener)
    return seen


# --- the real hikari client ------------------------------------------------------------------------------
async def test_ready_and_guild_create_fill_hikaris_cache(sandbox: Sandbox, hikari_log: LogCapture) -> None:
    world = sandbox.world
    async with running_bot(sandbox) as bot:
        await sandbox.gateway.wait_ready(1)
        await eventually(lambda: len(bot.cache.get_guilds_view()) == len(world.guilds))
        me = bot.get_me()
        assert me is not None and me.id == world.bot.id and me.is_bot
        for guild in world.guilds.values():
            cached = bot.cache.get_guild(guild.id)
            assert cached is not None and cached.name == guild.name and cached.owner_id == guild.owner_id
            assert set(bot.cache.get_guild_channels_view_for_guild(guild.id)) == set(guild.channels)
            assert set(bot.cache.get_roles_view_for_guild(guild.id)) == set(guild.roles)
            assert set(bot.cache.get_members_view_for_guild(guild.id)) == set(guild.members)
            assert cached.member_count == len(guild.members)


async def test_members_are_chunked_without_presences_intent(sandbox: Sandbox, hikari_log: LogCapture) -> None:
    world = sandbox.world
    intents = hikari.Intents.ALL_UNPRIVILEGED | hikari.Intents.GUILD_MEMBERS
    async with running_bot(sandbox, intents) as bot:
        await eventually(
            lambda: all(
                set(bot.cache.get_members_view_for_guild(g.id)) == set(g.members)
                for g in world.guilds.values()
            )
        )


async def test_message_create_reaches_a_listener_with_its_content(
    sandbox: Sandbox, hikari_log: LogCapture
) -> None:
    world = sandbox.world
    guild = demo_guild(world)
    marta = member_named(world, guild, "marta")
    async with running_bot(sandbox, UNPRIVILEGED_WITH_CONTENT) as bot:
        seen = collect(bot, hikari.GuildMessageCreateEvent)
        await sandbox.gateway.wait_ready(1)
        message = await send_message(sandbox, channel_named(guild, "general"), marta, f"hola <@&{guild.id}>")
        await eventually(lambda: len(seen) == 1)
    received = seen[0].message
    assert received.id == message.id and received.content == message.content
    assert received.author.id == marta and received.member is not None
    assert received.guild_id == guild.id
    assert world.messages[received.channel_id][message.id] is message


async def test_without_message_content_intent_content_is_empty(
    sandbox: Sandbox, hikari_log: LogCapture
) -> None:
    world = sandbox.world
    guild = demo_guild(world)
    general = channel_named(guild, "general")
    marta = member_named(world, guild, "marta")
    async with running_bot(sandbox, hikari.Intents.ALL_UNPRIVILEGED) as bot:
        guild_messages = collect(bot, hikari.GuildMessageCreateEvent)
        direct_messages = collect(bot, hikari.DMMessageCreateEvent)
        await sandbox.gateway.wait_ready(1)
        await send_message(sandbox, general, marta, "secret", embeds=[{"type": "rich", "title": "x"}])
        await send_message(sandbox, general, marta, f"<@{world.bot.id}> hello bot")
        await send_message(sandbox, world.dm_channel(marta).id, marta, "a DM")
        await eventually(lambda: len(guild_messages) == 2 and len(direct_messages) == 1)
    hidden, mentioned = (e.message for e in guild_messages)
    assert hidden.content is None and hidden.embeds == []
    assert mentioned.content == f"<@{world.bot.id}> hello bot"
    assert direct_messages[0].message.content == "a DM"


async def test_heartbeats_are_acknowledged(sandbox: Sandbox, hikari_log: LogCapture) -> None:
    async with running_bot(sandbox) as bot:
        await eventually(lambda: sandbox.gateway.sessions[0].heartbeats >= 3)
        assert 0 < bot.heartbeat_latency < 0.25
        (session,) = sandbox.gateway.sessions
        assert session.connected and session.heartbeat_gap is not None
        assert session.heartbeat_gap == pytest.approx(0.25, abs=0.1)


async def test_dropped_connection_resumes_without_losing_an_event(
    sandbox: Sandbox, hikari_log: LogCapture
) -> None:
    hikari_log.expect(r"hikari\.gateway\.0 WARNING: (failed to communicate with server|connection got reset)")
    world = sandbox.world
    guild = demo_guild(world)
    async with running_bot(sandbox, UNPRIVILEGED_WITH_CONTENT) as bot:
        seen = collect(bot, hikari.GuildMessageCreateEvent)
        resumed = collect(bot, hikari.ShardResumedEvent)
        await sandbox.gateway.wait_ready(1)
        (before,) = sandbox.gateway.sessions
        assert await sandbox.gateway.drop(0) == 1
        await eventually(lambda: not sandbox.gateway.sessions[0].connected)
        assert (
            await sandbox.gateway.dispatch_message(
                await _store(sandbox, guild, "sent while the bot was away")
            )
            == 1
        )
        await eventually(lambda: len(resumed) == 1 and len(seen) == 1)
    assert seen[0].message.content == "sent while the bot was away"
    assert [session_id for session_id, _ in sandbox.gateway.resume_requests] == [before.session_id]
    assert len(sandbox.gateway.identifies) == 1


async def _store(sandbox: Sandbox, guild: Guild, content: str) -> Any:
    from tatiana.testing.sandbox.world import Message

    world = sandbox.world
    channel = channel_named(guild, "general")
    message = Message(
        id=world.snowflake(), channel_id=channel, author_id=guild.owner_id, content=content, guild_id=guild.id
    )
    world.messages[channel][message.id] = message
    return message


async def test_reconnect_is_followed_by_a_resume(sandbox: Sandbox, hikari_log: LogCapture) -> None:
    world = sandbox.world
    guild = demo_guild(world)
    async with running_bot(sandbox, UNPRIVILEGED_WITH_CONTENT) as bot:
        resumed = collect(bot, hikari.ShardResumedEvent)
        seen = collect(bot, hikari.GuildMessageCreateEvent)
        await sandbox.gateway.wait_ready(1)
        assert await sandbox.gateway.reconnect(0) == 1
        await eventually(lambda: len(resumed) == 1)
        await send_message(sandbox, channel_named(guild, "general"), guild.owner_id, "after the reconnect")
        await eventually(lambda: len(seen) == 1)
        (session,) = sandbox.gateway.sessions
        assert session.resumes == 1 and session.connected
    assert sandbox.gateway.sessions == []  # closing with 1001 ends the session, as on Discord
    assert len(sandbox.gateway.identifies) == 1


async def test_a_token_reset_while_away_is_closed_with_4004(sandbox: Sandbox, hikari_log: LogCapture) -> None:
    hikari_log.expect(r"hikari\.gateway\.0 WARNING: (failed to communicate with server|connection got reset)")
    # hikari 2.6 leaves the heartbeat task of a failed handshake running; with a short interval it soon
    # reports a missing ACK on the closed connection. That is hikari's, not the sandbox's.
    hikari_log.expect(r"ERROR: connection has not received a HEARTBEAT_ACK")
    async with running_bot(sandbox) as bot:
        await sandbox.gateway.wait_ready(1)
        sandbox.token = bot_token(sandbox.world, secret="reset")  # the token the bot holds is now wrong
        await sandbox.gateway.drop(0)
        with pytest.raises(hikari.errors.GatewayServerClosedConnectionError) as raised:
            await asyncio.wait_for(bot.join(), 10)
    assert raised.value.code == CloseCode.AUTHENTICATION_FAILED and not raised.value.can_reconnect
    assert sandbox.gateway.close_codes == [CloseCode.AUTHENTICATION_FAILED]


async def test_two_shards_each_get_their_guilds_one_identify_window_apart(
    world: World, hikari_log: LogCapture
) -> None:
    while len({(g >> 22) % 2 for g in world.guilds}) < 2:
        await asyncio.sleep(0.003)
        world.add_guild(f"Extra {len(world.guilds)}")
    sandbox = Sandbox(world, shard_count=2, max_concurrency=1)
    sandbox.gateway.heartbeat_interval = 0.5
    async with sandbox:
        bot = hikari.GatewayBot(
            sandbox.token,
            rest_url=sandbox.rest_url,
            intents=hikari.Intents.ALL,
            banner=None,
            suppress_optimization_warning=True,
        )
        readies = collect(bot, hikari.ShardReadyEvent)
        available = collect(bot, hikari.GuildAvailableEvent)
        await bot.start(check_for_updates=False)
        try:
            await sandbox.gateway.wait_ready(2)
            await eventually(lambda: len(available) == len(world.guilds))
        finally:
            await bot.close()
    for shard_id in (0, 1):
        expected = {g for g in world.guilds if (g >> 22) % 2 == shard_id}
        (ready,) = [r for r in readies if r.shard.id == shard_id]
        assert set(ready.unavailable_guilds) == expected
        assert {e.guild_id for e in available if e.shard.id == shard_id} == expected
    first, second = sandbox.gateway.identifies
    assert (first.shard_id, second.shard_id) == (0, 1)
    assert second.at - first.at >= 5.0
    assert sandbox.gateway.identify_violations == []


# --- a raw websocket client ------------------------------------------------------------------------------
class RawShard:
    """A minimal gateway client: JSON text frames in, optional zlib-stream frames out."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse, zlib_stream: bool) -> None:
        self.ws = ws
        self.inflator = zlib.decompressobj() if zlib_stream else None

    async def receive(self, timeout: float = 2.0) -> dict[str, Any]:
        message = await self.ws.receive(timeout=timeout)
        if message.type == aiohttp.WSMsgType.BINARY:
            assert self.inflator is not None
            payload: dict[str, Any] = json.loads(self.inflator.decompress(message.data))
            return payload
        if message.type == aiohttp.WSMsgType.TEXT:
            payload = json.loads(message.data)
            return payload
        raise ConnectionError(f"closed: {self.ws.close_code} {message.extra!r}")

    async def send(self, op: int, data: Any) -> None:
        await self.ws.send_str(json.dumps({"op": op, "d": data}))

    async def close_code(self, timeout: float = 2.0) -> int | None:
        """Read until the server closes, and give its close code."""
        async with asyncio.timeout(timeout):
            while True:
                message = await self.ws.receive()
                if message.type in (
                    aiohttp.WSMsgType.CLOSE,
                    aiohttp.WSMsgType.CLOSED,
                    aiohttp.WSMsgType.CLOSING,
                ):
                    return self.ws.close_code

    async def identify(
        self, token: str, *, shard: list[int] | None = None, intents: int = 513
    ) -> dict[str, Any]:
        await self.send(
            Op.IDENTIFY,
            {"token": token, "intents": intents, "properties": {}, "shard": shard or [0, 1]},
        )
        return await self.receive()


@pytest.fixture
async def raw(sandbox: Sandbox) -> AsyncIterator[Callable[..., Awaitable[RawShard]]]:
    """Opens raw gateway connections (HELLO already read), all closed afterwards."""
    async with aiohttp.ClientSession() as http:
        sockets: list[aiohttp.ClientWebSocketResponse] = []

        async def connect(
            query: str = "v=10&encoding=json&compress=zlib-stream", hello: bool = True
        ) -> RawShard:
            ws = await http.ws_connect(f"{sandbox.gateway_url}?{query}")
            sockets.append(ws)
            shard = RawShard(ws, "zlib-stream" in query)
            if hello:
                assert (await shard.receive())["op"] == Op.HELLO
            return shard

        yield connect
        for ws in sockets:
            await ws.close()


async def test_hello_carries_the_heartbeat_interval_over_zlib_stream(
    raw: Callable[..., Awaitable[RawShard]],
) -> None:
    shard = await raw(hello=False)
    hello = await shard.receive()
    assert hello == {"op": 10, "d": {"heartbeat_interval": 250}, "s": None, "t": None}
    await shard.send(Op.HEARTBEAT, None)
    assert (await shard.receive())["op"] == Op.HEARTBEAT_ACK


async def test_identifying_twice_in_one_bucket_is_a_violation(
    sandbox: Sandbox, raw: Callable[..., Awaitable[RawShard]]
) -> None:
    sandbox.shard_count = 2
    first, second = await raw(), await raw()
    ready = await first.identify(sandbox.token, shard=[0, 2])
    assert ready["t"] == "READY" and ready["s"] == 1
    refused = await second.identify(sandbox.token, shard=[1, 2])
    assert refused == {"op": Op.INVALID_SESSION, "d": False, "s": None, "t": None}
    assert [(v.shard_id, v.bucket) for v in sandbox.gateway.identify_violations] == [(1, 0)]
    assert [i.shard_id for i in sandbox.gateway.identifies] == [0]


async def test_resume_replays_what_was_missed_then_resumed(
    sandbox: Sandbox, raw: Callable[..., Awaitable[RawShard]]
) -> None:
    world = sandbox.world
    shard = await raw()
    ready = await shard.identify(sandbox.token)
    creates = [await shard.receive() for _ in world.guilds]
    assert [c["t"] for c in creates] == ["GUILD_CREATE"] * len(world.guilds)
    await shard.ws.close(code=4000)  # 1000 or 1001 would end the session, as on Discord
    await eventually(lambda: not sandbox.gateway.sessions[0].connected)
    guild = demo_guild(world)
    for text in ("one", "two"):
        await sandbox.gateway.dispatch_message(await _store(sandbox, guild, text))
    last_seen = creates[-1]["s"]
    again = await raw()
    await again.send(
        Op.RESUME, {"token": sandbox.token, "session_id": ready["d"]["session_id"], "seq": last_seen}
    )
    replayed = [await again.receive() for _ in range(3)]
    assert [(p["t"], p["s"]) for p in replayed] == [
        ("MESSAGE_CREATE", last_seen + 1),
        ("MESSAGE_CREATE", last_seen + 2),
        ("RESUMED", last_seen + 3),
    ]
    assert [p["d"]["content"] for p in replayed[:2]] == ["", ""]  # no MESSAGE_CONTENT intent


async def test_resuming_an_unknown_session_is_an_invalid_session(
    sandbox: Sandbox, raw: Callable[..., Awaitable[RawShard]]
) -> None:
    shard = await raw()
    await shard.send(Op.RESUME, {"token": sandbox.token, "session_id": "nope", "seq": 3})
    assert (await shard.receive())["op"] == Op.INVALID_SESSION


async def test_dispatch_follows_intents_and_shards(
    sandbox: Sandbox, raw: Callable[..., Awaitable[RawShard]]
) -> None:
    shard = await raw()
    await shard.identify(sandbox.token, intents=1)  # GUILDS only
    guild = demo_guild(sandbox.world)
    assert await sandbox.gateway.dispatch("TYPING_START", {"x": 1}, guild_id=guild.id, intents=1 << 11) == 0
    assert (
        await sandbox.gateway.dispatch("GUILD_UPDATE", {"id": str(guild.id)}, guild_id=guild.id, intents=1)
        == 1
    )
    assert await sandbox.gateway.dispatch("USER_UPDATE", {}, guild_id=None) == 1


@pytest.mark.parametrize(
    ("setup", "payloads", "code"),
    [
        ("", [{"op": Op.PRESENCE_UPDATE, "d": {}}], CloseCode.NOT_AUTHENTICATED),
        ("", [{"op": 99, "d": None}], CloseCode.UNKNOWN_OPCODE),
        ("", ["{not json"], CloseCode.DECODE_ERROR),
        (
            "",
            [{"op": Op.IDENTIFY, "d": {"token": "Bot x.y.z", "intents": 0}}],
            CloseCode.AUTHENTICATION_FAILED,
        ),
        ("", ["IDENTIFY", "IDENTIFY"], CloseCode.ALREADY_AUTHENTICATED),
        ("", ["IDENTIFY shard=[1, 1]"], CloseCode.INVALID_SHARD),
        ("max_guilds_per_shard=1", ["IDENTIFY"], CloseCode.SHARDING_REQUIRED),
        ("", ["IDENTIFY intents=1073741824"], CloseCode.INVALID_INTENTS),
        ("allowed_privileged_intents=0", ["IDENTIFY intents=32768"], CloseCode.DISALLOWED_INTENTS),
        ("payload_limit=3", [{"op": Op.HEARTBEAT, "d": None}] * 4, CloseCode.RATE_LIMITED),
        ("heartbeat_interval=0.05", [], CloseCode.SESSION_TIMED_OUT),
        ("", ["IDENTIFY", "RESUME seq=1000"], CloseCode.ALREADY_AUTHENTICATED),
    ],
)
async def test_close_codes(
    sandbox: Sandbox,
    raw: Callable[..., Awaitable[RawShard]],
    setup: str,
    payloads: list[Any],
    code: int,
) -> None:
    if setup:
        name, value = setup.split("=")
        setattr(sandbox.gateway, name, float(value) if "." in value else int(value))
    shard = await raw(query="v=10&encoding=json")
    for payload in payloads:
        if isinstance(payload, dict):
            await shard.ws.send_str(json.dumps(payload))
        elif payload.startswith("IDENTIFY"):
            data: dict[str, Any] = {"token": sandbox.token, "intents": 513, "properties": {}, "shard": [0, 1]}
            for option in payload.split(" ", 1)[1:]:
                key, value = option.split("=")
                data[key] = json.loads(value)
            await shard.ws.send_str(json.dumps({"op": Op.IDENTIFY, "d": data}))
        elif payload.startswith("RESUME"):
            seq = int(payload.split("=")[1])
            await shard.ws.send_str(json.dumps({"op": Op.RESUME, "d": {"token": sandbox.token, "seq": seq}}))
        else:
            await shard.ws.send_str(payload)
    assert await shard.close_code() == code
    assert sandbox.gateway.close_codes[-1] == code


async def test_resuming_past_the_last_sequence_is_invalid_seq(
    sandbox: Sandbox, raw: Callable[..., Awaitable[RawShard]]
) -> None:
    first = await raw()
    ready = await first.identify(sandbox.token)
    await first.ws.close(code=4000)
    await eventually(lambda: not sandbox.gateway.sessions[0].connected)
    second = await raw()
    await second.send(Op.RESUME, {"token": sandbox.token, "session_id": ready["d"]["session_id"], "seq": 999})
    assert await second.close_code() == CloseCode.INVALID_SEQ


@pytest.mark.parametrize("query", ["v=8&encoding=json", "v=10&encoding=etf", "v=10&compress=brotli"])
async def test_unsupported_connection_parameters_are_refused(
    raw: Callable[..., Awaitable[RawShard]], query: str
) -> None:
    shard = await raw(query=query, hello=False)
    expected = CloseCode.INVALID_API_VERSION if query.startswith("v=8") else CloseCode.UNSUPPORTED
    assert await shard.close_code() == expected


async def test_identify_compress_true_zlib_compresses_each_payload(
    sandbox: Sandbox, raw: Callable[..., Awaitable[RawShard]]
) -> None:
    shard = await raw(query="v=10&encoding=json")
    data = {"token": sandbox.token, "intents": 513, "properties": {}, "compress": True}
    await shard.ws.send_str(json.dumps({"op": Op.IDENTIFY, "d": data}))
    message = await shard.ws.receive(timeout=2)
    assert message.type == aiohttp.WSMsgType.BINARY
    assert json.loads(zlib.decompress(message.data))["t"] == "READY"


async def test_zstd_stream_is_spoken_or_refused_clearly(raw: Callable[..., Awaitable[RawShard]]) -> None:
    from tatiana.testing.sandbox import compression

    shard = await raw(query="v=10&encoding=json&compress=zstd-stream", hello=False)
    if not compression.zstd_available():
        assert await shard.close_code() == CloseCode.UNSUPPORTED
        return
    message = await shard.ws.receive(timeout=2)
    zstd: Any = None
    for name in ("compression.zstd", "backports.zstd"):
        with contextlib.suppress(ImportError):
            zstd = importlib.import_module(name)
            break
    assert json.loads(zstd.ZstdDecompressor().decompress(message.data))["op"] == Op.HELLO


async def test_a_guild_joined_later_reaches_hikari_as_a_join(
    sandbox: Sandbox, hikari_log: LogCapture
) -> None:
    async with running_bot(sandbox) as bot:
        joined = collect(bot, hikari.GuildJoinEvent)
        await sandbox.gateway.wait_ready(1)
        guild = sandbox.world.add_guild("Nuevo")
        assert await sandbox.gateway.dispatch_guild_create(guild.id) == 1
        await eventually(lambda: len(joined) == 1)
        assert joined[0].guild.name == "Nuevo"
        assert bot.cache.get_guild(guild.id) is not None


def test_gateway_payloads_match_discords_openapi_objects(world: World) -> None:
    from tatiana.testing.sandbox import gateway_payloads, openapi
    from tatiana.testing.sandbox.world import Message

    api = openapi.load()

    def errors(schema: str, value: Any) -> list[str]:
        return api.errors(api.ref(f"#/components/schemas/{schema}"), value)

    guild = demo_guild(world)
    general = channel_named(guild, "general")
    world.add_channel(guild, "a-thread", type=11, parent_id=general)
    world.add_channel(guild, "voz", type=2)
    ready = gateway_payloads.ready(
        world=world,
        session_id="s",
        resume_gateway_url="ws://127.0.0.1/gateway",
        shard=(0, 1),
        guild_ids=list(world.guilds),
        application_flags=0,
    )
    assert errors("UserPIIResponse", ready["user"]) == []
    created = gateway_payloads.guild_create(guild, world, intents=int(hikari.Intents.ALL))
    assert errors("GuildResponse", created) == []
    assert len(created["members"]) == len(guild.members)
    assert [e for m in created["members"] for e in errors("GuildMemberResponse", m)] == []
    assert [e for c in created["channels"] for e in errors("GuildChannelResponse", c)] == []
    assert [t["name"] for t in created["threads"]] == ["a-thread"]
    assert errors("ThreadResponse", created["threads"][0]) == []
    message = Message(
        id=world.snowflake(),
        channel_id=general,
        author_id=guild.owner_id,
        content=f"<@{world.bot.id}> @everyone",
        guild_id=guild.id,
        mentions=[world.bot.id],
    )
    event = gateway_payloads.message(message, world)
    assert errors("MessageResponse", event) == []
    assert event["guild_id"] == str(guild.id) and event["member"]["roles"] == []
    assert event["mentions"][0]["member"]["roles"] and event["mention_everyone"] is True
