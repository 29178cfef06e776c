"""The four first-party plugins: found by entry point like any other, their settings, texts and commands.

The commands are run for real by the bot itself: a TatianaBot (its lightbulb client, plugin gate, and the injection
of each guild's settings and of a Translator in the guild's language) on a migrated SQLite database, whose
gateway is never connected and whose REST client talks to a small local recorder of Discord's REST routes; it is
fed interactions deserialized from Discord-shaped payloads. (Once the sandbox in tatiana.testing serves these
routes, the recorder can give way to it.)
"""

from __future__ import annotations

import base64
import itertools
import json
import logging
import re
import string
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import hikari
import lightbulb
import pytest
from aiohttp import web
from lightbulb.internal.constants import GLOBAL_COMMAND_KEY
from packaging.utils import canonicalize_name
from pydantic import BaseModel, TypeAdapter, ValidationError
from sqlalchemy import select
from tatiana_ai import AISettings
from tatiana_economy import EconomySettings
from tatiana_levels import Announce, LevelsSettings
from tatiana_levels.curve import total_xp_for_level
from tatiana_moderation import ModerationSettings

from tatiana import API_VERSION, ChannelId, Plugin, Translator, load_translations
from tatiana.bot.app import TatianaBot
from tatiana.coordination import MemoryCoordination
from tatiana.db import migrate
from tatiana.db.engine import create_engine, session_factory
from tatiana.db.models import Guild
from tatiana.deployment import DeploymentConfig, PluginDefault
from tatiana.registry import PluginRegistry, PluginStatus

REPOSITORY = Path(__file__).resolve().parents[2]
FIRST_PARTY = {"ai": "ask", "economy": "balance", "levels": "rank", "moderation": "warn"}
SPANISH_NAMES = {"ask": "preguntar", "balance": "saldo", "rank": "rango", "warn": "advertir"}
# Discord's rule for command and option names (discord-docs: interactions/application-commands).
COMMAND_NAME = re.compile(r"^[-_\w]{1,32}$")

BOT_ID = 1_180_000_000_000_000_001
GUILD_ID = 1_180_000_000_000_000_100
CHANNEL_ID = 1_180_000_000_000_000_200
LOG_CHANNEL_ID = 1_180_000_000_000_000_300
APPLICATION_ID = BOT_ID
TOKEN = base64.urlsafe_b64encode(str(BOT_ID).encode()).decode().rstrip("=") + ".GaBcDe." + "x" * 38


@pytest.fixture(scope="module")
def registry() -> PluginRegistry:
    return PluginRegistry.discover()


@asynccontextmanager
async def tatiana_bot(
    registry: PluginRegistry, database_url: str, rest_url: str | None = None
) -> AsyncIterator[TatianaBot]:
    """The real bot with every plugin of ``registry`` on for every guild, on a migrated database.

    Its gateway is never connected; its REST client talks to ``rest_url``.
    """
    await migrate.upgrade(database_url, registry=registry)
    engine = create_engine(database_url)
    coordination = MemoryCoordination()
    deployment = DeploymentConfig(plugins={name: PluginDefault(enabled=True) for name in registry.names})
    bot = TatianaBot(
        token=TOKEN,
        registry=registry,
        deployment=deployment,
        sessions=session_factory(engine),
        coordination=coordination,
        rest_url=rest_url,
    )
    try:
        yield bot
    finally:
        await bot.stop()
        await coordination.close()
        await engine.dispose()


def first_party(registry: PluginRegistry) -> list[Plugin]:
    return [registry.get(name) for name in FIRST_PARTY]


# --- discovery ---------------------------------------------------------------------------------------------


def test_all_four_are_found_through_their_entry_points(registry: PluginRegistry) -> None:
    for name in FIRST_PARTY:
        record = registry.record(name)
        assert record is not None, f"{name}: no entry point in group tatiana.plugins"
        assert record.status is PluginStatus.AVAILABLE, f"{name}: {record.status.value}: {record.error}"
        assert canonicalize_name(record.distribution) == f"tatiana-{name}"
        assert record.entry_point == f"tatiana_{name}:plugin"
        assert record.plugin is not None
        assert record.plugin.version == record.distribution_version == "0.1.0"
        assert record.plugin.requires == "1.*"
        assert record.plugin.supports_api(API_VERSION)
        assert record.plugin.description


