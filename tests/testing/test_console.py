"""The sandbox's web console, over HTTP: in process with the real bot, and through the real ``tatiana dev``.

Every in-process test fails on a warning or error hikari logs (hikari only logs a payload it cannot parse).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import signal
import socket
import sys
import urllib.parse
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import hikari
import lightbulb
import pytest

from tatiana import Plugin
from tatiana.bot.messages import message
from tatiana.testing.harness import sandbox_bot
from tatiana.testing.sandbox import rest
from tatiana.testing.sandbox.console import install_console
from tatiana.testing.sandbox.seed import seed_demo
from tatiana.testing.sandbox.server import Sandbox
from tatiana.testing.sandbox.world import ApplicationCommand

REPOSITORY = Path(__file__).resolve().parents[2]
TATIANA = Path(sys.executable).parent / "tatiana"
JSON = dict[str, Any]


class HikariLog(logging.Handler):
    """Collects hikari's warnings and errors."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(f"{record.name} {record.levelname}: {record.getMessage()}")


@pytest.fixture(autouse=True)
def hikari_quiet() -> Iterator[None]:
    """Fails the test on any hikari warning or error but the one about Python's optimization level."""
    handler = HikariLog()
    logger = logging.getLogger("hikari")
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
    assert [m for m in handler.messages if "optimization level" not in m] == []


@dataclass
class Counter:
    """A test plugin: ``/counter`` answers with buttons, one opens a modal; it records the messages it hears."""

    plugin: Plugin
    heard: list[str] = field(default_factory=list)
    heard_one: asyncio.Event = field(default_factory=asyncio.Event)


def buttons() -> hikari.impl.MessageActionRowBuilder:
    """The counter's buttons."""
    return (
        hikari.impl.MessageActionRowBuilder()
        .add_interactive_button(hikari.ButtonStyle.PRIMARY, "counter:add", label="Add")
        .add_interactive_button(hikari.ButtonStyle.SECONDARY, "counter:rename", label="Rename")
    )


def make_counter() -> Counter:
    """A fresh counter plugin."""
    loader = lightbulb.Loader()
    counter = Counter(
        Plugin(name="counter", version="1.0", description="Counter", requires="1.*", loaders=[loader])
    )

    @loader.command
    class Count(lightbulb.SlashCommand, name="counter", description="A counter with buttons"):
        start = lightbulb.integer("start", "Where to start", default=0)
        step = lightbulb.number("step", "How much a press adds", default=1.0)
        loud = lightbulb.boolean("loud", "Shout", default=False)

        @lightbulb.invoke
        async def invoke(self, ctx: lightbulb.Context) -> None:
            await ctx.respond(
                f"count: {self.start}{'!' if self.loud else ''} (step {self.step})", component=buttons()
            )

    @loader.command
    class Silent(lightbulb.SlashCommand, name="silent", description="Never answers"):
        @lightbulb.invoke
        async def invoke(self, ctx: lightbulb.Context) -> None:
            return

    @loader.listener(hikari.InteractionCreateEvent)
    async def on_interaction(event: hikari.InteractionCreateEvent) -> None:
        interaction = event.interaction
        if isinstance(interaction, hikari.ComponentInteraction) and interaction.custom_id == "counter:add":
            count = int(re.findall(r"\d+", interaction.message.content or "")[0]) + 1
            await interaction.create_initial_response(
                hikari.ResponseType.MESSAGE_UPDATE, f"count: {count}", component=buttons()
            )
        elif (
            isinstance(interaction, hikari.ComponentInteraction) and interaction.custom_id == "counter:rename"
        ):
            field = hikari.impl.ModalActionRowBuilder().add_text_input("name", "New name")
            await interaction.create_modal_response("Rename the counter", "counter:name", component=field)
        elif isinstance(interaction, hikari.ModalInteraction) and interaction.custom_id == "counter:name":
            name = interaction.components[0].components[0].value
            await interaction.create_initial_response(
                hikari.ResponseType.MESSAGE_CREATE, f"renamed to {name}"
            )

    @loader.listener(hikari.GuildMessageCreateEvent)
    async def on_message(event: hikari.GuildMessageCreateEvent) -> None:
        if event.is_human:
            counter.heard.append(event.content or "")
            counter.heard_one.set()

    return counter


