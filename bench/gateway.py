"""Gateway benchmark: Tatiana against a bare hikari + lightbulb bot on the local Discord sandbox.

Both bots run the same lightbulb ``Loader`` (a ``/ping`` slash command answering "pong" and a
GuildMessageCreateEvent listener that counts): the baseline adds it to a bare lightbulb client, Tatiana
wraps it in a ``tatiana.Plugin`` and runs it through ``sandbox_bot`` with the per-guild plugin gate and every
installed first-party plugin enabled (the levels plugin hears every message too). As in production, the
database is migrated beforehand by another process, so Alembic is not in the bot's memory.
Each bot is a process of its own; this process runs the sandboxes and drives them, so the sandbox's
work and memory count for neither. Measured, medians over rounds, baseline and Tatiana alternating:

1. MESSAGE_CREATE throughput: N messages dispatched through the sandbox's gateway, until the listener
   has seen all of them (events/s).
2. Slash-command latency: ``SandboxUser.slash`` from sending INTERACTION_CREATE until the bot's callback
   arrived, one at a time and with many in flight (p50, p99).
3. Memory: RSS of the bot process once every guild (2,500 x 100 members) is in its cache.

Usage: ``uv run python bench/gateway.py [--quick] [--profile DIR]`` (prints a Markdown table).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import dataclasses
import gc
import multiprocessing
import os
import platform
import statistics
import sys
import tempfile
import time
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any, cast

import hikari
import lightbulb

# Only hikari and lightbulb are imported at module level: spawned bot processes import this module, and the
# baseline's memory must not include Tatiana's imports.
if TYPE_CHECKING:
    from tatiana.testing.sandbox.interactions import SandboxUser
    from tatiana.testing.sandbox.server import Sandbox
    from tatiana.testing.sandbox.world import World

BASELINE, TATIANA = "baseline", "tatiana"
KINDS = (BASELINE, TATIANA)
INTENTS = hikari.Intents.ALL_UNPRIVILEGED | hikari.Intents.MESSAGE_CONTENT | hikari.Intents.GUILD_MEMBERS
# Discord puts a guild's members in GUILD_CREATE only for bots with GUILD_PRESENCES; without it hikari
# requests them in chunks, 120 gateway payloads a minute, about 21 minutes for 2,500 guilds. The memory
# phase adds the intent so the members come with GUILD_CREATE; the cache ends up the same.
MEMORY_INTENTS = INTENTS | hikari.Intents.GUILD_PRESENCES
STARTUP_TIMEOUT = 180.0
ROUND_TIMEOUT = 60.0


@dataclasses.dataclass(frozen=True)
class Config:
    """The sizes of one run."""

    rounds: int
    messages: int
    guilds: int
    members: int
    sequential: int
    concurrent: int
    in_flight: int
    memory_guilds: int
    memory_members: int
    profile_dir: str | None = None
    phases: tuple[str, ...] = ("speed", "memory")

    def profile(self, kind: str, phase: str) -> str | None:
        """Where the ``kind`` bot of ``phase`` writes its cProfile stats, if profiling."""
        return None if self.profile_dir is None else os.path.join(self.profile_dir, f"{kind}-{phase}.prof")


FULL = Config(
    rounds=9,
    messages=3000,
    guilds=20,
    members=25,
    sequential=120,
    concurrent=600,
    in_flight=50,
    memory_guilds=2500,
    memory_members=100,
)
QUICK = Config(
    rounds=5,
    messages=1000,
    guilds=10,
    members=10,
    sequential=50,
    concurrent=200,
    in_flight=50,
    memory_guilds=250,
    memory_members=100,
)


# --- the bot processes ---------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Endpoint:
    """What ``sandbox_bot`` reads of a sandbox, for a bot in another process than the sandbox."""

    token: str
    rest_url: str


@dataclasses.dataclass(frozen=True)
class BotOrder:
    """What a bot process runs: which bot, where, with which intents."""

    kind: str
    endpoint: Endpoint
    database_url: str
    intents: int
    profile: str | None = None


class MessageCounter:
    """Counts the listener's events and tells the driver when it has seen as many as it was told to expect."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.seen = 0
        self.target = 0

    def expect(self, count: int) -> None:
        """Start counting towards ``count`` events."""
        self.seen, self.target = 0, count

    def saw(self) -> None:
        """One event reached the listener."""
        self.seen += 1
        if self.seen == self.target:
            self.conn.send(("seen", self.seen))


