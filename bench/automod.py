"""Automod benchmark: messages per second a bot sustains with every automod rule on, against moderation off.

One bot process per scenario (``TatianaBot`` through ``sandbox_bot`` on a fresh SQLite database, spawned like a
shard process) carries the moderation plugin, and a bare hikari listener that counts MESSAGE_CREATEs. This
process runs the sandboxes and dispatches N prebuilt messages from the members of a few guilds through their
gateways; a round ends when the bot has seen the N-th and none of the plugins' listeners is still running (hikari
runs them in tasks it names). The automod listener's own time is taken afterwards, in a further bot per scenario
whose listener is wrapped in a clock: no wrapper slows down the speed rounds. A bot's rounds are at least the spam
rule's window apart, so that no member's messages add up to spam. Scenarios:

- ``moderation off``: the plugin is loaded but switched off in every guild (the gate drops its events): the baseline.
- ``automod off``: the plugin on, automod off (the listener's first exit).
- ``every rule on``: spam, duplicates, mentions, invites, links (200 denied sites, 2 allowed), a word list of
  1,000 entries, caps and attachments, with exempt roles and channels and an escalation step.

The messages are ordinary conversation that breaks no rule (varied sentences in Spanish and English, accents,
some mentions, links to allowed sites, attachments of allowed types), so what is measured is the cost of checking,
not of Discord's REST limits; the table shows that no rule was hit. Scenarios take turns within each round, so
all meet the same background load.

Usage: ``uv run python bench/automod.py [--quick]`` (prints a Markdown table).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import functools
import gc
import inspect
import multiprocessing
import os
import platform
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any

# At module level: lightbulb resolves the listener's annotations in this module's globals.
import hikari

if TYPE_CHECKING:
    from tatiana.testing.sandbox.interactions import SandboxUser
    from tatiana.testing.sandbox.server import Sandbox

STARTUP_TIMEOUT = 180.0
ROUND_TIMEOUT = 60.0
WORDS = 1_000
SPAM_SECONDS = 5
"""The spam rule's window: more than 8 messages of a member in it is spam."""


@dataclasses.dataclass(frozen=True)
class Config:
    """The sizes of one run."""

    rounds: int
    messages: int
    guilds: int
    members: int
    listener_rounds: int
    """Rounds after the measured ones that time the automod listener alone."""


FULL = Config(rounds=15, messages=5000, guilds=5, members=402, listener_rounds=3)
QUICK = Config(rounds=2, messages=600, guilds=2, members=202, listener_rounds=1)


@dataclasses.dataclass(frozen=True)
class Scenario:
    """One configuration of the bot."""

    name: str
    moderation: bool
    automod: bool
    levels: bool = False
    """The levels plugin on too (60 s cooldown, no announcements): a bot whose messages already have a listener."""


@dataclasses.dataclass(frozen=True)
class BotOrder:
    """What the bot process runs: where the sandbox is, its database, the scenario."""

    token: str
    rest_url: str
    database_url: str
    scenario: Scenario
    profile: str | None = None
    timed: bool = False
    """A process that times the automod listener (and is not measured for speed)."""


def word_list(count: int = WORDS) -> list[str]:
    """``count`` made-up words (syllables), none of them a word of the bench's sentences."""
    rng = random.Random(7)
    consonants, vowels = "bcdfgjklmnprstvz", "aeiou"
    words: set[str] = set()
    while len(words) < count:
        syllables = rng.randint(2, 4)
        words.add("".join(rng.choice(consonants) + rng.choice(vowels) for _ in range(syllables)) + "x")
    return sorted(words)


def automod_settings() -> dict[str, Any]:
    """Every rule on, with realistic limits."""
    return {
        "enabled": True,
        "exempt_role_ids": ["111111111111111111", "111111111111111112"],
        "exempt_channel_ids": ["222222222222222221"],
        "spam": {"enabled": True, "max_messages": 8, "per_seconds": SPAM_SECONDS, "action": "timeout"},
        "duplicates": {"enabled": True, "max_repeats": 3, "within_seconds": 60},
        "mentions": {"enabled": True, "max_mentions": 5, "action": "warn"},
        "invites": {"enabled": True},
        "links": {
            "enabled": True,
            "allowed_domains": ["youtube.com", "github.com"],
            "denied_domains": [f"bad{n}.example" for n in range(200)],
        },
        "words": {"enabled": True, "words": word_list(), "action": "warn"},
        "caps": {"enabled": True},
        "attachments": {"enabled": True},
        "escalation": [{"warnings": 3, "within_hours": 24, "action": "timeout", "timeout_minutes": 60}],
    }


