"""Levels benchmark: messages per second a bot sustains with the levels plugin on, against the plugin off.

One bot process (``TatianaBot`` through ``sandbox_bot`` on a fresh SQLite database, spawned like a shard
process) carries the levels plugin and a one-listener "bench" plugin that counts MESSAGE_CREATEs. This process
runs the sandbox and dispatches N prebuilt messages from the members of a few guilds through its gateway;
a round ends when the bot has handled the N-th (with levels on: when the levels listener has returned for all
of them). Scenarios, each in a process of its own:

- ``levels off``: the plugin is loaded but switched off in every guild (the gate drops its events): the baseline.
- ``cooldown 0 s``: every message earns XP (worst case: buffer increment and a stored-XP read per message).
- ``cooldown 60 s``: the default; a member's first message earns XP, the rest stop at the cooldown.
- ``cooldown 0 s, Redis``: the worst case with the XP buffer in Redis (needs a Redis server).

After each round the bot flushes its XP buffer once and reports the statements and rows written to
``level_members``: one statement, one row per member who earned XP, however many messages they sent.
Level-up announcements are off so that the sandbox's REST rate limits are not what is measured.

Usage: ``uv run python bench/levels.py [--quick] [--redis URL]`` (prints a Markdown table).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import multiprocessing
import os
import platform
import statistics
import tempfile
import time
import uuid
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any

# At module level: lightbulb resolves the listener's annotations in this module's globals.
import hikari
import lightbulb

if TYPE_CHECKING:
    from tatiana.testing.sandbox.interactions import SandboxUser
    from tatiana.testing.sandbox.server import Sandbox

STARTUP_TIMEOUT = 120.0
ROUND_TIMEOUT = 20.0
DEFAULT_REDIS = os.environ.get("TATIANA_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@dataclasses.dataclass(frozen=True)
class Config:
    """The sizes of one run."""

    rounds: int
    messages: int
    guilds: int
    members: int


FULL = Config(rounds=5, messages=3000, guilds=5, members=42)
QUICK = Config(rounds=2, messages=600, guilds=2, members=22)


@dataclasses.dataclass(frozen=True)
class Scenario:
    """One configuration of the bot."""

    name: str
    levels: bool
    cooldown: int = 60
    redis_url: str | None = None


@dataclasses.dataclass(frozen=True)
class BotOrder:
    """What the bot process runs: where the sandbox is, its database, the scenario."""

    token: str
    rest_url: str
    database_url: str
    scenario: Scenario
    namespace: str


# --- the bot process ------------------------------------------------------------------------------------------


class Progress:
    """Counts messages the bench listener and the levels listener handled; tells the driver when a round is done."""

    def __init__(self, conn: Connection, levels: bool) -> None:
        self.conn, self.levels = conn, levels
        self.seen = self.handled = self.target = 0

    def expect(self, count: int) -> None:
        """Start a round of ``count`` messages."""
        self.seen = self.handled = 0
        self.target = count

    def check(self) -> None:
        """Report the round done once every message went through both listeners (the bench one alone when off)."""
        if self.seen == self.target and (not self.levels or self.handled == self.target):
            self.target = -1
            self.conn.send(("done", None))


def bot_process(order: BotOrder, conn: Connection) -> None:
    """Entry point of the bot process."""
    asyncio.run(_bot_main(order, conn))


async def _bot_main(order: BotOrder, conn: Connection) -> None:
    import functools

    from lightbulb.loaders import _ListenerLoadable
    from tatiana_levels import plugin as levels

    from tatiana import Plugin
    from tatiana.counters import create_counter_store
    from tatiana.testing.harness import sandbox_bot

    progress = Progress(conn, order.scenario.levels)
    loader = lightbulb.Loader()

    @loader.listener(hikari.GuildMessageCreateEvent)
    async def seen(_: hikari.GuildMessageCreateEvent) -> None:
        progress.seen += 1
        progress.check()

    # Counting the levels listener's returns needs its callback; the gate then wraps this wrapper.
    for loadable in levels.loaders[0]._loadables:
        if isinstance(loadable, _ListenerLoadable):
            original = loadable._callback

            @functools.wraps(original)
            async def handled(*args: Any, _original: Any = original, **kwargs: Any) -> Any:
                try:
                    return await _original(*args, **kwargs)
                finally:
                    progress.handled += 1
                    progress.check()

            loadable._callback = handled

    bench = Plugin(
        name="bench", version="1.0.0", description="Counts messages", requires="1.*", loaders=[loader]
    )
    store = create_counter_store(order.scenario.redis_url, order.namespace)
    endpoint: Any = dataclasses.make_dataclass("Endpoint", ["token", "rest_url"])(order.token, order.rest_url)
    try:
        # The driver flushes after each round, so that each flush's writes can be counted.
        async with sandbox_bot(
            endpoint, order.database_url, plugins=[levels, bench], counter_store=store, flush_interval=3600
        ) as bot:
            values = {"cooldown_seconds": order.scenario.cooldown, "announce": "off"}
            for guild in bot.app.cache.get_guilds_view():
                await bot.service.update_settings(int(guild), "levels", values)
                if not order.scenario.levels:
                    await bot.service.disable(int(guild), "levels")
            conn.send(("ready", None))
            await _obey(bot, conn, progress)
    finally:
        await store.close()


async def _obey(bot: Any, conn: Connection, progress: Progress) -> None:
    from sqlalchemy import event

    while True:
        command, argument = await asyncio.to_thread(conn.recv)
        if command == "expect":
            progress.expect(argument)
            conn.send(("armed", None))
        elif command == "flush":
            rows: list[int] = []

            def count(
                _c: Any, clause: Any, multiparams: Any, _p: Any, _o: Any, rows: list[int] = rows
            ) -> None:
                if getattr(getattr(clause, "table", None), "name", None) == "level_members":
                    rows.append(len(multiparams) if multiparams else 1)

            engine = bot.sessions.kw["bind"].sync_engine
            event.listen(engine, "before_execute", count)
            began = time.perf_counter()
            await bot.counters.flush()
            took = time.perf_counter() - began
            event.remove(engine, "before_execute", count)
            conn.send(("flushed", (len(rows), sum(rows), took)))
        elif command == "stop":
            return


# --- the driver -----------------------------------------------------------------------------------------------


async def reply(conn: Connection, name: str, timeout: float) -> Any:
    """The bot's next message, which must be ``name``."""
    got, argument = await asyncio.wait_for(asyncio.to_thread(conn.recv), timeout)
    if got != name:
        raise RuntimeError(f"the bot answered {got!r}, expected {name!r}")
    return argument