# --- settings ----------------------------------------------------------------------------------------------


def test_settings_schemas_render_as_forms(registry: PluginRegistry) -> None:
    for plugin in first_party(registry):
        schema = plugin.settings_schema()
        json.dumps(schema)
        assert schema["type"] == "object"
        properties = schema["properties"]
        assert properties, f"{plugin.name}: settings without fields"
        for name, prop in properties.items():
            assert prop.get("description"), f"{plugin.name}.{name}: no description for the form"
            assert "default" in prop, f"{plugin.name}.{name}: no default"
        defaults = plugin.settings()
        assert type(defaults).model_validate_json(defaults.model_dump_json()) == defaults


def test_settings_constraints_are_in_the_schema() -> None:
    ai = AISettings.model_json_schema()["properties"]
    assert (ai["temperature"]["minimum"], ai["temperature"]["maximum"]) == (0, 2)
    assert ai["model"]["default"] == "gemini-2.5-flash"
    levels = LevelsSettings.model_json_schema()
    assert (levels["properties"]["xp_min"]["default"], levels["properties"]["xp_max"]["default"]) == (15, 25)
    assert levels["properties"]["cooldown_seconds"]["default"] == 60
    announce = levels["$defs"]["Announce"]
    assert announce["enum"] == [mode.value for mode in Announce]
    economy = EconomySettings.model_json_schema()["properties"]
    assert economy["daily_amount"]["minimum"] == 1
    assert economy["currency_name"]["maxLength"] == 32


def test_channel_ids_travel_as_strings_of_digits() -> None:
    """Snowflakes exceed JavaScript's safe integers, so the dashboard sees and sends them as strings."""
    channel_id = TypeAdapter(ChannelId).json_schema()
    assert channel_id == {"type": "string", "pattern": "^[1-9][0-9]{0,19}$", "format": "discord-channel-id"}
    schema = ModerationSettings.model_json_schema()["properties"]["mod_log_channel_id"]
    assert channel_id in schema["anyOf"]
    levels = LevelsSettings.model_json_schema()["properties"]
    assert channel_id in levels["announce_channel_id"]["anyOf"]
    assert levels["no_xp_channel_ids"]["items"] == channel_id
    settings = ModerationSettings.model_validate({"mod_log_channel_id": str(LOG_CHANNEL_ID)})
    assert settings.mod_log_channel_id == LOG_CHANNEL_ID
    assert json.loads(settings.model_dump_json())["mod_log_channel_id"] == str(LOG_CHANNEL_ID)
    with pytest.raises(ValidationError):
        ModerationSettings.model_validate({"mod_log_channel_id": "general"})


@pytest.mark.parametrize(
    ("model", "values", "message"),
    [
        (LevelsSettings, {"xp_min": 30, "xp_max": 20}, "xp_max (20) must be at least xp_min (30)"),
        (LevelsSettings, {"announce": "channel"}, "announce_channel_id is required"),
        (LevelsSettings, {"cooldown_seconds": -1}, "greater than or equal to 0"),
        (AISettings, {"temperature": 2.5}, "less than or equal to 2"),
        (AISettings, {"guild_daily_token_budget": 10, "member_daily_token_budget": 20}, "must not exceed"),
        (AISettings, {"model": "Gemini Pro!"}, "should match pattern"),
        (EconomySettings, {"currency_name": "   "}, "at least 1 character"),
        (EconomySettings, {"daily_amount": 0}, "greater than or equal to 1"),
    ],
)
def test_settings_refuse_what_the_form_must_not_accept(
    model: type[BaseModel], values: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationError, match=re.escape(message)):
        model.model_validate(values)


def test_the_repositorys_plugins_toml_fits_the_settings(registry: PluginRegistry) -> None:
    config = DeploymentConfig.load(REPOSITORY / "plugins.toml", registry, required=True)
    for name in FIRST_PARTY:
        plugin = registry.get(name)
        plugin.settings.model_validate(config.settings_defaults(name))