SENTENCES = [
    "hola a todos, ¿qué tal el día?",
    "Mañana vemos el partido a las 9 en el café de siempre",
    "did anyone finish the homework for tomorrow? I'm stuck on question 3",
    "jajaja no puedo más con este canal",
    "check this out https://www.youtube.com/watch?v=dQw4w9WgXcQ it's great",
    "the PR is here: https://github.com/owner/repo/pull/42, reviews welcome",
    "Buenas noches, me voy a dormir 😴",
    "I think the new update broke something, the menu doesn't open anymore",
    "¿Alguien sabe cómo se configura el bot de música?",
    "GG everyone, that was a fun game",
    "we should play again on Friday at 8 PM",
    "Acabo de ver la película, ¡qué final más raro!",
]


@dataclasses.dataclass(frozen=True)
class Line:
    """One message of the bench's conversation: its text, whom it mentions, the file it attaches."""

    content: str
    mentioned: int | None
    filename: str | None


def line(number: int, mention: Callable[[int], int]) -> Line:
    """Message ``number`` of the conversation: a numbered sentence (so no member repeats one), a mention (of
    ``mention(number)``) in one of 10, a PNG in one of 20."""
    content = f"{SENTENCES[number % len(SENTENCES)]} ({number})"
    mentioned = mention(number) if number % 10 == 3 else None
    if mentioned is not None:
        content = f"<@{mentioned}> {content}"
    return Line(content, mentioned, f"photo{number}.png" if number % 20 == 7 else None)


# --- the bot process ------------------------------------------------------------------------------------------


DISPATCH_TASK = "handler 'tatiana_plugins_"
"""How hikari names the task that runs the plugins' listeners for one event (``ListenerDispatch``)."""


class Progress:
    """Counts the messages the counting listener saw; tells the driver when a round is done: once the N-th was seen
    and no plugin listener is still running."""

    def __init__(self, conn: Connection, timed: bool) -> None:
        self.conn, self.timed = conn, timed
        self.seen = self.handled = self.target = 0
        self.listener_seconds = 0.0

    def expect(self, count: int) -> None:
        """Start a round of ``count`` messages."""
        self.seen = self.handled = 0
        self.listener_seconds = 0.0
        self.target = count

    def saw(self) -> None:
        """One more message reached the counting listener."""
        self.seen += 1
        if self.seen == self.target:
            asyncio.get_running_loop().create_task(self._finish())

    async def _finish(self) -> None:
        # hikari runs each event's listeners in tasks of their own: the plugins' are done when none is left.
        while running := [
            task
            for task in asyncio.all_tasks()
            if task.get_name().startswith(DISPATCH_TASK) and not task.done()
        ]:
            await asyncio.wait(running)
        if self.timed and self.handled != self.target:
            self.conn.send(
                ("failed", f"the automod listener returned {self.handled} times for {self.target}")
            )
            return
        self.conn.send(("done", self.listener_seconds / max(1, self.handled)))


def count_returns(plugin: Any, returned: Callable[[float], None]) -> None:
    """Call ``returned`` with the seconds each of ``plugin``'s listeners took, as it returns.

    The wrapper takes the listener function's place inside a new injecting wrapper, as lightbulb makes one, so
    the listener is dispatched as it would be without the bench. Only the timing processes have it: its clock
    and calls would slow down the speed rounds.
    """
    import lightbulb
    from lightbulb.loaders import _ListenerLoadable

    for plugin_loader in plugin.loaders:
        for loadable in plugin_loader._loadables:
            if isinstance(loadable, _ListenerLoadable):
                original = loadable._callback._func

                @functools.wraps(original)
                async def counted(*args: Any, _original: Any = original, **kwargs: Any) -> Any:
                    began = time.perf_counter()
                    try:
                        return await _original(*args, **kwargs)
                    finally:
                        returned(time.perf_counter() - began)

                # Resolved here: linkd reads a wrapper's string annotations in the wrapper's module.
                counted.__signature__ = inspect.signature(original, eval_str=True)  # type: ignore[attr-defined]
                loadable._callback = lightbulb.di.with_di(counted)


