"""The four first-party plugins: found by entry point like any other, their settings, texts and commands.

The commands run for real: the pytest plugin's ``bot`` fixture is a TatianaBot (its lightbulb client, plugin
gate, and the injection of each guild's settings and of a Translator in the guild's language) on a migrated
SQLite database, connected to the local Discord sandbox; members of the demo guild run the commands as
Discord would send them, and the test reads what the bot answered, posted and sent in the sandbox's world.
"""

from __future__ import annotations

import json
import re
import string
from pathlib import Path
from typing import Any

import hikari
import pytest
from packaging.utils import canonicalize_name
from pydantic import BaseModel, TypeAdapter, ValidationError
from sqlalchemy import select
from tatiana_ai import AISettings
from tatiana_economy import EconomySettings
from tatiana_levels import Announce, LevelsSettings
from tatiana_moderation import ModerationSettings

from tatiana import API_VERSION, ChannelId, Plugin, Translator, load_translations
from tatiana.bot.app import TatianaBot
from tatiana.db.models import Guild as GuildRow
from tatiana.deployment import DeploymentConfig
from tatiana.registry import PluginRegistry, PluginStatus
from tatiana.testing import Sandbox, SandboxUser
from tatiana.testing.gemini import FakeGemini
from tatiana.testing.sandbox.interactions import UnknownCommand
from tatiana.testing.sandbox.world import ApplicationCommand, Guild, Member

REPOSITORY = Path(__file__).resolve().parents[2]
FIRST_PARTY = {"ai": "ask", "economy": "balance", "levels": "rank", "moderation": "warn"}
SPANISH_NAMES = {"ask": "preguntar", "balance": "saldo", "rank": "rango", "warn": "advertir"}
# Discord's rule for command and option names (discord-docs: interactions/application-commands).
COMMAND_NAME = re.compile(r"^[-_\w]{1,32}$")
LOG_CHANNEL_ID = 1_180_000_000_000_000_300


@pytest.fixture(scope="module")
def registry() -> PluginRegistry:
    return PluginRegistry.discover()


@pytest.fixture
def tatiana_plugins() -> list[str]:
    """The bot of these tests carries the four first-party plugins, found by their entry points."""
    return list(FIRST_PARTY)


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


# --- the commands, run by members of the demo guild on the sandbox -------------------------------------------


def member_named(sandbox: Sandbox, guild: Guild, username: str) -> Member:
    return next(m for m in guild.members.values() if sandbox.world.users[m.user_id].username == username)


async def use_language(bot: TatianaBot, guild: Guild, language: str) -> None:
    """Make ``language`` the guild's language (as the dashboard does) and have the bot read it again."""
    async with bot.sessions() as session, session.begin():
        row = await session.scalar(select(GuildRow).where(GuildRow.discord_id == guild.id))
        if row is None:
            session.add(GuildRow(discord_id=guild.id, name=guild.name, language=language))
        else:
            row.language = language
    bot.languages.forget(guild.id)


async def test_the_bot_registers_their_localized_commands(
    bot: TatianaBot, sandbox: Sandbox, member: SandboxUser, moderator: SandboxUser
) -> None:
    for name, root in FIRST_PARTY.items():
        record = bot.registry.record(name)
        assert record is not None and record.status is PluginStatus.LOADED, (name, record)
        assert bot.gate.command_owner[f"{name}.{root}.name"] == name, "localized: owned by its key"

    registered: dict[str, ApplicationCommand] = {c.name: c for c in sandbox.world.commands.values()}
    assert set(SPANISH_NAMES) <= set(registered)
    for english, spanish in SPANISH_NAMES.items():
        command = registered[english]
        assert (command.type, command.guild_id) == (1, None), "a global slash command"
        assert command.name_localizations is not None and command.description_localizations is not None
        assert command.name_localizations["es-ES"] == command.name_localizations["es-419"] == spanish
        assert command.description and command.description_localizations["es-ES"]
        assert command.contexts == [hikari.ApplicationContextType.GUILD]

    def required(name: str) -> list[tuple[str, bool]]:
        return [(o["name"], o.get("required", False)) for o in registered[name].options]

    assert required("balance") == [("member", False)]
    assert required("warn") == [("member", True), ("reason", True)]
    assert [(o["name"], o.get("max_length")) for o in registered["ask"].options] == [
        ("prompt", 4000),
        ("image", None),
    ]
    assert required("ask") == [("prompt", True), ("image", False)]
    assert registered["warn"].default_member_permissions == str(int(hikari.Permissions.MODERATE_MEMBERS))
    assert registered["warn"].options[0]["name_localizations"]["es-ES"] == "miembro"
    with pytest.raises(UnknownCommand, match="lacks the permissions"):
        member.command("warn")
    assert moderator.command("warn").name == "warn"