def build_loader(counter: MessageCounter) -> lightbulb.Loader:
    """The code both bots run: ``/ping`` and a message listener."""
    loader = lightbulb.Loader()

    @loader.command
    class Ping(lightbulb.SlashCommand, name="ping", description="Answers pong"):
        @lightbulb.invoke
        async def invoke(self, ctx: lightbulb.Context) -> None:
            await ctx.respond("pong")

    @loader.listener(hikari.GuildMessageCreateEvent)
    async def on_message(_: hikari.GuildMessageCreateEvent) -> None:
        counter.saw()

    return loader


async def receive(conn: Connection) -> Any:
    """The next message on ``conn``, without blocking the event loop."""
    if not conn.poll():
        loop = asyncio.get_running_loop()
        readable: asyncio.Future[None] = loop.create_future()
        loop.add_reader(conn.fileno(), lambda: readable.done() or readable.set_result(None))
        try:
            await readable
        finally:
            loop.remove_reader(conn.fileno())
    return conn.recv()


def bot_process(order: BotOrder, conn: Connection) -> None:
    """Entry point of a bot process: run the ordered bot and obey the driver until told to stop."""
    profiler = cProfile.Profile() if order.profile is not None else None
    try:
        asyncio.run(_bot_main(order, conn, profiler))
    finally:
        if profiler is not None and order.profile is not None:
            profiler.disable()
            profiler.dump_stats(order.profile)


async def _bot_main(order: BotOrder, conn: Connection, profiler: cProfile.Profile | None) -> None:
    counter = MessageCounter(conn)
    loader = build_loader(counter)
    if order.kind == TATIANA:
        from tatiana.testing import harness  # the RSS "after imports" includes what Tatiana imports

    conn.send(("imported", None))
    await receive(conn)
    if profiler is not None:
        profiler.enable()
    started = time.perf_counter()
    if order.kind == BASELINE:
        app = hikari.GatewayBot(
            order.endpoint.token,
            banner=None,
            logs=None,
            intents=hikari.Intents(order.intents),
            rest_url=order.endpoint.rest_url,
        )
        client = lightbulb.client_from_app(app)
        await loader.add_to_client(client)
        client_started = asyncio.Event()

        async def start_client(_: hikari.StartedEvent) -> None:
            await client.start()
            client_started.set()

        app.subscribe(hikari.StartedEvent, start_client)
        await app.start(check_for_updates=False)  # as TatianaBot starts hikari
        await asyncio.wait_for(client_started.wait(), STARTUP_TIMEOUT)
        try:
            await _obey(app, conn, counter, started, profiler)
        finally:
            await client.stop()
            await app.close()
        return

    from tatiana import Plugin
    from tatiana.bot.app import INTENTS as TATIANA_INTENTS
    from tatiana.bot.app import TatianaBot
    from tatiana.registry import PluginRegistry

    if TATIANA_INTENTS != INTENTS:
        raise SystemExit(f"Tatiana's intents changed ({TATIANA_INTENTS!r}): update INTENTS in {__file__}")

    class BenchTatianaBot(TatianaBot):
        """TatianaBot with the order's intents (sandbox_bot takes none)."""

        def __init__(self, **options: Any) -> None:
            super().__init__(**options, intents=hikari.Intents(order.intents))

    if order.intents != INTENTS:
        harness.TatianaBot = BenchTatianaBot  # type: ignore[misc]
    plugin = Plugin(name="bench", version="1.0.0", description="Benchmark", requires="1.*", loaders=[loader])
    installed = PluginRegistry.discover().names
    sandbox = cast("Sandbox", order.endpoint)
    async with harness.sandbox_bot(
        sandbox, order.database_url, plugins=[plugin, *installed], migrate=False
    ) as bot:
        await _obey(bot.app, conn, counter, started, profiler)