def bot_process(order: BotOrder, conn: Connection) -> None:
    """Entry point of the bot process."""
    asyncio.run(_bot_main(order, conn))


async def _bot_main(order: BotOrder, conn: Connection) -> None:
    from tatiana_levels import plugin as levels
    from tatiana_moderation import plugin as moderation

    from tatiana.testing.harness import sandbox_bot

    progress = Progress(conn, order.timed)

    # Subscribed with hikari directly, not as a plugin listener: counting must not add to the plugins' dispatch.
    async def seen(_: hikari.GuildMessageCreateEvent) -> None:
        progress.saw()

    def handled(seconds: float) -> None:
        progress.listener_seconds += seconds
        progress.handled += 1

    if order.timed:
        count_returns(moderation, handled)

    endpoint: Any = dataclasses.make_dataclass("Endpoint", ["token", "rest_url"])(order.token, order.rest_url)
    plugins = [moderation, levels] if order.scenario.levels else [moderation]
    async with sandbox_bot(endpoint, order.database_url, plugins=plugins) as bot:
        bot.app.event_manager.subscribe(hikari.GuildMessageCreateEvent, seen)
        if order.scenario.levels:
            for guild in bot.app.cache.get_guilds_view():
                await bot.service.update_settings(int(guild), "levels", {"announce": "off"})
        values = automod_settings() if order.scenario.automod else {"enabled": False}
        for guild in bot.app.cache.get_guilds_view():
            await bot.service.update_settings(int(guild), "moderation", {"automod": values})
            if not order.scenario.moderation:
                await bot.service.disable(int(guild), "moderation")
        conn.send(("ready", None))
        if order.profile is None:
            await _obey(bot, conn, progress)
            return
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
        try:
            await _obey(bot, conn, progress)
        finally:
            profiler.disable()
            profiler.dump_stats(order.profile)


async def _obey(bot: Any, conn: Connection, progress: Progress) -> None:
    import sqlalchemy as sa
    from tatiana_moderation.core_tables import cases

    while True:
        command, argument = await asyncio.to_thread(conn.recv)
        if command == "expect":
            progress.expect(argument)
            # Every round starts from the same collector state: a full collection costs a shard tens of ms (a
            # tenth or more of its time per message), and one more or less in a round would swing its speed.
            gc.collect()
            conn.send(("armed", None))
        elif command == "cases":
            async with bot.sessions() as session:
                conn.send(("cases", int(await session.scalar(sa.select(sa.func.count()).select_from(cases)))))
        elif command == "stop":
            return


# --- the driver -----------------------------------------------------------------------------------------------


def cpu_of(pid: int) -> float:
    """CPU seconds process ``pid`` has used so far, all its threads (nanosecond schedstat, else clock ticks)."""
    try:
        total = 0
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/schedstat", encoding="ascii") as schedstat:
                total += int(schedstat.read().split()[0])
        return total / 1e9
    except (FileNotFoundError, ValueError, IndexError):
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def reply(conn: Connection, name: str, timeout: float) -> Any:
    """The bot's next message, which must be ``name``."""
    got, argument = await asyncio.wait_for(asyncio.to_thread(conn.recv), timeout)
    if got != name:
        raise RuntimeError(f"the bot answered {got!r} ({argument}), expected {name!r}")
    return argument


