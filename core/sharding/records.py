"""What shard processes share about shards and processes: status records, saved sessions, cluster shape."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class ShardState(StrEnum):
    """Where one shard stands in the process holding its lease."""

    WAITING = "waiting"  # leased, waiting for its turn in the identify queue
    CONNECTING = "connecting"  # identifying or resuming
    READY = "ready"  # connected, receiving events
    RECONNECTING = "reconnecting"  # lost its connection, hikari is reconnecting
    STOPPED = "stopped"  # released by its process


@dataclass(frozen=True, slots=True)
class ShardStatus:
    """One shard as its process last reported it; ``heartbeat_at`` is Unix time, ``latency`` seconds."""

    shard_id: int
    state: ShardState
    latency: float | None
    guilds: int
    process: str
    host: str
    pid: int
    heartbeat_at: float

    def to_json(self) -> str:
        """The record as a JSON object."""
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str | bytes) -> ShardStatus:
        """The record stored by ``to_json``."""
        data = json.loads(text)
        data["state"] = ShardState(data["state"])
        return cls(**data)


class ProcessState(StrEnum):
    """Where one shard process stands."""

    STARTING = "starting"  # connecting to the database and Discord's REST API, syncing commands
    SERVING = "serving"  # leasing and running shards
    HANDING_OVER = "handing-over"  # passing its shards on before it exits


@dataclass(frozen=True, slots=True)
class ProcessStatus:
    """One shard process: who launched it, how many shards it may hold and which it holds."""

    process: str
    host: str
    pid: int
    launcher: str | None
    capacity: int
    shards: tuple[int, ...]
    state: ProcessState
    started_at: float
    heartbeat_at: float

    def to_json(self) -> str:
        """The record as a JSON object."""
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str | bytes) -> ProcessStatus:
        """The record stored by ``to_json``."""
        data = json.loads(text)
        data["state"] = ProcessState(data["state"])
        data["shards"] = tuple(data["shards"])
        return cls(**data)


@dataclass(frozen=True, slots=True)
class ResumeState:
    """What another process needs to RESUME a shard's gateway session instead of identifying again."""

    shard_id: int
    session_id: str
    seq: int
    resume_url: str | None
    user_id: int
    guild_ids: tuple[int, ...] = field(default=())

    def to_json(self) -> str:
        """The state as a JSON object."""
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str | bytes) -> ResumeState:
        """The state stored by ``to_json``."""
        data: dict[str, Any] = json.loads(text)
        data["guild_ids"] = tuple(data.get("guild_ids", ()))
        return cls(**data)


@dataclass(frozen=True, slots=True)
class ClusterShape:
    """How many shards the bot has and how many may identify at once: the same for every process."""

    shard_count: int
    max_concurrency: int

    def to_json(self) -> str:
        """The shape as a JSON object."""
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str | bytes) -> ClusterShape:
        """The shape stored by ``to_json``."""
        return cls(**json.loads(text))