@dataclass
class Site:
    """The console of a running sandbox with the real bot, and an HTTP client for it."""

    sandbox: Sandbox
    http: aiohttp.ClientSession
    counter: Counter

    async def post(self, path: str, body: JSON) -> tuple[int, JSON]:
        """POST ``body`` to ``/console/api/<path>``; the status and the JSON answer."""
        async with self.http.post(f"/console/api/{path}", json=body) as response:
            return response.status, await response.json()

    async def run(self, line: str, **actor: str) -> JSON:
        """Run a command line and insist it succeeded."""
        status, answer = await self.post("command", {"line": line, **actor})
        assert status == 200, answer
        return answer

    def user_id(self, username: str) -> int:
        """The id of ``username``."""
        return next(u.id for u in self.sandbox.world.users.values() if u.username == username)


@pytest.fixture
async def site(sqlite_url: str) -> AsyncIterator[Site]:
    """The demo world with its console, the real bot running economy, moderation and the counter."""
    sandbox = Sandbox()
    seed_demo(sandbox.world)
    install_console(sandbox)
    counter = make_counter()
    async with (
        sandbox,
        sandbox_bot(sandbox, sqlite_url, plugins=[counter.plugin, "economy", "moderation"]),
        aiohttp.ClientSession(base_url=sandbox.base_url) as http,
    ):
        yield Site(sandbox, http, counter)


async def test_the_page_is_one_self_contained_html_file(site: Site) -> None:
    async with site.http.get("/") as response:
        assert response.status == 200
        assert response.content_type == "text/html"
        page = await response.text()
    assert "<script>" in page and "<style>" in page and "/console/api/" in page
    assert not re.search(r"<link|<script src|@import|url\(", page), "no external assets"


async def test_the_world_lists_guilds_members_channels_and_the_registered_commands(site: Site) -> None:
    async with site.http.get("/console/api/world") as response:
        assert response.status == 200
        world = await response.json()
    [guild] = world["guilds"]
    assert guild["name"] == "Tatiana Dev"
    assert {m["username"] for m in guild["members"]} == {"Tatiana", "ana", "luis", "marta", "pablo", "sofia"}
    assert next(m for m in guild["members"] if m["username"] == "luis")["roles"] == ["Moderador"]
    assert [c["name"] for c in guild["channels"]] == ["general", "bot-commands", "mod-log"]
    commands = {c["name"]: c for c in world["commands"]}
    economy = {"balance", "daily", "pay", "leaderboard", "shop", "buy", "inventory", "economy"}
    moderation = {
        "warn",
        "timeout",
        "untimeout",
        "kick",
        "ban",
        "unban",
        "purge",
        "slowmode",
        "lock",
        "unlock",
    }
    moderation |= {"warnings", "cases", "case"}
    assert set(commands) == {"counter", "silent", *economy, *moderation}
    assert commands["balance"]["localized_names"] == ["saldo"]
    assert commands["balance"]["description"]
    assert [u["line"] for u in commands["warn"]["usages"]] == ["/warn member:<@member> reason:<text>"]
    assert [u["line"] for u in commands["counter"]["usages"]] == [
        "/counter [start:<integer>] [step:<number>] [loud:<true|false>]"
    ]
    assert world["users"][guild["owner_id"]] == "Ana"


async def test_balance_answers_in_the_servers_currency(site: Site) -> None:
    answer = await site.run("/balance", member="marta")
    assert answer["as"] == {"user": "marta", "guild": "Tatiana Dev", "channel": "general"}
    assert answer["kind_name"] == "message" and answer["ephemeral"]
    assert answer["content"] == "Tienes 🪙 0 coins.\nTu recompensa diaria está lista: usa /diaria."


async def test_localized_names_members_by_name_and_values_with_spaces(site: Site) -> None:
    luis = site.user_id("luis")
    answer = await site.run("/saldo miembro:@Luis")
    assert f"<@{luis}>" in answer["content"]
    warned = await site.run(
        f"/warn member:<@{luis}> reason:too much   spam", member="ana", channel="#mod-log"
    )
    assert warned["as"]["channel"] == "mod-log"
    assert f"<@{luis}>" in warned["content"] and "too much   spam" in warned["content"]
    quoted = await site.run('/warn reason:"member:nobody" member:luis', member="ana")
    assert "member:nobody" in quoted["content"]


async def test_options_are_converted_to_the_types_the_command_declares(site: Site) -> None:
    answer = await site.run("/counter start:41 step:2,5 loud:yes")
    assert answer["content"] == "count: 41! (step 2.5)"
    assert [b["custom_id"] for b in answer["components"][0]["components"]] == [
        "counter:add",
        "counter:rename",
    ]