# --- translations ------------------------------------------------------------------------------------------


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_translations_exist_in_spanish_and_english_with_the_same_keys(registry: PluginRegistry) -> None:
    for plugin in first_party(registry):
        es, en = plugin.translations["es"], plugin.translations["en"]
        assert es and set(es) == set(en), f"{plugin.name}: {sorted(set(es) ^ set(en))}"
        for key in es:
            assert key.startswith(f"{plugin.name}."), f"{plugin.name}: key {key!r} lacks the plugin's prefix"
            assert es[key].strip() and en[key].strip(), f"{plugin.name}: {key} is empty"
            assert placeholders(es[key]) == placeholders(en[key]), f"{plugin.name}: {key} placeholders differ"
        for field_name in plugin.settings.model_fields:
            for part in ("label", "help"):
                assert f"{plugin.name}.settings.{field_name}.{part}" in en, (
                    f"{plugin.name}: {field_name} {part}"
                )


def test_command_texts_follow_discords_limits(registry: PluginRegistry) -> None:
    for plugin in first_party(registry):
        for language in ("es", "en"):
            for key, value in plugin.translations[language].items():
                if key.endswith(".name"):
                    assert COMMAND_NAME.match(value) and value == value.lower(), f"{language} {key}={value!r}"
                elif key.endswith(".description") and ".settings." not in key:
                    assert 1 <= len(value) <= 100, f"{language} {key} is {len(value)} characters"


def test_translations_are_the_packages_locale_files(registry: PluginRegistry) -> None:
    for name in FIRST_PARTY:
        translations = load_translations(f"tatiana_{name}")
        assert registry.get(name).translations == translations
        assert set(translations) == {"es", "en"}
    assert load_translations("tatiana_economy")["es"]["economy.balance.member.name"] == "miembro"


def test_translate_falls_back_to_english_then_to_the_key(registry: PluginRegistry) -> None:
    economy = registry.get("economy")
    assert economy.translate("es", "economy.balance.name") == "saldo"
    assert economy.translate("fr", "economy.balance.name") == "balance"
    assert economy.translate("es", "economy.nope") == "economy.nope"
    t = Translator({"es": {"a": "uno {n}"}, "en": {"a": "one {n}", "b": "two"}})
    assert (t.language, t("a", n=1), t("b"), t("c")) == ("es", "uno 1", "two", "c")
    assert t.to("en")("a", n=1) == "one 1"


# --- commands on a lightbulb client ------------------------------------------------------------------------


async def test_the_bot_registers_their_localized_commands(registry: PluginRegistry, sqlite_url: str) -> None:
    async with tatiana_bot(registry, sqlite_url) as bot:
        await bot.load_plugins()
        client, provider = bot.client, bot.client.localization_provider

        for name, root in FIRST_PARTY.items():
            record = registry.record(name)
            assert record is not None and record.status is PluginStatus.LOADED, (name, record)
            assert bot.gate.command_owner[f"{name}.{root}.name"] == name, "localized: owned by its key"
        await client.sync_application_commands(_force_no_api_call=True)
        invokable = client.invokable_commands[GLOBAL_COMMAND_KEY]
        assert {path for path in invokable if path[0] in SPANISH_NAMES} == {
            (c,) for c in FIRST_PARTY.values()
        }

        builders: dict[str, hikari.api.SlashCommandBuilder] = {}
        for command in client.registered_commands:
            builder = await command.as_command_builder(hikari.Locale.EN_US, provider)
            assert isinstance(builder, hikari.api.SlashCommandBuilder)
            builders[builder.name] = builder
        for english, spanish in SPANISH_NAMES.items():
            builder = builders[english]
            assert builder.name_localizations[hikari.Locale.ES_ES] == spanish
            assert builder.name_localizations[hikari.Locale.ES_LATAM] == spanish
            assert builder.description and builder.description_localizations[hikari.Locale.ES_ES]
            assert builder.context_types == [hikari.ApplicationContextType.GUILD]
        assert [(o.name, o.is_required) for o in builders["balance"].options] == [("member", False)]
        assert [(o.name, o.is_required) for o in builders["warn"].options] == [
            ("member", True),
            ("reason", True),
        ]
        assert [(o.name, o.max_length) for o in builders["ask"].options] == [("prompt", 4000)]
        assert builders["warn"].default_member_permissions == hikari.Permissions.MODERATE_MEMBERS
        assert builders["warn"].options[0].name_localizations[hikari.Locale.ES_ES] == "miembro"


# --- running the commands ----------------------------------------------------------------------------------