async def test_balance_answers_with_this_servers_currency(
    bot: TatianaBot, sandbox: Sandbox, guild: Guild, member: SandboxUser
) -> None:
    settings = {"currency_name": "gemas", "currency_symbol": "💎", "starting_balance": 2500}
    await bot.service.update_settings(guild.id, "economy", settings)
    pablo = member_named(sandbox, guild, "pablo")
    reply = await member.slash("balance", member=pablo)
    assert reply.kind == 4 and reply.ephemeral
    assert reply.content == f"<@{pablo.user_id}> tiene 💎 2\u202f500 gemas.", (
        "an unopened wallet: the starting balance"
    )


async def test_balance_without_guild_settings_uses_the_defaults_and_your_own_wallet(
    bot: TatianaBot, guild: Guild, member: SandboxUser
) -> None:
    await use_language(bot, guild, "en")
    member.user.locale = "en-GB"
    reply = await member.slash("balance")
    assert reply.content == "You have 🪙 0 coins.\nYour daily reward is ready: use /daily."


async def test_balance_of_a_bot_says_bots_have_no_wallet(sandbox: Sandbox, member: SandboxUser) -> None:
    member.user.locale = "fr"
    reply = await member.slash("balance", member=sandbox.world.bot)
    assert "los bots no tienen cartera" in reply.content, "a server that chose no language gets Spanish"


async def test_commands_answer_in_the_servers_language_whatever_the_members_client(
    bot: TatianaBot, guild: Guild, member: SandboxUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GEMINI_API_KEY", raising=False)
    member.user.locale = "en-US"
    spanish = await member.slash("balance")
    await use_language(bot, guild, "en")
    member.user.locale = "es-ES"
    english = await member.slash("balance")
    await use_language(bot, guild, "es")
    member.user.locale = "en-GB"
    spanish_again = await member.slash("ask", prompt="Hello?")
    assert spanish.content.startswith("Tienes 🪙 0 coins.")
    assert english.content.startswith("You have 🪙 0 coins.")
    assert spanish_again.content.startswith("Las respuestas de IA no están disponibles")


async def test_rank_answers_with_the_members_rank_card(
    bot: TatianaBot, sandbox: Sandbox, guild: Guild, member: SandboxUser
) -> None:
    await use_language(bot, guild, "en")
    sofia = member_named(sandbox, guild, "sofia")
    reply = await member.slash("rank", member=sofia)
    assert not reply.ephemeral, "a rank card is shown to the channel"
    assert reply.content == f"<@{sofia.user_id}>: level 0, #1 in this server, 0 XP."
    assert reply.attachments[0]["filename"] == "rank.png"
    assert reply.attachment_data(0).startswith(b"\x89PNG")


async def test_ask_refuses_a_question_over_the_servers_limit(
    bot: TatianaBot, guild: Guild, member: SandboxUser
) -> None:
    await bot.service.update_settings(guild.id, "ai", {"max_prompt_chars": 10})
    reply = await member.slash("ask", prompt="¿Cuál es la capital de Francia?")
    assert reply.content == "Tu pregunta tiene 31 caracteres; este servidor admite como mucho 10."


async def test_ask_without_a_gemini_key_says_so_privately(
    bot: TatianaBot, guild: Guild, member: SandboxUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GEMINI_API_KEY", raising=False)
    await use_language(bot, guild, "en")
    reply = await member.slash("ask", prompt="What is the capital of France?")
    assert reply.ephemeral
    assert reply.content == "AI answers are not available: this bot has no Gemini API key configured."


async def test_ask_answers_in_the_channel_through_the_local_gemini_server(
    bot: TatianaBot, guild: Guild, member: SandboxUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with FakeGemini() as gemini:
        monkeypatch.setenv("GEMINI_API_KEY", "test-key")
        monkeypatch.setenv("GEMINI_BASE_URL", gemini.base_url)
        gemini.reply("Paris.", chunks=["Par", "is."])
        reply = await member.slash("ask", prompt="What is the capital of France?")
        assert await reply.interaction.wait_for(lambda: reply.content == "Paris.", 5)
    assert not reply.ephemeral, "the answer is shown to the channel"
    [request] = gemini.requests
    assert (request.model, request.stream, request.user_text) == (
        "gemini-2.5-flash",
        True,
        "What is the capital of France?",
    )
    assert request.system_instruction == AISettings().system_prompt