async def _obey(
    app: hikari.GatewayBot,
    conn: Connection,
    counter: MessageCounter,
    started: float,
    profiler: cProfile.Profile | None,
) -> None:
    conn.send(("ready", None))
    while True:
        command, argument = await receive(conn)
        if command == "expect":
            counter.expect(argument)
            conn.send(("armed", None))
        elif command == "settle":
            conn.send(("settled", await _settle(app, argument, started)))
        elif command == "members":
            guilds = app.cache.get_guilds_view()
            conn.send(("members", sum(len(app.cache.get_members_view_for_guild(g)) for g in guilds)))
        elif command == "measuring" and profiler is not None:
            profiler.clear()  # the stats then cover the measured rounds only, not start-up and warm-up
        elif command == "stop":
            return


async def _settle(app: hikari.GatewayBot, guilds: int, started: float) -> float:
    """Seconds from ``started`` until ``guilds`` guilds were cached; then garbage is collected, for RSS at rest."""
    deadline = time.perf_counter() + STARTUP_TIMEOUT
    while len(app.cache.get_guilds_view()) < guilds:
        if time.perf_counter() > deadline:
            raise TimeoutError(f"only {len(app.cache.get_guilds_view())} of {guilds} guilds were cached")
        await asyncio.sleep(0.05)
    startup = time.perf_counter() - started
    await asyncio.sleep(0.5)
    gc.collect()
    return startup


# --- the driver ----------------------------------------------------------------------------------------------
def rss_of(pid: int) -> int:
    """Resident set size of process ``pid``, in bytes."""
    try:
        import psutil
    except ImportError:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        raise RuntimeError(f"no VmRSS for process {pid}") from None
    return int(psutil.Process(pid).memory_info().rss)


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


def build_world(guilds: int, members: int) -> World:
    """A world of ``guilds`` guilds with ``members`` members each."""
    from tatiana.testing.sandbox.seed import seed_many
    from tatiana.testing.sandbox.world import World

    world = World()
    seed_many(world, guilds, members)
    return world


@dataclasses.dataclass
class Subject:
    """One bot process on a sandbox of its own, driven from here."""

    kind: str
    sandbox: Sandbox
    process: multiprocessing.process.BaseProcess
    conn: Connection
    imported_rss: int
    results: dict[str, list[float]] = dataclasses.field(default_factory=dict)

    @classmethod
    async def start(
        cls, kind: str, world: World, database_url: str, intents: int, profile: str | None = None
    ) -> Subject:
        """Start a sandbox on ``world`` and a ``kind`` bot process on it; returns once the bot is started."""
        from tatiana.db.migrate import upgrade
        from tatiana.registry import PluginRegistry
        from tatiana.testing.sandbox.server import Sandbox

        if kind == TATIANA:  # as `tatiana db upgrade` does before the shards start
            await upgrade(database_url, registry=PluginRegistry.discover())
        sandbox = await Sandbox(world).start()
        ours, theirs = multiprocessing.get_context("spawn").Pipe()
        order = BotOrder(kind, Endpoint(sandbox.token, sandbox.rest_url), database_url, intents, profile)
        process = multiprocessing.get_context("spawn").Process(
            target=bot_process, args=(order, theirs), name=f"bench-{kind}", daemon=True
        )
        process.start()
        theirs.close()
        subject = cls(kind, sandbox, process, ours, imported_rss=0)
        try:
            await subject.expect_reply("imported", STARTUP_TIMEOUT)
            subject.imported_rss = rss_of(process.pid or 0)
            ours.send(("go", None))
            await subject.expect_reply("ready", STARTUP_TIMEOUT)
            await sandbox.gateway.wait_ready(1, timeout=STARTUP_TIMEOUT)
        except BaseException:
            await subject.close()
            raise
        return subject

    async def expect_reply(self, name: str, timeout: float) -> Any:
        """The bot's next message, which must be ``name``."""
        try:
            reply, argument = await asyncio.wait_for(receive(self.conn), timeout)
        except (TimeoutError, EOFError):
            raise RuntimeError(
                f"the {self.kind} bot did not answer {name!r} (exit code {self.process.exitcode})"
            ) from None
        if reply != name:
            raise RuntimeError(f"the {self.kind} bot answered {reply!r}, expected {name!r}")
        return argument

    def cpu(self) -> float:
        """CPU seconds the bot process has used so far."""
        return cpu_of(self.process.pid or 0)

    def note(self, metric: str, value: float) -> None:
        """Keep one round's value of ``metric``."""
        self.results.setdefault(metric, []).append(value)

    async def close(self) -> None:
        """Stop the bot process, then the sandbox."""
        if self.process.is_alive():
            with contextlib.suppress(OSError):
                self.conn.send(("stop", None))
            await asyncio.to_thread(self.process.join, 30)
            if self.process.is_alive():
                self.process.terminate()
                await asyncio.to_thread(self.process.join, 5)
        self.conn.close()
        await self.sandbox.stop()


