"""Pytest fixtures for plugin authors: the local Discord sandbox, the real bot with chosen plugins, its members.

Tatiana registers this module as the ``pytest11`` entry point ``tatiana``, so pytest loads it by itself
(``-p tatiana`` when plugin autoloading is off). The fixtures are async and need pytest-asyncio::

    import pytest
    from tatiana.testing import SandboxUser

    @pytest.fixture
    def tatiana_plugins() -> list[str]:
        return ["economy"]

    async def test_balance(member: SandboxUser) -> None:
        reply = await member.slash("balance")
        assert reply.ephemeral and "coins" in reply.content

``sandbox`` holds the demo world (``seed_demo``): the guild "Tatiana Dev" (``guild``) owned by ana (``owner``),
luis the moderator (``moderator``), and the members marta (``member``), pablo and sofia. Override
``tatiana_plugins`` to choose the bot's plugins and ``tatiana_database_url`` to run on PostgreSQL.

A test also fails when the sandbox answered something Discord's OpenAPI description does not allow, when the
sandbox itself failed, and when hikari, lightbulb or Tatiana logged an error: an event hikari could not read
and dropped, a plugin's command or listener that raised. ``tatiana_errors.expect(pattern)`` allows one.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import AsyncIterator, Callable, Generator, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar, cast

import pytest

if TYPE_CHECKING:
    from tatiana.bot.app import TatianaBot
    from tatiana.plugin import Plugin
    from tatiana.testing.sandbox.interactions import SandboxUser
    from tatiana.testing.sandbox.server import Sandbox
    from tatiana.testing.sandbox.world import Guild

DEMO_GUILD = "Tatiana Dev"
WATCHED_LOGGERS = ("hikari", "lightbulb", "tatiana")
ASYNC_FIXTURES = frozenset({"sandbox", "guild", "bot", "member", "moderator", "owner"})
NEEDS_PYTEST_ASYNCIO = (
    "the tatiana fixture {name!r} is async and needs the pytest-asyncio plugin, installed "
    '(`pip install pytest-asyncio`) and not disabled; set `asyncio_mode = "auto"` under '
    "[tool.pytest.ini_options], or mark each test with @pytest.mark.asyncio"
)

_Fixture = TypeVar("_Fixture", bound=Callable[..., Any])
_SANDBOX = pytest.StashKey["Sandbox"]()
_ERRORS = pytest.StashKey["LoggedErrors"]()


def _async_fixture(function: _Fixture) -> _Fixture:
    """``pytest_asyncio.fixture``, or without pytest-asyncio a fixture that says it is needed."""
    try:
        import pytest_asyncio
    except ImportError:
        name = function.__name__

        def missing() -> NoReturn:
            pytest.fail(NEEDS_PYTEST_ASYNCIO.format(name=name), pytrace=False)

        missing.__doc__ = function.__doc__
        return cast(_Fixture, pytest.fixture(name=name)(missing))
    return cast(_Fixture, pytest_asyncio.fixture(function))


class LoggedErrors(logging.Handler):
    """Errors logged by hikari, lightbulb and Tatiana during one test; ``expect`` allows those a test wants."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []
        self.expected: list[re.Pattern[str]] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the record."""
        self.records.append(record)

    def expect(self, pattern: str) -> None:
        """Allow errors whose message (``logger LEVEL: message``) matches the regular expression ``pattern``."""
        self.expected.append(re.compile(pattern))

    def unexpected(self) -> list[str]:
        """The errors no ``expect`` allowed, each with its traceback."""
        found = []
        for record in self.records:
            line = f"{record.name} {record.levelname}: {record.getMessage()}"
            if not any(pattern.search(line) for pattern in self.expected):
                found.append(self.format(record))
        return found


@pytest.fixture
def tatiana_plugins() -> Sequence[Plugin | str] | None:
    """The plugins the bot loads: override it to return names of installed plugins and Plugin objects.

    The default, None, loads every installed plugin.
    """
    return None


@pytest.fixture
def tatiana_database_url(tmp_path: Path) -> str:
    """The bot's database: a fresh SQLite file; override it with a ``postgresql+asyncpg://`` URL."""
    return f"sqlite+aiosqlite:///{tmp_path / 'tatiana-sandbox.db'}"