async def test_buttons_of_an_earlier_reply_and_its_modal_still_work(site: Site) -> None:
    first = await site.run("/counter start:1", member="sofia")
    await site.run("/balance")
    status, pressed = await site.post("press", {"reply_id": first["id"], "custom_id": "counter:add"})
    assert status == 200, pressed
    assert pressed["kind_name"] == "update" and pressed["content"] == "count: 2"
    assert pressed["as"]["user"] == "sofia", "a reply's buttons are pressed by the member who got it"

    status, feed = await _get(site, f"/console/api/channels/{pressed['channel_id']}/messages")
    assert status == 200
    on_channel = next(m for m in feed["messages"] if m["id"] == first["message_id"])
    assert on_channel["content"] == "count: 2" and on_channel["edited"]
    status, by_id = await site.post(
        "press", {"message_id": on_channel["id"], "custom_id": "counter:add", "member": "pablo"}
    )
    assert status == 200, by_id
    assert by_id["content"] == "count: 3" and by_id["as"]["user"] == "pablo"

    status, modal = await site.post("press", {"reply_id": first["id"], "custom_id": "counter:rename"})
    assert status == 200, modal
    assert modal["kind_name"] == "modal"
    assert modal["modal"]["title"] == "Rename the counter"
    assert [(f["custom_id"], f["label"], f["required"]) for f in modal["modal"]["fields"]] == [
        ("name", "New name", True)
    ]
    status, empty = await site.post("submit", {"reply_id": modal["id"], "fields": {}})
    assert (status, empty) == (400, {"error": "the modal's field 'name' is required"})
    status, submitted = await site.post("submit", {"reply_id": modal["id"], "fields": {"name": "visits"}})
    assert status == 200, submitted
    assert submitted["content"] == "renamed to visits"


async def _get(site: Site, path: str) -> tuple[int, JSON]:
    async with site.http.get(path) as response:
        return response.status, await response.json()


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        (
            {"line": "/nope"},
            404,
            "no /nope registered; registered: ['balance', 'ban', 'buy', 'case', 'cases', 'counter', 'daily', "
            "'economy', 'inventory', 'kick', 'leaderboard', 'lock', 'pay', 'purge', 'shop', 'silent', 'slowmode', "
            "'timeout', 'unban', 'unlock', 'untimeout', 'warn', 'warnings']",
        ),
        ({"line": "   "}, 400, "'line' must be a non-empty string"),
        ({"line": "/"}, 400, "type a command, e.g. /balance"),
        (
            {"line": "/balance member:@nobody"},
            400,
            "no member '@nobody' in Tatiana Dev; members: @ana, @luis, @marta, @pablo, @sofia, @Tatiana",
        ),
        (
            {"line": "/balance colour:red"},
            400,
            "expected option:value, got 'colour:red'; /balance takes member",
        ),
        ({"line": "/counter start:many"}, 400, "'start' takes an integer, not 'many'"),
        ({"line": "/counter loud:maybe"}, 400, "'loud' takes true or false, not 'maybe'"),
        ({"line": "/counter start:1 start:2"}, 400, "option 'start' is given twice"),
        ({"line": "/warn member:@luis"}, 400, "/warn requires ['reason']"),
        ({"line": "/warn member:@luis reason:x", "member": "marta"}, 404, "marta lacks the permissions warn"),
        ({"line": "/balance", "member": "zed"}, 400, "no member 'zed' in Tatiana Dev"),
        ({"line": "/balance", "member": "Tatiana"}, 400, "pick a member other than the bot"),
        ({"line": "/balance", "guild": "Elsewhere"}, 404, "no guild 'Elsewhere'; guilds: Tatiana Dev"),
        (
            {"line": "/balance", "channel": "#attic"},
            400,
            "no channel '#attic' in Tatiana Dev; channels: #general",
        ),
    ],
)
async def test_bad_commands_are_a_4xx_with_a_clear_message(
    site: Site, body: JSON, status: int, error: str
) -> None:
    answer_status, answer = await site.post("command", body)
    assert answer_status == status
    assert set(answer) == {"error"} and answer["error"].startswith(error), answer["error"]


async def test_bad_presses_and_bodies_are_a_4xx(site: Site) -> None:
    assert await site.post("press", {"reply_id": "123", "custom_id": "x"}) == (
        404,
        {"error": "no reply 123 (the console keeps the latest 200)"},
    )
    balance = await site.run("/balance")
    status, answer = await site.post("press", {"reply_id": balance["id"], "custom_id": "counter:add"})
    assert (status, answer["error"]) == (400, "no component 'counter:add' on the message; it has []")
    async with site.http.post("/console/api/command", data="not json") as response:
        assert (response.status, await response.json()) == (400, {"error": "the request body must be JSON"})


