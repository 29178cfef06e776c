"""The pytest fixtures for plugin authors: a third party's test file, run by pytest in a fresh process.

Each run is a real ``python -m pytest`` in a folder of its own (its own rootdir and configuration), so the
plugin is found the way an author's project finds it: through the ``pytest11`` entry point.
"""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]
pytestmark = pytest.mark.slow

CONFIG = """
[pytest]
asyncio_mode = auto
asyncio_default_fixture_loop_scope = function
"""

# A plugin author's package and its tests, in one file: a plugin with one command and a setting.
AUTHORS_TESTS = """
import lightbulb
import pytest
from pydantic import BaseModel, Field

from tatiana import Plugin
from tatiana.testing import Reply, Sandbox, SandboxUser
from tatiana.testing.sandbox import rest


class Settings(BaseModel):
    word: str = Field("pong", description="what /ping answers")


loader = lightbulb.Loader()


@loader.command
class Ping(lightbulb.SlashCommand, name="ping", description="Answers with a word"):
    @lightbulb.invoke
    async def invoke(self, ctx: lightbulb.Context, settings: Settings) -> None:
        await ctx.respond(f"{settings.word}, {ctx.user.mention}")


@loader.command
class Boom(lightbulb.SlashCommand, name="boom", description="Fails"):
    @lightbulb.invoke
    async def invoke(self, ctx: lightbulb.Context) -> None:
        raise RuntimeError("kaboom")


ping = Plugin(name="ping", version="1.0.0", description="Ping", requires="1.*", loaders=[loader],
              settings=Settings)


@pytest.fixture
def tatiana_plugins():
    return [ping, "economy"]


async def test_ping_answers_the_member(member: SandboxUser) -> None:
    reply: Reply = await member.slash("ping")
    assert reply.content == f"pong, <@{member.user.id}>"


async def test_the_guild_settings_reach_the_command(bot, guild, owner: SandboxUser) -> None:
    await bot.service.update_settings(guild.id, "ping", {"word": "pang"})
    reply = await owner.slash("ping")
    assert reply.content.startswith("pang, ")


async def test_an_installed_plugin_chosen_by_name(member: SandboxUser) -> None:
    reply = await member.slash("balance")
    assert reply.ephemeral and reply.content.startswith("Tienes 🪙 0 coins.")


async def test_the_demo_world(sandbox: Sandbox, guild, bot, member, moderator, owner,
                              tatiana_database_url: str) -> None:
    assert guild.name == "Tatiana Dev" and guild.owner_id == owner.user.id
    assert (member.user.username, moderator.user.username, owner.user.username) == ("marta", "luis", "ana")
    assert sorted(bot.registry.names) == ["economy", "ping"]
    assert tatiana_database_url.startswith("sqlite+aiosqlite:///")
    assert rest.state(sandbox).validate_responses


async def test_an_expected_error_is_allowed(member: SandboxUser, tatiana_errors) -> None:
    tatiana_errors.expect(r"plugin ping: command /boom raised")
    reply = await member.slash("boom")
    assert reply.ephemeral


async def test_FAILS_on_the_authors_assertion(member: SandboxUser) -> None:
    reply = await member.slash("ping")
    assert reply.content == "something else"


async def test_FAILS_when_the_plugin_raised(member: SandboxUser) -> None:
    await member.slash("boom")  # answered with an error message; the test does not look


async def test_FAILS_on_an_answer_discord_would_not_give(sandbox: Sandbox, member: SandboxUser) -> None:
    await member.slash("ping")
    rest.state(sandbox).openapi_errors.append("GET /example: 200: missing 'id'")
"""


def test_an_authors_tests_pass_and_fail_as_they_should(pytester: pytest.Pytester) -> None:
    pytester.makeini(CONFIG)
    pytester.makepyfile(test_weather=AUTHORS_TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-rf")
    result.assert_outcomes(passed=5, failed=3)
    failed = [line for line in result.outlines if line.startswith("FAILED")]
    assert len(failed) == 3 and all("::test_FAILS_" in line for line in failed), failed
    result.stdout.fnmatch_lines(
        [
            "*AssertionError: assert 'pong, <@*>' == 'something else'*",
            "*errors were logged (tatiana_errors.expect(...) allows one):*",
            "*plugin ping: command /boom raised*",
            "*RuntimeError: kaboom*",
            "*the sandbox answered outside Discord's OpenAPI description:*",
            "*GET /example: 200: missing 'id'*",
        ],
        consecutive=False,
    )


def test_it_loads_by_its_entry_point_name_when_autoloading_is_off(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    pytester.makeini(CONFIG)
    pytester.makepyfile(
        """
        async def test_balance(member):
            reply = await member.slash("balance")
            assert "coins" in reply.content
        """
    )
    result = pytester.runpytest_subprocess("-p", "tatiana", "-p", "asyncio")
    result.assert_outcomes(passed=1)


def test_without_pytest_asyncio_it_says_so(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    # Loaded before the plugin, this makes pytest_asyncio unimportable, as when it is not installed.
    pytester.makepyfile(no_pytest_asyncio="import sys\nsys.modules['pytest_asyncio'] = None\n")
    pytester.makepyfile(
        test_plain="""
        def test_without_fixtures():
            pass

        def test_with_them(member):
            pass
        """
    )
    result = pytester.runpytest_subprocess("-p", "no_pytest_asyncio", "-p", "tatiana")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*the tatiana fixture 'bot' is async and needs the pytest-asyncio plugin*"])