@pytest.fixture
def tatiana_errors(request: pytest.FixtureRequest) -> Iterator[LoggedErrors]:
    """Errors logged during the test by hikari, lightbulb and Tatiana; any the test did not ``expect`` fails it."""
    handler = LoggedErrors()
    loggers = [logging.getLogger(name) for name in WATCHED_LOGGERS]
    for logger in loggers:
        logger.addHandler(handler)
    request.node.stash[_ERRORS] = handler
    try:
        yield handler
    finally:
        for logger in loggers:
            logger.removeHandler(handler)


@_async_fixture
async def sandbox(request: pytest.FixtureRequest, tatiana_errors: LoggedErrors) -> AsyncIterator[Sandbox]:
    """A running local Discord with the demo world, checking every REST answer against Discord's OpenAPI."""
    from tatiana.testing.sandbox import rest
    from tatiana.testing.sandbox.seed import seed_demo
    from tatiana.testing.sandbox.server import Sandbox

    server = Sandbox()
    seed_demo(server.world)
    rest.state(server).validate_responses = True
    request.node.stash[_SANDBOX] = server
    async with server:
        yield server


@pytest.fixture
def guild(sandbox: Sandbox) -> Guild:
    """The demo guild, "Tatiana Dev", in the sandbox's world."""
    found = next((g for g in sandbox.world.guilds.values() if g.name == DEMO_GUILD), None)
    if found is None:
        pytest.fail(
            f"the sandbox's world has no guild named {DEMO_GUILD!r} (seed_demo makes it)", pytrace=False
        )
    return found


@_async_fixture
async def bot(
    sandbox: Sandbox,
    tatiana_database_url: str,
    tatiana_plugins: Sequence[Plugin | str] | None,
    tatiana_errors: LoggedErrors,
) -> AsyncIterator[TatianaBot]:
    """The real Tatiana bot, connected to the sandbox with ``tatiana_plugins`` on in every guild."""
    from tatiana.testing.harness import sandbox_bot

    async with sandbox_bot(sandbox, tatiana_database_url, plugins=tatiana_plugins) as running:
        yield running


def _user(sandbox: Sandbox, guild: Guild, username: str) -> SandboxUser:
    from tatiana.testing.sandbox.interactions import SandboxUser

    users = sandbox.world.users
    member = next((m for m in guild.members.values() if users[m.user_id].username == username), None)
    if member is None:
        pytest.fail(f"{guild.name} has no member {username!r}", pytrace=False)
    return SandboxUser(sandbox, guild, member)


@pytest.fixture
def member(sandbox: Sandbox, guild: Guild, bot: TatianaBot) -> SandboxUser:
    """marta, an ordinary member of the demo guild, in #general; the bot is running."""
    return _user(sandbox, guild, "marta")


@pytest.fixture
def moderator(sandbox: Sandbox, guild: Guild, bot: TatianaBot) -> SandboxUser:
    """luis, who may kick, ban, time out members and manage messages; the bot is running."""
    return _user(sandbox, guild, "luis")


@pytest.fixture
def owner(sandbox: Sandbox, guild: Guild, bot: TatianaBot) -> SandboxUser:
    """ana, the demo guild's owner (every permission); the bot is running."""
    from tatiana.testing.sandbox.interactions import SandboxUser

    return SandboxUser(sandbox, guild, guild.members[guild.owner_id])


def _asyncio_active(config: pytest.Config) -> bool:
    module = sys.modules.get("pytest_asyncio.plugin")
    return module is not None and config.pluginmanager.is_registered(module)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Say that pytest-asyncio is needed before an async fixture of ours is set up without it."""
    used = ASYNC_FIXTURES.intersection(getattr(item, "fixturenames", ()))
    if used and not _asyncio_active(item.config):
        pytest.fail(NEEDS_PYTEST_ASYNCIO.format(name=sorted(used)[0]), pytrace=False)


def _problems(item: pytest.Item) -> list[str]:
    problems = []
    server = item.stash.get(_SANDBOX, None)
    if server is not None:
        from tatiana.testing.sandbox import rest

        state = rest.state(server)
        if state.openapi_errors:
            problems.append(
                "the sandbox answered outside Discord's OpenAPI description:\n  "
                + "\n  ".join(state.openapi_errors)
            )
        if state.errors:
            problems.append("the sandbox itself failed (answered 500):\n  " + "\n  ".join(state.errors))
    errors = item.stash.get(_ERRORS, None)
    if errors is not None and (unexpected := errors.unexpected()):
        problems.append(
            "errors were logged (tatiana_errors.expect(...) allows one):\n" + "\n".join(unexpected)
        )
    return problems


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    """Fail a passing test that left an invalid sandbox answer or a logged error behind."""
    result = yield
    problems = _problems(item)
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)
    return result