def payloads(sandbox: Sandbox, users: list[SandboxUser], count: int) -> list[tuple[int, dict[str, Any]]]:
    """``count`` MESSAGE_CREATE payloads, the users taking turns."""
    from tatiana.testing.sandbox import gateway_payloads
    from tatiana.testing.sandbox.world import Message

    world = sandbox.world
    batch = []
    for number in range(count):
        user = users[number % len(users)]
        guild_id = user.channel.guild_id or 0
        message = Message(
            id=world.snowflake(),
            channel_id=user.channel.id,
            author_id=user.user.id,
            content=f"message {number}",
            guild_id=guild_id,
        )
        batch.append((guild_id, gateway_payloads.message(message, world)))
    return batch


@dataclasses.dataclass
class Subject:
    """One scenario's bot process on a sandbox of its own, driven from here."""

    scenario: Scenario
    sandbox: Sandbox
    process: multiprocessing.process.BaseProcess
    conn: Connection
    namespace: str
    users: list[SandboxUser]
    results: dict[str, list[float]] = dataclasses.field(default_factory=dict)

    @classmethod
    async def start(cls, scenario: Scenario, config: Config, folder: str) -> Subject:
        """Seed a sandbox, start the scenario's bot process on it; returns once the bot is ready."""
        from tatiana.testing.sandbox.interactions import SandboxUser
        from tatiana.testing.sandbox.seed import seed_many
        from tatiana.testing.sandbox.server import Sandbox
        from tatiana.testing.sandbox.world import World

        world = World()
        seed_many(world, config.guilds, config.members)
        sandbox = await Sandbox(world).start()
        namespace = f"tatiana-bench:{uuid.uuid4().hex[:8]}:"
        database_url = f"sqlite+aiosqlite:///{folder}/{uuid.uuid4().hex}.db"
        ours, theirs = multiprocessing.get_context("spawn").Pipe()
        order = BotOrder(sandbox.token, sandbox.rest_url, database_url, scenario, namespace)
        process = multiprocessing.get_context("spawn").Process(
            target=bot_process, args=(order, theirs), daemon=True
        )
        process.start()
        theirs.close()
        users = [
            SandboxUser(sandbox, guild, member)
            for guild in world.guilds.values()
            for member in guild.members.values()
            if member.user_id not in (world.bot.id, guild.owner_id)
        ]
        subject = cls(scenario, sandbox, process, ours, namespace, users)
        try:
            await reply(ours, "ready", STARTUP_TIMEOUT)
        except BaseException:
            await subject.close()
            raise
        return subject

    async def round(self, count: int, *, measured: bool = True) -> None:
        """Dispatch ``count`` messages, wait until the bot handled them, then have it flush once."""
        from tatiana.testing.sandbox import gateway_payloads

        batch = payloads(self.sandbox, self.users, count)
        self.conn.send(("expect", count))
        await reply(self.conn, "armed", ROUND_TIMEOUT)
        began = time.perf_counter()
        for guild_id, data in batch:
            await self.sandbox.gateway.dispatch(
                "MESSAGE_CREATE", data, guild_id=guild_id, intents=gateway_payloads.GUILD_MESSAGES
            )
        await reply(self.conn, "done", ROUND_TIMEOUT)
        elapsed = time.perf_counter() - began
        self.conn.send(("flush", None))
        statements, rows, took = await reply(self.conn, "flushed", ROUND_TIMEOUT)
        if measured:
            for metric, value in (
                ("rate", count / elapsed),
                ("statements", statements),
                ("rows", rows),
                ("flush_ms", took * 1000),
            ):
                self.results.setdefault(metric, []).append(value)

    async def close(self) -> None:
        """Stop the bot process and the sandbox; remove the scenario's Redis keys."""
        with contextlib.suppress(OSError):
            self.conn.send(("stop", None))
        await asyncio.to_thread(self.process.join, 30)
        if self.process.is_alive():
            self.process.terminate()
        self.conn.close()
        await self.sandbox.stop()
        if self.scenario.redis_url:
            await _clean_redis(self.scenario.redis_url, self.namespace)