class SpeedDriver:
    """Throughput and latency rounds against one subject."""

    def __init__(self, subject: Subject, config: Config) -> None:
        from tatiana.testing.sandbox.interactions import SandboxUser

        self.subject = subject
        self.config = config
        world = subject.sandbox.world
        self.guilds = list(world.guilds.values())
        self.users: list[SandboxUser] = []
        for guild in self.guilds:
            for member in guild.members.values():
                if member.user_id not in (world.bot.id, guild.owner_id):
                    self.users.append(SandboxUser(subject.sandbox, guild, member, timeout=5))

    async def ensure_command(self) -> None:
        """Check that the bot synced ``/ping`` (both bots sync before they report ready) and answers it."""
        world = self.subject.sandbox.world
        if not any(c.name == "ping" for c in world.commands.values()):
            raise RuntimeError(f"the {self.subject.kind} bot did not register /ping")
        reply = await self.users[0].slash("ping")
        if reply.content != "pong":
            raise RuntimeError(f"the {self.subject.kind} bot answered {reply.content!r} to /ping")

    def _messages(self, count: int) -> list[tuple[int, dict[str, Any]]]:
        from tatiana.testing.sandbox import gateway_payloads
        from tatiana.testing.sandbox.world import Message

        world = self.subject.sandbox.world
        batch = []
        for number in range(count):
            user = self.users[number % len(self.users)]
            message = Message(
                id=world.snowflake(),
                channel_id=user.channel.id,
                author_id=user.user.id,
                content=f"message {number}",
                guild_id=user.channel.guild_id,
            )
            batch.append((user.channel.guild_id or 0, gateway_payloads.message(message, world)))
        return batch

    async def throughput(self, count: int) -> tuple[float, float, float]:
        """Events/s until the listener saw ``count`` MESSAGE_CREATEs, the sandbox's send rate, bot CPU µs each."""
        from tatiana.testing.sandbox import gateway_payloads

        batch = self._messages(count)
        gateway = self.subject.sandbox.gateway
        self.subject.conn.send(("expect", count))
        await self.subject.expect_reply("armed", ROUND_TIMEOUT)
        cpu = self.subject.cpu()
        began = time.perf_counter()
        for guild_id, data in batch:
            await gateway.dispatch(
                "MESSAGE_CREATE", data, guild_id=guild_id, intents=gateway_payloads.GUILD_MESSAGES
            )
        sent = time.perf_counter() - began
        await self.subject.expect_reply("seen", ROUND_TIMEOUT)
        elapsed = time.perf_counter() - began
        return count / elapsed, count / sent, (self.subject.cpu() - cpu) / count * 1e6

    async def latencies(self, total: int, in_flight: int) -> tuple[list[float], float, float]:
        """Seconds per ``/ping`` with ``in_flight`` users at a time, commands/s, and bot CPU µs per command."""
        samples: list[float] = []

        async def user_loop(user: SandboxUser, count: int) -> None:
            for _ in range(count):
                began = time.perf_counter()
                await user.slash("ping")
                samples.append(time.perf_counter() - began)

        share, extra = divmod(total, in_flight)
        cpu = self.subject.cpu()
        began = time.perf_counter()
        async with asyncio.TaskGroup() as group:
            for index in range(in_flight):
                group.create_task(user_loop(self.users[index % len(self.users)], share + (index < extra)))
        elapsed = time.perf_counter() - began
        return samples, total / elapsed, (self.subject.cpu() - cpu) / total * 1e6

    async def warm_up(self) -> None:
        """Fill caches (the gate's per-guild state, hikari's, lightbulb's)."""
        await self.ensure_command()
        await self.throughput(max(len(self.users), self.config.messages // 2))
        await self.latencies(self.config.sequential // 2, 1)
        await self.latencies(self.config.in_flight * 2, self.config.in_flight)

    async def measure(self, step: str) -> None:
        """One measured round of ``step``: "messages", "sequential" or "concurrent"."""
        config, note = self.config, self.subject.note
        if step == "messages":
            rate, send_rate, cpu = await self.throughput(config.messages)
            note("throughput", rate)
            note("sandbox_send", send_rate)
            note("cpu_message", cpu)
        elif step == "sequential":
            samples, _, _ = await self.latencies(config.sequential, 1)
            note("seq_p50", percentile(samples, 50) * 1000)
            note("seq_p99", percentile(samples, 99) * 1000)
        else:
            samples, rate, cpu = await self.latencies(config.concurrent, config.in_flight)
            note("conc_p50", percentile(samples, 50) * 1000)
            note("conc_p99", percentile(samples, 99) * 1000)
            note("conc_rate", rate)
            note("cpu_command", cpu)


def percentile(samples: list[float], pct: float) -> float:
    """The ``pct``-th percentile of ``samples`` (nearest rank)."""
    ordered = sorted(samples)
    rank = max(1, -(-len(ordered) * pct // 100))
    return ordered[int(rank) - 1]


async def speed_phase(config: Config, folder: str) -> dict[str, dict[str, list[float]]]:
    """Throughput and latency of both bots, each step alternating between them."""
    drivers: list[SpeedDriver] = []
    try:
        for kind in KINDS:
            world = build_world(config.guilds, config.members)
            database = f"sqlite:///{folder}/speed.db"
            subject = await Subject.start(kind, world, database, INTENTS, config.profile(kind, "speed"))
            drivers.append(SpeedDriver(subject, config))
        for driver in drivers:
            await driver.warm_up()
            driver.subject.conn.send(("measuring", None))
        # Each step runs on both bots back to back, first one then the other, so that both meet the same
        # background load; the ratios are then taken round by round.
        for number in range(config.rounds):
            for step in ("messages", "sequential", "concurrent"):
                for driver in drivers if number % 2 == 0 else reversed(drivers):
                    await driver.measure(step)
            progress(f"round {number + 1}/{config.rounds} done")
    finally:
        for driver in drivers:
            await driver.subject.close()
    return {driver.subject.kind: driver.subject.results for driver in drivers}


async def memory_phase(config: Config, folder: str) -> dict[str, dict[str, list[float]]]:
    """RSS of each bot once every guild of a large world is cached, one bot at a time."""
    results: dict[str, dict[str, list[float]]] = {}
    for kind in KINDS:
        world = build_world(config.memory_guilds, config.memory_members)
        database = f"sqlite:///{folder}/memory.db"
        subject = await Subject.start(kind, world, database, MEMORY_INTENTS, config.profile(kind, "memory"))
        try:
            subject.conn.send(("settle", config.memory_guilds))
            startup = await subject.expect_reply("settled", STARTUP_TIMEOUT)
            rss = rss_of(subject.process.pid or 0)
            subject.conn.send(("members", None))
            members = await subject.expect_reply("members", ROUND_TIMEOUT)
            expected = config.memory_guilds * config.memory_members
            if members < expected:
                raise RuntimeError(f"the {kind} bot cached {members} of {expected} members")
            subject.note("rss", rss / 2**20)
            subject.note("rss_growth", (rss - subject.imported_rss) / 2**20)
            subject.note("startup", startup)
            progress(f"memory {kind}: {rss / 2**20:.0f} MiB")
        finally:
            await subject.close()
        results[kind] = subject.results
    return results


def progress(text: str) -> None:
    """A progress line on stderr, so stdout is only the table."""
    print(f"  {text}", file=sys.stderr, flush=True)


def table(results: dict[str, dict[str, list[float]]], config: Config) -> str:
    """The Markdown table: each bot's median, and the median of the round-by-round Tatiana / baseline ratios."""
    guilds = f"{config.memory_guilds:,} guilds x {config.memory_members} members"
    rows = [
        ("throughput", "MESSAGE_CREATE throughput (events/s, higher is better)", "{:,.0f}"),
        ("cpu_message", "bot CPU per MESSAGE_CREATE (µs)", "{:.0f}"),
        ("seq_p50", "/ping latency, sequential, p50 (ms)", "{:.2f}"),
        ("seq_p99", "/ping latency, sequential, p99 (ms)", "{:.2f}"),
        ("conc_p50", f"/ping latency, {config.in_flight} in flight, p50 (ms)", "{:.2f}"),
        ("conc_p99", f"/ping latency, {config.in_flight} in flight, p99 (ms)", "{:.2f}"),
        ("conc_rate", f"/ping throughput, {config.in_flight} in flight (commands/s)", "{:,.0f}"),
        ("cpu_command", "bot CPU per /ping (µs)", "{:.0f}"),
        ("rss", f"RSS after ready, {guilds} (MiB)", "{:,.0f}"),
        ("rss_growth", "RSS growth from connecting to ready (MiB)", "{:,.0f}"),
        ("startup", f"bot start to {config.memory_guilds:,} guilds cached (s)", "{:.1f}"),
    ]
    lines = ["| measure | baseline | Tatiana | Tatiana / baseline |", "| --- | ---: | ---: | ---: |"]
    for key, label, shape in rows:
        if key not in results[BASELINE]:
            continue
        base, ours = results[BASELINE][key], results[TATIANA][key]
        ratio = statistics.median(o / b for b, o in zip(base, ours, strict=True))
        median = statistics.median
        lines.append(
            f"| {label} | {shape.format(median(base))} | {shape.format(median(ours))} | {ratio:.2f} |"
        )
    return "\n".join(lines)


def machine() -> str:
    """One line about where the numbers come from."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            cpu = next(line.split(":", 1)[1].strip() for line in info if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return (
        f"{cpu}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"hikari {hikari.__version__}, lightbulb {lightbulb.__version__}"
    )


async def run(config: Config) -> str:
    """Every phase; the report."""
    began = time.perf_counter()
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="tatiana-bench-") as folder:
        speed = await speed_phase(config, folder) if "speed" in config.phases else {k: {} for k in KINDS}
        memory = await memory_phase(config, folder) if "memory" in config.phases else {k: {} for k in KINDS}
    results = {kind: {**speed[kind], **memory[kind]} for kind in KINDS}
    notes = []
    if "speed" in config.phases:
        send = min(statistics.median(results[kind]["sandbox_send"]) for kind in KINDS)
        notes.append(
            f"{config.messages:,} messages per round over {config.guilds} guilds; the sandbox sent at "
            f"{send:,.0f} messages/s or more. Latency: {config.sequential} sequential and "
            f"{config.concurrent} concurrent /ping per round."
        )
    notes.append(f"Load average {load:.1f} at the start; took {time.perf_counter() - began:.0f} s.")
    return "\n".join(
        [
            f"Gateway benchmark, {config.rounds} rounds (medians), {machine()}",
            "",
            table(results, config),
            "",
            " ".join(notes),
        ]
    )


def main() -> None:
    """Parse the arguments, run, print the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, under 30 s")
    parser.add_argument(
        "--profile",
        metavar="DIR",
        help="write cProfile stats of each bot to DIR/<bot>-<phase>.prof: the measured rounds of the speed "
        "phase, the start of the memory phase (slows the bots down)",
    )
    parser.add_argument(
        "--only",
        choices=("speed", "memory"),
        help="run one phase: speed (messages, /ping) or memory (RSS with many guilds)",
    )
    args = parser.parse_args()
    phases = (args.only,) if args.only else ("speed", "memory")
    config = dataclasses.replace(QUICK if args.quick else FULL, profile_dir=args.profile, phases=phases)
    if args.profile:
        os.makedirs(args.profile, exist_ok=True)
    print(asyncio.run(run(config)))


if __name__ == "__main__":
    main()