async def test_a_command_the_bot_does_not_answer_is_a_424(site: Site) -> None:
    rest.state(site.sandbox).interaction_response_timeout = 0.5
    status, answer = await site.post("command", {"line": "/silent"})
    assert (status, answer) == (424, {"error": "the bot did not answer /silent within 0.5 s"})


async def test_without_a_bot_a_command_is_a_424_saying_so() -> None:
    sandbox = Sandbox()
    seed_demo(sandbox.world)
    world = sandbox.world
    command = ApplicationCommand(id=world.snowflake(), application_id=world.application_id, name="ping")
    world.commands[command.id] = command
    install_console(sandbox)
    async with (
        sandbox,
        aiohttp.ClientSession(base_url=sandbox.base_url) as http,
        http.post("/console/api/command", json={"line": "/ping"}) as response,
    ):
        assert response.status == 424
        assert await response.json() == {
            "error": "no bot is connected to the sandbox's gateway to receive the interaction"
        }
    with pytest.raises(RuntimeError, match="before the sandbox starts"):
        install_console(sandbox)


async def test_a_plain_message_reaches_the_bot_and_shows_in_the_channel(site: Site) -> None:
    luis = site.user_id("luis")
    status, sent = await site.post(
        "message", {"content": "hola @luis y @nadie", "member": "marta", "channel": "bot-commands"}
    )
    assert status == 200, sent
    assert sent["message"]["content"] == f"hola <@{luis}> y @nadie"
    await asyncio.wait_for(site.counter.heard_one.wait(), 5)
    assert site.counter.heard == [f"hola <@{luis}> y @nadie"]
    status, feed = await _get(site, f"/console/api/channels/{sent['message']['channel_id']}/messages")
    assert feed["channel"]["name"] == "bot-commands"
    assert [(m["author"], m["content"], m["bot"]) for m in feed["messages"]] == [
        ("Marta", f"hola <@{luis}> y @nadie", False)
    ]
    status, refused = await site.post("message", {"content": " ", "member": "marta"})
    assert (status, refused) == (400, {"error": "'content' must be a non-empty string"})


# --- the real ``tatiana dev`` ---------------------------------------------------------------------------------


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.mark.slow
async def test_tatiana_dev_alone_serves_the_console_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    port = free_port()
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DISCORD_", "TATIANA_", "GEMINI_", "JWT_", "API_"))
        and name not in {"DATABASE_URL", "REDIS_URL", "LOG_LEVEL"}
    }
    env |= {
        "TATIANA_DATA_DIR": str(tmp_path / "data"),
        "TATIANA_PLUGINS_FILE": str(REPOSITORY / "plugins.toml"),
    }
    log_path = tmp_path / "stderr.log"
    with log_path.open("wb") as stderr:
        process = await asyncio.create_subprocess_exec(
            str(TATIANA), "dev", "--sandbox-port", str(port), "--api-port", "0",
            cwd=tmp_path, env=env, stdout=asyncio.subprocess.PIPE, stderr=stderr,
        )  # fmt: skip
    assert process.stdout is not None
    banner: list[str] = []
    try:
        async with asyncio.timeout(60):
            while not banner or not banner[-1].startswith("Press Ctrl-C"):
                line = await process.stdout.readline()
                assert line, f"tatiana dev exited early:\n{log_path.read_text()}"
                banner.append(line.decode().rstrip())
        console = f"http://127.0.0.1:{port}"
        assert f"  talk to it    {console}/  (pick a guild and a member, type /balance)" in banner
        assert "  discord       local sandbox (DISCORD_TOKEN is unset)" in banner
        # One in-process shard worker: leased, identified and reported ready on the in-memory sharding.
        assert "  shards        1 of 1 in this process, on the in-memory sharding" in banner
        [gemini_line] = [
            line for line in banner if line.startswith("  ai model      local Gemini stand-in at ")
        ]
        gemini_url = gemini_line.split(" at ")[1].split()[0]
        async with aiohttp.ClientSession() as http:
            ask = {"contents": [{"role": "user", "parts": [{"text": "hola"}]}]}
            async with http.post(
                f"{gemini_url}v1beta/models/gemini-2.5-flash:generateContent", json=ask
            ) as reply:
                said = (await reply.json())["candidates"][0]["content"]["parts"][0]["text"]
        assert said.endswith("You said: hola") and "GEMINI_API_KEY" in said

        async with aiohttp.ClientSession(base_url=console) as http:
            async with http.get("/") as page:
                assert page.status == 200 and "Tatiana sandbox" in await page.text()
            async with http.post(
                "/console/api/command", json={"line": "/balance", "member": "luis"}
            ) as response:
                answer = await response.json()
                assert response.status == 200, answer
        assert answer["content"].startswith("Tienes 🪙 0 monedas."), "plugins.toml names the currency"

        await _check_the_api_in_the_same_process(banner, console)

        process.send_signal(signal.SIGINT)
        async with asyncio.timeout(10):
            rest_of_stdout = await process.stdout.read()
            assert await process.wait() == 0, log_path.read_text()
        assert "stopping…" in rest_of_stdout.decode()
    finally:
        if process.returncode is None:
            process.kill()
            with contextlib.suppress(ProcessLookupError):
                await process.wait()
    errors = [
        line for line in log_path.read_text().splitlines() if re.search(r" (ERROR|CRITICAL) |Traceback", line)
    ]
    assert errors == []
    # The shard worker's runtime, logged after the API started, still through the process's redacting handler.
    log_format = r"^\d\d:\d\d:\d\d INFO +tatiana\.shards\.worker: process dev serving: up to 1 shards of 1$"
    assert re.search(log_format, log_path.read_text(), re.MULTILINE), log_path.read_text()