_ids = itertools.count(1_190_000_000_000_000_000)


def user_payload(user_id: int, username: str, *, bot: bool = False) -> dict[str, Any]:
    """A Discord user object."""
    return {
        "id": str(user_id),
        "username": username,
        "discriminator": "0",
        "global_name": None,
        "avatar": None,
        "bot": bot,
        "public_flags": 0,
    }


def member_payload(user: dict[str, Any], permissions: hikari.Permissions) -> dict[str, Any]:
    """A Discord guild member object as interactions carry it."""
    return {
        "user": user,
        "roles": [],
        "joined_at": "2024-01-01T00:00:00+00:00",
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
        "permissions": str(int(permissions)),
    }


def message_payload(channel_id: str, content: str, flags: int = 0) -> dict[str, Any]:
    """A Discord message object written by the bot."""
    return {
        "id": str(next(_ids)),
        "channel_id": channel_id,
        "author": user_payload(BOT_ID, "Tatiana", bot=True),
        "content": content,
        "timestamp": datetime.now(UTC).isoformat(),
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": [],
        "pinned": False,
        "type": 0,
        "flags": flags,
    }


@dataclass
class Call:
    """One REST request the bot made."""

    method: str
    path: str
    body: dict[str, Any]


@dataclass
class DiscordRecorder:
    """Answers the REST routes these commands use the way Discord does, and records every request."""

    users: dict[int, dict[str, Any]] = field(default_factory=dict)
    closed_dms: set[int] = field(default_factory=set)
    forbidden_channels: set[int] = field(default_factory=set)
    calls: list[Call] = field(default_factory=list)
    dm_channels: dict[int, int] = field(default_factory=dict)
    unexpected: list[str] = field(default_factory=list)

    def routes(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/api/v10/interactions/{id}/{token}/callback", self.callback)
        app.router.add_post("/api/v10/users/@me/channels", self.open_dm)
        app.router.add_post("/api/v10/channels/{channel}/messages", self.create_message)
        app.router.add_post("/api/v10/webhooks/{application}/{token}", self.followup)
        app.router.add_route("*", "/{tail:.*}", self.unknown)
        return app

    async def record(self, request: web.Request) -> dict[str, Any]:
        body = await request.json() if request.can_read_body else {}
        self.calls.append(Call(request.method, request.path.removeprefix("/api/v10"), body))
        return body

    async def callback(self, request: web.Request) -> web.Response:
        body = await self.record(request)
        flags = body.get("data", {}).get("flags", 0)
        return web.json_response(
            {
                "interaction": {
                    "id": request.match_info["id"],
                    "type": 2,
                    "response_message_loading": body["type"] == 5,
                    "response_message_ephemeral": bool(flags & hikari.MessageFlag.EPHEMERAL),
                }
            }
        )

    async def open_dm(self, request: web.Request) -> web.Response:
        body = await self.record(request)
        recipient = int(body["recipient_id"])
        channel = self.dm_channels.setdefault(recipient, next(_ids))
        return web.json_response(
            {"id": str(channel), "type": 1, "last_message_id": None, "recipients": [self.users[recipient]]}
        )

    async def create_message(self, request: web.Request) -> web.Response:
        body = await self.record(request)
        channel = int(request.match_info["channel"])
        closed = {self.dm_channels.get(user) for user in self.closed_dms}
        if channel in closed:
            return web.json_response(
                {"message": "Cannot send messages to this user", "code": 50007}, status=403
            )
        if channel in self.forbidden_channels:
            return web.json_response({"message": "Missing Access", "code": 50001}, status=403)
        return web.json_response(message_payload(str(channel), body.get("content", "")))

    async def followup(self, request: web.Request) -> web.Response:
        body = await self.record(request)
        return web.json_response(
            message_payload(str(CHANNEL_ID), body.get("content", ""), body.get("flags", 0))
        )

    async def unknown(self, request: web.Request) -> web.Response:
        await self.record(request)
        self.unexpected.append(f"{request.method} {request.path}")
        return web.json_response({"message": "404: Not Found", "code": 0}, status=404)

    def paths(self) -> list[str]:
        return [f"{call.method} {call.path}" for call in self.calls]


@dataclass
class Harness:
    """The bot with its command client started, carrying the registry's plugins, and the Discord it talks to."""

    bot: TatianaBot
    discord: DiscordRecorder
    failures: list[BaseException]
    moderator: dict[str, Any]
    last_interaction_id: int = 0

    async def use_settings(self, settings: BaseModel) -> None:
        """Save ``settings`` as the guild's (as the dashboard does); the bot injects them into the commands."""
        [plugin] = [p.name for p in self.bot.registry if p.settings is type(settings)]
        await self.bot.service.update_settings(GUILD_ID, plugin, settings.model_dump(mode="json"))

    async def use_language(self, language: str) -> None:
        """Make ``language`` the guild's language (as the dashboard does) and have the bot read it again."""
        async with self.bot.sessions() as session, session.begin():
            guild = await session.scalar(select(Guild).where(Guild.discord_id == GUILD_ID))
            if guild is None:
                session.add(Guild(discord_id=GUILD_ID, name="Test server", language=language))
            else:
                guild.language = language
        self.bot.languages.forget(GUILD_ID)

    def add_user(self, username: str, *, bot: bool = False) -> dict[str, Any]:
        """A new Discord user the recorder knows (so a DM channel can be opened with them)."""
        user = user_payload(next(_ids), username, bot=bot)
        self.discord.users[int(user["id"])] = user
        return user

    async def run(self, command: str, locale: str = "en-US", **options: Any) -> None:
        """Deliver one slash command interaction from the moderator, options given by name."""
        payload_options, resolved_users, resolved_members = [], {}, {}
        for name, value in options.items():
            if isinstance(value, dict):
                payload_options.append({"name": name, "type": 6, "value": value["id"]})
                resolved_users[value["id"]] = value
                resolved_members[value["id"]] = {
                    k: v for k, v in member_payload(value, hikari.Permissions.NONE).items() if k != "user"
                }
            else:
                payload_options.append({"name": name, "type": 3, "value": value})
        data: dict[str, Any] = {"id": str(next(_ids)), "name": command, "type": 1, "options": payload_options}
        if resolved_users:
            data["resolved"] = {"users": resolved_users, "members": resolved_members}
        self.last_interaction_id = next(_ids)
        payload = {
            "id": str(self.last_interaction_id),
            "application_id": str(APPLICATION_ID),
            "type": 2,
            "token": "interaction-token",
            "version": 1,
            "guild_id": str(GUILD_ID),
            "guild_locale": "es-ES",
            "locale": locale,
            "channel": {
                "id": str(CHANNEL_ID),
                "type": 0,
                "name": "general",
                "permissions": str(int(hikari.Permissions.all_permissions())),
            },
            "channel_id": str(CHANNEL_ID),
            "member": member_payload(self.moderator, hikari.Permissions.MODERATE_MEMBERS),
            "data": data,
            "app_permissions": str(int(hikari.Permissions.SEND_MESSAGES)),
            "entitlements": [],
            "authorizing_integration_owners": {"0": str(GUILD_ID)},
            "context": 0,
            "attachment_size_limit": 8_388_608,
        }
        interaction = self.bot.app.entity_factory.deserialize_command_interaction(payload)
        await self.bot.client.handle_interaction_create(interaction)
        assert not self.failures, f"/{command} failed: {self.failures!r}"

    def responses(self) -> list[dict[str, Any]]:
        """The interaction responses and follow-ups, in order: ``{"type", "content", "ephemeral"}``."""
        out = []
        for call in self.discord.calls:
            if call.path.endswith("/callback"):
                data = call.body.get("data") or {}
                out.append(
                    {
                        "type": call.body["type"],
                        "content": data.get("content"),
                        "ephemeral": bool(data.get("flags", 0) & hikari.MessageFlag.EPHEMERAL),
                    }
                )
            elif call.path.startswith("/webhooks/"):
                out.append(
                    {
                        "type": "followup",
                        "content": call.body.get("content"),
                        "ephemeral": bool(call.body.get("flags", 0) & hikari.MessageFlag.EPHEMERAL),
                    }
                )
        return out


@pytest.fixture
async def harness(
    registry: PluginRegistry, sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> AsyncIterator[Harness]:
    discord = DiscordRecorder()
    runner = web.AppRunner(discord.routes(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        async with tatiana_bot(registry, sqlite_url, f"http://127.0.0.1:{port}/api/v10") as bot:
            rest = bot.app.rest
            assert isinstance(rest, hikari.impl.RESTClientImpl)
            rest.start()  # REST only: the gateway is never connected
            failures: list[BaseException] = []

            # Ahead of the bot's own handler (priority -100), which would answer and hide the failure.
            @bot.client.error_handler
            async def record_failure(failure: lightbulb.exceptions.ExecutionPipelineFailedException) -> bool:
                failures.extend(failure.causes)
                return True

            await bot.service.start()
            await bot.load_plugins()
            bot.client.sync_commands = False  # the recorder does not serve the command routes
            await bot.client.start()
            harness = Harness(bot, discord, failures, user_payload(next(_ids), "mod"))
            discord.users[int(harness.moderator["id"])] = harness.moderator
            try:
                yield harness
            finally:
                await rest.close()
    finally:
        await runner.cleanup()
    errors = [
        r for r in caplog.records if r.levelno >= logging.ERROR and r.name.startswith(("hikari", "lightbulb"))
    ]
    assert not errors, f"hikari or lightbulb logged errors: {[r.getMessage() for r in errors]}"
    assert not discord.unexpected, f"requests to routes this recorder does not know: {discord.unexpected}"


@pytest.fixture(autouse=True)
def _fresh_registry_state(registry: PluginRegistry) -> Iterator[None]:
    # add_to_client marks records LOADED; the tests here each start from plugins that are only available.
    yield
    for record in registry.records:
        if record.status is PluginStatus.LOADED:
            record.status = PluginStatus.AVAILABLE


async def test_balance_answers_with_this_servers_currency(harness: Harness) -> None:
    await harness.use_settings(
        EconomySettings(currency_name="gemas", currency_symbol="💎", daily_amount=2500)
    )
    member = harness.add_user("ana")
    await harness.run("balance", locale="es-ES", member=member)
    [reply] = harness.responses()
    assert reply["type"] == 4 and reply["ephemeral"]
    assert f"<@{member['id']}>" in reply["content"]
    assert "este bot aún no guarda saldos" in reply["content"]
    assert "💎 gemas" in reply["content"] and "💎 2\u202f500 gemas" in reply["content"]


async def test_balance_without_guild_settings_uses_the_defaults_and_your_own_wallet(harness: Harness) -> None:
    await harness.use_language("en")
    await harness.run("balance", locale="en-GB")
    [reply] = harness.responses()
    assert f"<@{harness.moderator['id']}>'s wallet can't be shown yet" in reply["content"]
    assert "🪙 100 coins" in reply["content"]


async def test_balance_of_a_bot_says_bots_have_no_wallet(harness: Harness) -> None:
    await harness.run("balance", locale="fr", member=harness.add_user("otherbot", bot=True))
    [reply] = harness.responses()
    assert "los bots no tienen cartera" in reply["content"], "a server that chose no language gets Spanish"


async def test_commands_answer_in_the_servers_language_whatever_the_members_client(harness: Harness) -> None:
    await harness.run("balance", locale="en-US")
    await harness.use_language("en")
    await harness.run("balance", locale="es-ES")
    await harness.use_language("es")
    await harness.run("ask", locale="en-GB", prompt="Hello?")
    spanish, english, spanish_again = (r["content"] for r in harness.responses())
    assert "aún no guarda saldos" in spanish
    assert "balances are not stored on this bot yet" in english
    assert spanish_again.startswith("Las respuestas de IA aún no están disponibles")


async def test_rank_explains_how_xp_is_earned_here(harness: Harness) -> None:
    await harness.use_language("en")
    await harness.use_settings(LevelsSettings(xp_min=5, xp_max=10, cooldown_seconds=30))
    await harness.run("rank", member=harness.add_user("bea"))
    [reply] = harness.responses()
    assert reply["ephemeral"]
    assert "XP is not stored on this bot yet" in reply["content"]
    assert "5–10 XP, at most once every 30 s" in reply["content"]
    assert f"level 5: {total_xp_for_level(5)}" in reply["content"]


async def test_ask_refuses_a_question_over_the_servers_limit(harness: Harness) -> None:
    await harness.use_settings(AISettings(max_prompt_chars=10))
    await harness.run("ask", locale="es-ES", prompt="¿Cuál es la capital de Francia?")
    [reply] = harness.responses()
    assert reply["content"] == "Tu pregunta tiene 31 caracteres; este servidor admite como mucho 10."


async def test_ask_says_ai_is_not_configured_instead_of_answering(harness: Harness) -> None:
    await harness.use_language("en")
    await harness.run("ask", prompt="What is the capital of France?")
    [reply] = harness.responses()
    assert reply["ephemeral"]
    assert reply["content"] == "AI answers are not available yet: no AI service is configured for this bot."


async def test_warn_tells_the_member_logs_it_and_announces_it(harness: Harness) -> None:
    await harness.use_language("en")
    await harness.use_settings(ModerationSettings(mod_log_channel_id=LOG_CHANNEL_ID))
    member = harness.add_user("carla")
    await harness.run("warn", member=member, reason="  spam in #general  ")

    dm_channel = harness.discord.dm_channels[int(member["id"])]
    assert harness.discord.paths() == [
        f"POST /interactions/{harness.last_interaction_id}/interaction-token/callback",
        "POST /users/@me/channels",
        f"POST /channels/{dm_channel}/messages",
        f"POST /channels/{LOG_CHANNEL_ID}/messages",
        f"POST /webhooks/{APPLICATION_ID}/interaction-token",
    ]
    deferred, dm, log, notice = (harness.discord.calls[i].body for i in (0, 2, 3, 4))
    assert (
        deferred["type"] == 5 and not deferred.get("data", {}).get("flags", 0) & hikari.MessageFlag.EPHEMERAL
    )
    assert dm["content"] == "⚠️ You have received a warning in a server. Reason: spam in #general"
    assert log["content"] == (
        f"⚠️ **Warning** · <@{member['id']}> (`{member['id']}`) by <@{harness.moderator['id']}> · spam in #general"
    )
    assert log["allowed_mentions"] == {"parse": []}, "the log entry pings no one"
    assert notice["content"] == f"⚠️ <@{member['id']}> has been warned. Reason: spam in #general"
    assert notice["allowed_mentions"]["users"] == [member["id"]]


async def test_warn_reports_what_discord_refused_to_the_moderator_only(harness: Harness) -> None:
    await harness.use_settings(ModerationSettings(mod_log_channel_id=LOG_CHANNEL_ID))
    member = harness.add_user("dani")
    harness.discord.closed_dms.add(int(member["id"]))
    harness.discord.forbidden_channels.add(LOG_CHANNEL_ID)
    await harness.run("warn", locale="es-ES", member=member, reason="flood")

    responses = harness.responses()
    assert [r["type"] for r in responses] == [5, "followup", "followup"]
    notice, problems = responses[1], responses[2]
    assert notice["content"] == f"⚠️ <@{member['id']}> ha recibido una advertencia. Motivo: flood"
    assert problems["ephemeral"]
    assert "no acepta mensajes directos del bot" in problems["content"]
    assert f"registro de moderación <#{LOG_CHANNEL_ID}>" in problems["content"]


async def test_warn_without_a_public_notice_answers_only_the_moderator(harness: Harness) -> None:
    await harness.use_language("en")
    await harness.use_settings(ModerationSettings(dm_on_action=False, public_notice=False))
    member = harness.add_user("eva")
    await harness.run("warn", member=member, reason="off-topic")
    assert [call.path.split("/")[1] for call in harness.discord.calls] == ["interactions", "webhooks"]
    deferred, done = harness.responses()
    assert deferred["ephemeral"] and deferred["type"] == 5
    assert done["content"] == f"<@{member['id']}> has been warned. Reason: off-topic"


async def test_warn_refuses_yourself_and_bots_without_telling_anyone(harness: Harness) -> None:
    await harness.use_language("en")
    bot = harness.add_user("somebot", bot=True)
    await harness.run("warn", member=harness.moderator, reason="test")
    await harness.run("warn", member=bot, reason="test")
    assert [r["content"] for r in harness.responses()] == [
        "You can't warn yourself.",
        f"<@{bot['id']}> is a bot: bots can't be warned.",
    ]
    assert all(r["ephemeral"] for r in harness.responses())
    assert all(call.path.endswith("/callback") for call in harness.discord.calls), "no DM, no log entry"
