"""A sharded bot on the local sandbox, for tests and benchmarks: real ``tatiana run`` launchers as subprocesses.

``LocalCluster`` writes a probe plugin (installed the way any plugin is: a distribution on the path with an
entry point) and a plugins.toml, starts launchers against a running ``Sandbox``, a database and Redis, and
reads the cluster's status through the same Redis namespace. The probe's ``/where`` answers ``pid=<pid>`` so
that a test can tell which process served a command; ``/slow`` answers the same after one second; ``/tag``
answers ``tag=<tag>``, the guild's ``tag`` setting of the probe, as the answering process has it cached.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from tatiana.registry import PluginRegistry
from tatiana.sharding import Sharding, ShardState, create_sharding
from tatiana.shards.status_view import STALE_AFTER, ClusterStatus, read_status
from tatiana.testing.sandbox.interactions import SandboxUser
from tatiana.testing.sandbox.server import Sandbox
from tatiana.testing.sandbox.world import Guild, World

PROBE_MODULE = "tatiana_shard_probe"
PROBE_SOURCE = '''"""A probe plugin for sharded tests: which process answers."""

import asyncio
import os

import lightbulb
from pydantic import BaseModel

from tatiana import Plugin

loader = lightbulb.Loader()


class ProbeSettings(BaseModel):
    tag: str = "none"


@loader.command
class Where(lightbulb.SlashCommand, name="where", description="Which process answers"):
    @lightbulb.invoke
    async def invoke(self, ctx: lightbulb.Context) -> None:
        await ctx.respond(f"pid={os.getpid()}")


@loader.command
class Slow(lightbulb.SlashCommand, name="slow", description="Answers after a second"):
    @lightbulb.invoke
    async def invoke(self, ctx: lightbulb.Context) -> None:
        await asyncio.sleep(1.0)
        await ctx.respond(f"pid={os.getpid()}")


@loader.command
class Tag(lightbulb.SlashCommand, name="tag", description="The guild's probe setting"):
    @lightbulb.invoke
    async def invoke(self, ctx: lightbulb.Context, settings: ProbeSettings | None = lightbulb.di.INJECTED) -> None:
        await ctx.respond(f"tag={settings.tag if settings else '?'}")


plugin = Plugin(
    name="probe",
    version="1.0",
    description="Sharding probe",
    requires="1.*",
    loaders=[loader],
    settings=ProbeSettings,
)
'''


def write_probe_plugin(folder: Path) -> Path:
    """Install the probe plugin into ``folder`` (to be put on PYTHONPATH); returns ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{PROBE_MODULE}.py").write_text(PROBE_SOURCE)
    info = folder / "tatiana_shard_probe-1.0.dist-info"
    info.mkdir(exist_ok=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: tatiana-shard-probe\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[tatiana.plugins]\nprobe = {PROBE_MODULE}:plugin\n")
    return folder


def probe_registry(folder: Path) -> PluginRegistry:
    """A registry holding the probe plugin written to ``folder``, for the test process itself."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(PROBE_MODULE, folder / f"{PROBE_MODULE}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return PluginRegistry.of(module.plugin)


def seed_across_shards(world: World, shard_count: int, per_shard: int = 1) -> dict[int, list[Guild]]:
    """Add guilds until every shard has ``per_shard`` of them; the guilds by shard id."""
    by_shard: dict[int, list[Guild]] = {s: [] for s in range(shard_count)}
    for number in range(per_shard * shard_count):
        shard_id = number % shard_count
        guild = world.add_guild(f"Shard guild {number}", id=world.snowflake.on_shard(shard_id, shard_count))
        world.add_member(guild, world.add_user(f"member-{number}"))
        by_shard[shard_id].append(guild)
    return by_shard


def member_of(sandbox: Sandbox, guild: Guild) -> SandboxUser:
    """A member (not the owner, not the bot) of ``guild``, ready to run commands."""
    world = sandbox.world
    member = next(m for m in guild.members.values() if m.user_id not in (world.bot.id, guild.owner_id))
    return SandboxUser(sandbox, guild, member, timeout=5.0)


@dataclass
class LauncherProcess:
    """One ``tatiana run`` subprocess; its output goes to ``log_path``."""

    proc: asyncio.subprocess.Process
    log_path: Path

    @property
    def pid(self) -> int:
        """The launcher's pid."""
        return self.proc.pid

    def log(self) -> str:
        """Everything it (and its shard processes) printed so far."""
        return self.log_path.read_text(errors="replace")

    async def stop(self, timeout: float = 40.0) -> int:
        """SIGTERM, then wait; SIGKILL after ``timeout``. Its exit code."""
        if self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.send_signal(signal.SIGTERM)
            try:
                async with asyncio.timeout(timeout):
                    await self.proc.wait()
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        return self.proc.returncode if self.proc.returncode is not None else -1


class LocalCluster:
    """Launchers of ``tatiana run`` on ``sandbox``, sharing ``redis_url``/``namespace`` and ``database_url``."""

    def __init__(
        self,
        sandbox: Sandbox,
        *,
        database_url: str,
        redis_url: str,
        namespace: str,
        workdir: Path,
        plugins: Mapping[str, bool] | None = None,
        log_level: str = "INFO",
    ) -> None:
        self.sandbox = sandbox
        self.database_url = database_url
        self.redis_url = redis_url
        self.namespace = namespace
        self.workdir = workdir
        self.plugins = dict(plugins or {"probe": True})
        self.log_level = log_level
        self.launchers: list[LauncherProcess] = []
        self.probe_path = workdir / "site"
        self._sharding: Sharding | None = None

    async def __aenter__(self) -> LocalCluster:
        """Write the probe plugin and plugins.toml, migrate the database; launch nothing yet."""
        from tatiana.db.migrate import upgrade

        # The launchers load every installed plugin besides the probe, as `tatiana run` does: migrate them all.
        probe = probe_registry(write_probe_plugin(self.probe_path))
        await upgrade(self.database_url, registry=PluginRegistry.of(*PluginRegistry.discover(), *probe))
        lines = [
            f"[plugins.{name}]\nenabled = {'true' if on else 'false'}\n" for name, on in self.plugins.items()
        ]
        (self.workdir / "plugins.toml").write_text("\n".join(lines))
        self._sharding = create_sharding(self.redis_url, self.namespace)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await asyncio.gather(*(launcher.stop() for launcher in self.launchers))
        if self._sharding is not None:
            await self._sharding.close()

    @property
    def sharding(self) -> Sharding:
        """The cluster's sharding, read through its own Redis client."""
        assert self._sharding is not None, "use LocalCluster as an async context manager"
        return self._sharding

    def environment(self, redis_url: str | None = None) -> dict[str, str]:
        """The environment of a launcher or CLI call: the sandbox as Discord, the database, Redis, the probe.

        ``redis_url`` replaces the cluster's; an empty one leaves REDIS_URL unset (in-memory sharding).
        """
        inherited = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DISCORD_", "TATIANA_", "REDIS_", "DATABASE_", "GEMINI_"))
        }
        path = os.pathsep.join(p for p in (str(self.probe_path), inherited.get("PYTHONPATH")) if p)
        return {
            **inherited,
            "PYTHONPATH": path,
            "DISCORD_TOKEN": self.sandbox.token,
            "DISCORD_API_URL": self.sandbox.rest_url,
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url if redis_url is None else redis_url,
            "TATIANA_REDIS_NAMESPACE": self.namespace,
            "TATIANA_PLUGINS_FILE": str(self.workdir / "plugins.toml"),
            "LOG_LEVEL": self.log_level,
        }

    async def launch(self, *args: str, redis_url: str | None = None) -> LauncherProcess:
        """Start ``tatiana run ARGS``; ``redis_url`` replaces the cluster's (a proxy to cut, or "" for none)."""
        log_path = self.workdir / f"launcher-{len(self.launchers)}.log"
        output = log_path.open("wb")
        try:
            proc = await asyncio.create_subprocess_exec(
                *_tatiana("run", *args),
                cwd=self.workdir,
                env=self.environment(redis_url),
                stdout=output,
                stderr=asyncio.subprocess.STDOUT,
            )
        finally:
            output.close()
        launcher = LauncherProcess(proc, log_path)
        self.launchers.append(launcher)
        return launcher

    async def cli(self, *args: str, timeout: float = 300.0) -> tuple[int, str, str]:
        """Run ``tatiana ARGS`` against the cluster; exit code, stdout, stderr."""
        proc = await asyncio.create_subprocess_exec(
            *_tatiana(*args),
            cwd=self.workdir,
            env=self.environment(),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        async with asyncio.timeout(timeout):
            out, err = await proc.communicate()
        return proc.returncode or 0, out.decode(), err.decode()

    async def status(self) -> ClusterStatus:
        """The cluster's status now."""
        return await read_status(self.sharding)

    async def wait_for(
        self, check: Callable[[ClusterStatus], bool], timeout: float, what: str = "the cluster"
    ) -> ClusterStatus:
        """Poll the status until ``check`` holds; AssertionError with the last status after ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            status = await self.status()
            if check(status):
                return status
            if time.monotonic() > deadline:
                rows = "\n".join(" ".join(map(str, row)) for row in status.shard_rows())
                raise AssertionError(f"{what}: not reached within {timeout}s; status:\n{rows}")
            await asyncio.sleep(0.1)

    async def wait_serving(self, timeout: float = 60.0, processes: int | None = None) -> ClusterStatus:
        """Wait until every shard is ready with a fresh report (and ``processes`` processes serve)."""

        def serving(status: ClusterStatus) -> bool:
            if status.shape is None:
                return False
            ready = all(status.state_of(s) == ShardState.READY.value for s in range(status.shape.shard_count))
            return ready and (processes is None or len(status.processes) == processes)

        return await self.wait_for(serving, timeout, "every shard ready")


def fresh_owner(status: ClusterStatus, shard_id: int) -> str | None:
    """The process that reported the shard ready recently, if any."""
    record = status.record(shard_id)
    if record is None or record.state is not ShardState.READY:
        return None
    return record.process if status.read_at - record.heartbeat_at <= STALE_AFTER else None


def _tatiana(*args: str) -> Sequence[str]:
    return [sys.executable, "-c", "from tatiana.cli import main; main()", *args]