async def _clean_redis(url: str, namespace: str) -> None:
    import redis.asyncio as aioredis

    client = aioredis.from_url(url)
    try:
        keys = [key async for key in client.scan_iter(match=f"{namespace}*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


async def redis_reachable(url: str | None) -> bool:
    """Whether a Redis server answers at ``url``."""
    if not url:
        return False
    import redis.asyncio as aioredis

    client = aioredis.from_url(url)
    try:
        return bool(await asyncio.wait_for(client.ping(), 2))
    except Exception:
        return False
    finally:
        await client.aclose()


def table(results: dict[str, dict[str, list[float]]], config: Config, members: int) -> str:
    """The Markdown report: medians over the rounds, and each scenario against ``levels off``."""
    baseline = statistics.median(results["levels off"]["rate"])
    lines = [
        "| scenario | messages/s | vs levels off | database writes per flush (statements / rows) |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name, values in results.items():
        rate = statistics.median(values["rate"])
        lines.append(
            f"| {name} | {rate:,.0f} | {rate / baseline:.2f} | {statistics.median(values['statements']):.0f} / "
            f"{statistics.median(values['rows']):.0f} |"
        )
    flush = [ms for name, values in results.items() if name != "levels off" for ms in values["flush_ms"]]
    lines += [
        "",
        f"{config.messages:,} messages per round from {members} members of {config.guilds} guilds; one flush after "
        f"each round (median {statistics.median(flush):.1f} ms).",
    ]
    return "\n".join(lines)


async def run(config: Config, redis_url: str | None) -> str:
    """Every scenario; the report."""
    began = time.perf_counter()
    scenarios = [
        Scenario("levels off", levels=False),
        Scenario("cooldown 0 s", levels=True, cooldown=0),
        Scenario("cooldown 60 s", levels=True, cooldown=60),
    ]
    if await redis_reachable(redis_url):
        scenarios.append(Scenario("cooldown 0 s, Redis", levels=True, cooldown=0, redis_url=redis_url))
    with tempfile.TemporaryDirectory(prefix="tatiana-bench-levels-") as folder:
        subjects = [await Subject.start(scenario, config, folder) for scenario in scenarios]
        try:
            for subject in subjects:
                # Fills the caches (guild settings, the gate's state) and starts the 60 s cooldowns.
                await subject.round(config.messages, measured=False)
            for number in range(config.rounds):
                print(f"  round {number + 1} of {config.rounds}", flush=True)
                for subject in subjects:
                    await subject.round(config.messages)
        finally:
            for subject in subjects:
                await subject.close()
    results = {subject.scenario.name: subject.results for subject in subjects}
    members = len(subjects[0].users)
    return "\n".join(
        [
            f"Levels benchmark, {config.rounds} rounds (medians), Python {platform.python_version()} on "
            f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}",
            "",
            table(results, config, members),
            f"Took {time.perf_counter() - began:.0f} s.",
        ]
    )


def main() -> None:
    """Parse the arguments, run, print the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, well under a minute")
    parser.add_argument(
        "--redis", default=DEFAULT_REDIS, help="Redis URL for the Redis scenario ('' skips it)"
    )
    args = parser.parse_args()
    print(asyncio.run(run(QUICK if args.quick else FULL, args.redis or None)))


if __name__ == "__main__":
    main()