def payloads(
    sandbox: Sandbox, users: list[SandboxUser], count: int, first: int
) -> list[tuple[int, dict[str, Any]]]:
    """``count`` MESSAGE_CREATE payloads of ordinary conversation, the users taking turns; numbered from ``first``
    (the text carries the number, so no member repeats a message)."""
    from tatiana.testing.sandbox import gateway_payloads
    from tatiana.testing.sandbox.world import Message

    world = sandbox.world
    batch = []
    for number in range(first, first + count):
        user = users[number % len(users)]
        guild_id = user.channel.guild_id or 0
        said = line(number, lambda n: users[(n + 1) % len(users)].user.id)
        mentions = [] if said.mentioned is None else [said.mentioned]
        attachments: list[dict[str, Any]] = []
        if said.filename is not None:
            snowflake = world.snowflake()
            url = f"{sandbox.rest_url}/attachments/{user.channel.id}/{snowflake}/{said.filename}"
            attachments = [
                {
                    "id": str(snowflake),
                    "filename": said.filename,
                    "size": 1000,
                    "url": url,
                    "proxy_url": url,
                }
            ]
        message = Message(
            id=world.snowflake(),
            channel_id=user.channel.id,
            author_id=user.user.id,
            content=said.content,
            guild_id=guild_id,
            mentions=mentions,
            attachments=attachments,
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
    users: list[SandboxUser]
    rates: list[float] = dataclasses.field(default_factory=list)
    cpu: list[float] = dataclasses.field(default_factory=list)
    listener: list[float] = dataclasses.field(default_factory=list)
    sent: int = 0
    last_round: float = -float(SPAM_SECONDS)
    """When the subject's last round ended (``time.perf_counter``)."""

    @classmethod
    async def start(
        cls, scenario: Scenario, config: Config, folder: str, profile: str | None, timed: bool = False
    ) -> Subject:
        """Seed a sandbox, start the scenario's bot process on it (``timed``: one that times the automod listener);
        returns once the bot is ready."""
        from tatiana.testing.sandbox.interactions import SandboxUser
        from tatiana.testing.sandbox.seed import seed_many
        from tatiana.testing.sandbox.server import Sandbox
        from tatiana.testing.sandbox.world import World

        world = World()
        seed_many(world, config.guilds, config.members)
        sandbox = await Sandbox(world).start()
        database_url = f"sqlite+aiosqlite:///{folder}/{uuid.uuid4().hex}.db"
        ours, theirs = multiprocessing.get_context("spawn").Pipe()
        dump = os.path.join(profile, f"{scenario.name.replace(' ', '-')}.prof") if profile else None
        order = BotOrder(
            sandbox.token, sandbox.rest_url, database_url, scenario, None if timed else dump, timed
        )
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
        random.Random(3).shuffle(users)
        subject = cls(scenario, sandbox, process, ours, users)
        try:
            await reply(ours, "ready", STARTUP_TIMEOUT)
        except BaseException:
            await subject.close()
            raise
        return subject

    async def round(self, count: int, kind: str) -> None:
        """Dispatch ``count`` messages and wait until the bot handled them. ``kind``: ``warm-up`` (nothing kept),
        ``speed`` (messages per second and CPU kept), or ``listener`` (the automod listener's time kept: a timed
        subject's rounds)."""
        from tatiana.testing.sandbox import gateway_payloads

        batch = payloads(self.sandbox, self.users, count, self.sent)
        self.sent += count
        # A member's messages of two rounds less than the spam window apart would be spam (and deleting them,
        # Discord's rate limits would be what is measured): the other scenarios' rounds do not always keep them
        # apart, since the order reverses every other round.
        await asyncio.sleep(max(0.0, SPAM_SECONDS - (time.perf_counter() - self.last_round)))
        self.conn.send(("expect", count))
        await reply(self.conn, "armed", ROUND_TIMEOUT)
        pid = self.process.pid or 0
        cpu_before, began = cpu_of(pid), time.perf_counter()
        for guild_id, data in batch:
            await self.sandbox.gateway.dispatch(
                "MESSAGE_CREATE", data, guild_id=guild_id, intents=gateway_payloads.GUILD_MESSAGES
            )
        listener = await reply(self.conn, "done", ROUND_TIMEOUT)
        self.last_round = time.perf_counter()
        if kind == "listener":
            self.listener.append(listener)
        elif kind == "speed":
            self.rates.append(count / (time.perf_counter() - began))
            self.cpu.append((cpu_of(pid) - cpu_before) / count)

    async def cases(self) -> int:
        """How many cases the bot opened (automod hits): none expected."""
        self.conn.send(("cases", None))
        return int(await reply(self.conn, "cases", ROUND_TIMEOUT))

    async def close(self) -> None:
        """Stop the bot process and the sandbox."""
        with contextlib.suppress(OSError):
            self.conn.send(("stop", None))
        await asyncio.to_thread(self.process.join, 30)
        if self.process.is_alive():
            self.process.terminate()
        self.conn.close()
        await self.sandbox.stop()


def table(subjects: list[Subject], hits: dict[str, int], config: Config) -> str:
    """The Markdown report, each scenario against ``moderation off``: medians over the rounds, and the best rounds.

    On a shared machine a round is only ever slowed down by what else runs, so each scenario's best round is the
    least disturbed measure of its speed; the median of the round-by-round ratios is shown beside it.
    """
    baselines = {subject.scenario.levels: subject for subject in subjects if not subject.scenario.moderation}
    lines = [
        "| scenario | messages/s (median) | vs moderation off (median) | best round | vs moderation off (best) "
        "| bot CPU per message (µs, median) | vs moderation off | automod listener per message (µs) | rule hits |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for subject in subjects:
        baseline = baselines[subject.scenario.levels]
        ratios = [a / b for a, b in zip(subject.rates, baseline.rates, strict=True)]
        cpu_ratios = [a / b for a, b in zip(subject.cpu, baseline.cpu, strict=True)]
        moderating = subject.scenario.moderation
        listener = f"{statistics.median(subject.listener) * 1e6:.1f}" if moderating else "-"
        lines.append(
            f"| {subject.scenario.name} | {statistics.median(subject.rates):,.0f} | "
            f"{statistics.median(ratios):.2f} | {max(subject.rates):,.0f} | "
            f"{max(subject.rates) / max(baseline.rates):.2f} | {statistics.median(subject.cpu) * 1e6:.0f} | "
            f"{statistics.median(cpu_ratios):.2f} | {listener} | {hits[subject.scenario.name]} |"
        )
    members = len(subjects[0].users)
    lines += [
        "",
        f"{config.messages:,} messages per round from {members:,} members of {config.guilds} guilds, "
        f"{config.rounds} rounds; a word list of {WORDS:,} entries. Against the moderation off scenario with the "
        "same plugins (levels on or not): the median of the round-by-round ratios, and the ratio of the best rounds. "
        f"The automod listener's own time comes from {config.listener_rounds} rounds of a further bot per scenario "
        "(the clock around it is left out of the measured ones).",
    ]
    return "\n".join(lines)


async def run(config: Config, profile: str | None = None) -> str:
    """Every scenario; the report."""
    began = time.perf_counter()
    scenarios = [
        Scenario("moderation off", moderation=False, automod=False),
        Scenario("automod off", moderation=True, automod=False),
        Scenario("every rule on", moderation=True, automod=True),
        Scenario("levels on, moderation off", moderation=False, automod=False, levels=True),
        Scenario("levels on, every rule on", moderation=True, automod=True, levels=True),
    ]
    with tempfile.TemporaryDirectory(prefix="tatiana-bench-automod-") as folder:
        subjects = [await Subject.start(scenario, config, folder, profile) for scenario in scenarios]
        try:
            for subject in subjects:
                # Fills the caches (guild settings, the gate's state, the compiled rules).
                await subject.round(config.messages, "warm-up")
            for number in range(config.rounds):
                print(f"  round {number + 1} of {config.rounds}", flush=True)
                order = subjects if number % 2 == 0 else subjects[::-1]
                for subject in order:
                    await subject.round(config.messages, "speed")
            hits = {subject.scenario.name: await subject.cases() for subject in subjects}
        finally:
            for subject in subjects:
                await subject.close()
        # The listener's time, in a bot of its own per scenario: the clock around it stays out of the speed rounds.
        for subject in subjects:
            if not subject.scenario.moderation:
                continue
            timed = await Subject.start(subject.scenario, config, folder, None, timed=True)
            try:
                for kind in ["warm-up"] + ["listener"] * config.listener_rounds:
                    await timed.round(config.messages, kind)
            finally:
                await timed.close()
            subject.listener = timed.listener
    return "\n".join(
        [
            f"Automod benchmark, {config.rounds} rounds, Python {platform.python_version()} on "
            f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}",
            "",
            table(subjects, hits, config),
            f"Took {time.perf_counter() - began:.0f} s.",
        ]
    )


def main() -> None:
    """Parse the arguments, run, print the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, well under a minute")
    parser.add_argument(
        "--profile", metavar="DIR", help="write each bot's cProfile stats to DIR/<scenario>.prof"
    )
    args = parser.parse_args()
    if args.profile:
        os.makedirs(args.profile, exist_ok=True)
    print(asyncio.run(run(QUICK if args.quick else FULL, args.profile)))


if __name__ == "__main__":
    main()