@pytest.mark.slow
async def test_tatiana_dev_on_a_busy_api_port_exits_1_saying_so(tmp_path: Path) -> None:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DISCORD_", "TATIANA_", "GEMINI_", "JWT_", "API_"))
        and name not in {"DATABASE_URL", "REDIS_URL", "LOG_LEVEL"}
    }
    env |= {
        "TATIANA_DATA_DIR": str(tmp_path / "data"),
        "TATIANA_PLUGINS_FILE": str(REPOSITORY / "plugins.toml"),
    }
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        process = await asyncio.create_subprocess_exec(
            str(TATIANA), "dev", "--sandbox-port", "0", "--api-port", str(port),
            cwd=tmp_path, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        async with asyncio.timeout(60):
            stdout, stderr = await process.communicate()
    assert process.returncode == 1, stderr.decode()
    assert (
        stderr.decode()
        .splitlines()[-1]
        .startswith(f"tatiana: error: the API cannot listen on 127.0.0.1:{port}: ")
    )
    assert "Tatiana is running." not in stdout.decode()


async def _check_the_api_in_the_same_process(banner: list[str], console: str) -> None:
    """The API of ``tatiana dev`` answers at the URL its banner prints and shares the bot's coordination."""
    # The API runs in the same process, on the port picked for it, sharing the bot's coordination.
    [api_line] = [line for line in banner if line.startswith("  api           ")]
    found = re.fullmatch(r"  api           (http://127\.0\.0\.1:\d+)  \(OpenAPI schema: (\S+)\)", api_line)
    assert found, api_line
    api_url, schema_url = found.groups()
    assert schema_url == f"{api_url}/schema/openapi.json"
    assert any("per-run secret" in line for line in banner), "no JWT_SECRET: a random one, not printed"
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{api_url}/health") as response:
            assert (response.status, await response.json()) == (200, {"status": "ok"})
        async with http.get(f"{api_url}/api/plugins") as response:
            assert response.status == 200
            assert "economy" in {p["name"] for p in await response.json()}
        async with http.get(schema_url) as response:
            assert response.status == 200 and "/api/plugins" in (await response.json())["paths"]
        await _switch_off_through_the_api(http, api_url, console, "economy")
        async with http.post(
            f"{console}/console/api/command", json={"line": "/balance", "member": "luis"}
        ) as response:
            refused = await response.json()
            assert response.status == 200, refused
    assert refused["content"] == message("es", "plugin_disabled", plugin="economy")


async def _switch_off_through_the_api(
    http: aiohttp.ClientSession, api_url: str, console: str, plugin: str
) -> None:
    """Log the demo guild's owner in through the sandbox's OAuth2 and switch ``plugin`` off in that guild."""
    async with http.get(f"{console}/console/api/world") as response:
        [guild] = (await response.json())["guilds"]
    async with http.post(f"{api_url}/api/auth/login") as response:
        start = await response.json()
        assert response.status in {200, 201}, start
    authorize = start["authorization_url"] + f"&sandbox_user_id={guild['owner_id']}"
    async with http.get(authorize, allow_redirects=False) as response:
        assert response.status == 302, await response.text()
        back = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(response.headers["location"]).query))
    callback = {"code": back["code"], "state": back["state"], "login_token": start["login_token"]}
    async with http.post(f"{api_url}/api/auth/callback", json=callback) as response:
        tokens = await response.json()
        assert response.status == 200, tokens
    async with http.put(
        f"{api_url}/api/guilds/{guild['id']}/plugins/{plugin}",
        json={"enabled": False},
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
    ) as response:
        assert response.status == 200, await response.text()
