"""The bot's status from the shards' status records, and the guilds a logged-in user shares with the bot."""

from __future__ import annotations

from dataclasses import dataclass

from litestar import get
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotAuthorizedException, ServiceUnavailableException
from sqlalchemy import select

from tatiana.api.access_tokens import AccessClaims
from tatiana.api.dependencies import BEARER_SCHEME, provide_caller
from tatiana.api.guild_access import AccessUnavailable, manages
from tatiana.api.services import ApiServices
from tatiana.db.models import Guild
from tatiana.sharding.records import ShardState
from tatiana.shards.outage import COORDINATION_ERRORS
from tatiana.shards.status_view import ClusterStatus, read_status

READY = "ready"  # every shard of the cluster is ready
DEGRADED = "degraded"  # some shards are ready, others are not
STARTING = "starting"  # shard processes are live, no shard is ready yet
OFFLINE = "offline"  # no live shard process and no ready shard


@dataclass
class ShardOut:
    """One shard as its process last reported it (``state`` is ``stale`` or ``unassigned`` without one)."""

    shard_id: int
    state: str
    latency_ms: float | None
    guilds: int | None
    process: str | None
    host: str | None
    pid: int | None
    heartbeat_at: float | None
    heartbeat_age: float | None


@dataclass
class ProcessOut:
    """One live shard process and the shards it holds."""

    process: str
    host: str
    pid: int
    launcher: str | None
    state: str
    capacity: int
    shards: list[int]
    started_at: float
    heartbeat_age: float


@dataclass
class BotStatusOut:
    """The bot's overall state, its shards and its shard processes, read at ``read_at`` (Unix time).

    ``shard_count`` is the recorded cluster shape's, or the number of reported shards when none is recorded.
    """

    state: str
    shard_count: int
    shards_ready: int
    shards: list[ShardOut]
    processes: list[ProcessOut]
    read_at: float


@dataclass
class BotGuildOut:
    """A guild the user shares with the bot, and whether the user may manage it in the dashboard."""

    id: str
    name: str
    can_manage: bool


def overall_state(status: ClusterStatus) -> str:
    """``ready``, ``degraded``, ``starting`` or ``offline``, from the shards' states and the live processes."""
    ids = status.shard_ids
    ready = sum(status.state_of(i) == ShardState.READY.value for i in ids)
    if ids and ready == len(ids):
        return READY
    if ready:
        return DEGRADED
    return STARTING if status.processes else OFFLINE


@get("/api/bot/status", tags=["bot"], raises=[ServiceUnavailableException])
async def bot_status(services: NamedDependency[ApiServices]) -> BotStatusOut:
    """Every shard and shard process as ``tatiana shards status`` shows them; public."""
    try:
        status = await read_status(services.sharding)
    except COORDINATION_ERRORS:
        raise ServiceUnavailableException("the shards' status records cannot be read (Redis)") from None
    data = status.to_json()
    shards = [ShardOut(**shard) for shard in data["shards"]]
    return BotStatusOut(
        state=overall_state(status),
        shard_count=len(shards),
        shards_ready=sum(s.state == ShardState.READY.value for s in shards),
        shards=shards,
        processes=[ProcessOut(**process) for process in data["processes"]],
        read_at=status.read_at,
    )


@get(
    "/api/bot/guilds",
    tags=["bot"],
    security=[{BEARER_SCHEME: []}],
    dependencies={"caller": Provide(provide_caller, sync_to_thread=False)},
    raises=[NotAuthorizedException, ServiceUnavailableException],
)
async def bot_guilds(
    caller: NamedDependency[AccessClaims], services: NamedDependency[ApiServices]
) -> list[BotGuildOut]:
    """The caller's Discord guilds that the bot knows (active rows of the ``guilds`` table), by name."""
    if services.guild_access is None:
        raise ServiceUnavailableException("dashboard login is not configured (DISCORD_CLIENT_ID/SECRET)")
    try:
        mine = await services.guild_access.guilds(caller.family)
    except AccessUnavailable as exc:
        raise NotAuthorizedException(str(exc)) from None
    if not mine:
        return []
    async with services.sessions() as session:
        known = set(
            await session.scalars(
                select(Guild.discord_id).where(Guild.discord_id.in_(list(mine)), Guild.is_active.is_(True))
            )
        )
    shared = sorted((mine[i] for i in known), key=lambda g: (g.name.casefold(), g.id))
    return [BotGuildOut(str(g.id), g.name, manages(g)) for g in shared]
