"""Every command run, recorded in ``command_usage`` (the dashboard's analytics), written in batches."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import lightbulb
from sqlalchemy import insert

from tatiana.bot.batches import DEFAULT_INTERVAL, BatchWriter
from tatiana.bot.command_names import invoked_name
from tatiana.db.models import CommandUsage

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

ROWS_PER_INSERT = 1000  # 9 columns each: well under SQLite's 32766 bound parameters


@dataclass(frozen=True, slots=True)
class UsageRecord:
    """One command run: where, by whom, which command of which plugin, how it ended and how long it took."""

    guild_id: int | None
    channel_id: int | None
    user_id: int
    plugin: str | None
    command: str
    succeeded: bool
    error: str | None
    latency_ms: float
    used_at: datetime


def _error_of(pipeline: lightbulb.ExecutionPipeline) -> str | None:
    failure = pipeline._invocation_failure or next((e for _, e in pipeline._hook_failures), None)
    return None if failure is None else type(failure).__name__[:200]


class CommandUsageRecorder:
    """Two client hooks time each command and buffer its record; one INSERT of many rows per flush."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        plugin_of: Callable[[lightbulb.Context], str | None],
        interval: float = DEFAULT_INTERVAL,
    ) -> None:
        self._sessions = sessions
        self._plugin_of = plugin_of
        self._started: dict[int, float] = {}
        self.buffer: BatchWriter[UsageRecord] = BatchWriter("command usage", self._write, interval)

    def hooks(self) -> list[lightbulb.ExecutionHook]:
        """The hooks to give the lightbulb client: a start stamp first of all, the record after everything."""

        @lightbulb.hook(lightbulb.ExecutionSteps.MAX_CONCURRENCY, name="tatiana-usage-start")
        async def started(pipeline: lightbulb.ExecutionPipeline, _: lightbulb.Context) -> None:
            self._started[id(pipeline)] = time.perf_counter()

        # Not skipped when the pipeline failed: a refused or failed command is recorded too.
        @lightbulb.hook(lightbulb.ExecutionSteps.POST_INVOKE, name="tatiana-usage-record")
        async def finished(pipeline: lightbulb.ExecutionPipeline, context: lightbulb.Context) -> None:
            began = self._started.pop(id(pipeline), None)
            latency = 0.0 if began is None else (time.perf_counter() - began) * 1000
            self.record(context, pipeline, latency)

        return [started, finished]

    def record(
        self, context: lightbulb.Context, pipeline: lightbulb.ExecutionPipeline, latency_ms: float
    ) -> None:
        """Buffer the record of one command run."""
        error = _error_of(pipeline)
        self.buffer.add(
            UsageRecord(
                guild_id=int(context.guild_id) if context.guild_id is not None else None,
                channel_id=int(context.channel_id),
                user_id=int(context.user.id),
                plugin=self._plugin_of(context),
                command=invoked_name(context)[:100],
                succeeded=error is None,
                error=error,
                latency_ms=round(latency_ms, 3),
                used_at=datetime.now(UTC),
            )
        )

    async def _write(self, records: Sequence[UsageRecord]) -> None:
        async with self._sessions.begin() as session:
            for start in range(0, len(records), ROWS_PER_INSERT):
                chunk = records[start : start + ROWS_PER_INSERT]
                await session.execute(insert(CommandUsage).values([asdict(r) for r in chunk]))
