"""``/api/bot/restart``: the bot's owners start a rolling restart (as ``tatiana shards restart``) and follow it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import msgspec
from litestar import Controller, get, post
from litestar.di import NamedDependency, Provide
from litestar.exceptions import HTTPException, NotFoundException
from litestar.params import Body, FromPath
from litestar.status_codes import HTTP_202_ACCEPTED, HTTP_409_CONFLICT

from tatiana.api.dependencies import BEARER_SCHEME, provide_caller
from tatiana.api.restarts import RestartJob
from tatiana.api.roles import provide_bot_owner
from tatiana.api.services import ApiServices
from tatiana.shards.rolling_restart import RestartError


class RestartRequest(msgspec.Struct, forbid_unknown_fields=True):
    """Which shard processes to restart; none named: every live one."""

    processes: list[str] = msgspec.field(default_factory=list)


@dataclass
class ProcessResultOut:
    """How the restart of one process went."""

    process: str
    replaced: bool
    seconds: float
    detail: str


@dataclass
class RestartOut:
    """A rolling restart: ``running``, then ``done`` (every process replaced) or ``failed``."""

    id: str
    state: str
    processes: list[str]
    requested_by: str
    started_at: float
    finished_at: float | None
    results: list[ProcessResultOut]
    error: str | None


def _out(job: RestartJob) -> RestartOut:
    return RestartOut(
        id=job.id,
        state=job.state,
        processes=job.processes,
        requested_by=str(job.requested_by),
        started_at=job.started_at,
        finished_at=job.finished_at,
        results=[ProcessResultOut(r.process, r.replaced, round(r.seconds, 3), r.detail) for r in job.results],
        error=job.error,
    )


class RestartController(Controller):
    """Rolling restarts, for the bot's owners only."""

    path = "/api/bot/restart"
    tags = ["bot"]
    security = [{BEARER_SCHEME: []}]
    dependencies = {
        "caller": Provide(provide_caller, sync_to_thread=False),
        "owner": Provide(provide_bot_owner),
    }

    @post("/", status_code=HTTP_202_ACCEPTED)
    async def restart(
        self,
        owner: NamedDependency[int],
        services: NamedDependency[ApiServices],
        data: Annotated[RestartRequest | None, Body(description="Optional: the processes to restart")] = None,
    ) -> RestartOut:
        """Start replacing the shard processes one at a time; follow it at ``GET /api/bot/restart/{id}``."""
        try:
            job = await services.restarts.start(owner, (data or RestartRequest()).processes)
        except RestartError as exc:
            raise HTTPException(str(exc), status_code=HTTP_409_CONFLICT) from None
        return _out(job)

    @get("/{restart_id:str}")
    async def status(
        self, restart_id: FromPath[str], owner: NamedDependency[int], services: NamedDependency[ApiServices]
    ) -> RestartOut:
        """A rolling restart this API process started."""
        job = services.restarts.get(restart_id)
        if job is None:
            raise NotFoundException("no such restart (or this API process did not start it)")
        return _out(job)
