"""``/api/analytics``: command usage over a time window, from the ``command_usage`` records the bot writes.

With ``guild_id`` the numbers are that guild's (its managers only); without, the whole bot's (its owners only).
The window is ``since`` to ``until`` (ISO 8601), by default the last 7 days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, TypeVar

from litestar import Controller, get
from litestar.di import NamedDependency, Provide
from litestar.exceptions import PermissionDeniedException, ValidationException
from litestar.params import QueryParameter
from sqlalchemy import Select, case, distinct, func, select

from tatiana.api.access_tokens import AccessClaims
from tatiana.api.dependencies import BEARER_SCHEME, provide_caller
from tatiana.api.pagination import PAGINATED, Page, PageRequest
from tatiana.api.roles import require_manager
from tatiana.api.services import ApiServices
from tatiana.db.models import CommandUsage, User

Q = TypeVar("Q", bound=Select[*tuple[Any, ...]])

DEFAULT_WINDOW = timedelta(days=7)
MAX_WINDOW = timedelta(days=366)


@dataclass(frozen=True)
class Window:
    """Whose usage (one guild, or every guild when None) between two moments."""

    guild_id: int | None
    since: datetime
    until: datetime

    def where(self, query: Q) -> Q:
        """``query`` restricted to this window."""
        query = query.where(CommandUsage.used_at >= self.since, CommandUsage.used_at < self.until)
        if self.guild_id is not None:
            query = query.where(CommandUsage.guild_id == self.guild_id)
        return query


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


async def provide_window(
    caller: NamedDependency[AccessClaims],
    services: NamedDependency[ApiServices],
    guild_id: Annotated[
        int | None, QueryParameter(description="One guild (its managers); absent: every guild (owners)")
    ] = None,
    since: Annotated[
        datetime | None, QueryParameter(description="Start of the window, ISO 8601 (default: 7 days ago)")
    ] = None,
    until: Annotated[
        datetime | None, QueryParameter(description="End of the window, ISO 8601 (default: now)")
    ] = None,
) -> Window:
    """The window the caller asked for and may see; 400 for a bad one, 403 for someone else's."""
    end = _utc(until) if until is not None else datetime.now(UTC)
    start = _utc(since) if since is not None else end - DEFAULT_WINDOW
    if start >= end:
        raise ValidationException(
            "since must be before until",
            extra=[{"source": "query", "key": "since", "message": "not before until"}],
        )
    if end - start > MAX_WINDOW:
        raise ValidationException(
            "the window is at most 366 days",
            extra=[{"source": "query", "key": "since", "message": "too early"}],
        )
    if guild_id is None:
        if not await services.bot_owners.includes(caller.user_id):
            raise PermissionDeniedException("only the bot's owner sees every guild's usage; give guild_id")
    else:
        await require_manager(services, caller, guild_id)
    return Window(guild_id, start, end)


@dataclass
class DayOut:
    """Commands run on one day (UTC)."""

    day: str
    commands: int
    failures: int


@dataclass
class PluginUsageOut:
    """Commands run of one plugin."""

    plugin: str | None
    commands: int


@dataclass
class OverviewOut:
    """The window's totals, per day and per plugin."""

    guild_id: str | None
    since: datetime
    until: datetime
    commands: int
    failures: int
    users: int
    guilds: int
    avg_latency_ms: float | None
    per_day: list[DayOut]
    per_plugin: list[PluginUsageOut]


@dataclass
class CommandStatOut:
    """One command's use in the window."""

    command: str
    plugin: str | None
    uses: int
    failures: int
    users: int
    avg_latency_ms: float | None
    last_used_at: datetime


@dataclass
class UserStatOut:
    """One member's use of commands in the window."""

    user_id: str
    username: str | None
    commands: int
    failures: int
    last_used_at: datetime


FAILURES = func.sum(case((CommandUsage.succeeded.is_(False), 1), else_=0))


def _ms(value: Any) -> float | None:
    return None if value is None else round(float(value), 3)


class AnalyticsController(Controller):
    """``/api/analytics``: overview, commands and users of a window."""

    path = "/api/analytics"
    tags = ["analytics"]
    security = [{BEARER_SCHEME: []}]
    dependencies = {
        "caller": Provide(provide_caller, sync_to_thread=False),
        "window": Provide(provide_window),
        **PAGINATED,
    }

    @get("/overview")
    async def overview(
        self, window: NamedDependency[Window], services: NamedDependency[ApiServices]
    ) -> OverviewOut:
        """How many commands ran, failed, by how many members in how many guilds; per day and per plugin."""
        totals = window.where(
            select(
                func.count(),
                FAILURES,
                func.count(distinct(CommandUsage.user_id)),
                func.count(distinct(CommandUsage.guild_id)),
                func.avg(CommandUsage.latency_ms),
            )
        )
        day = func.date(CommandUsage.used_at)
        per_day = window.where(select(day, func.count(), FAILURES)).group_by(day).order_by(day)
        per_plugin = (
            window.where(select(CommandUsage.plugin, func.count()))
            .group_by(CommandUsage.plugin)
            .order_by(func.count().desc(), CommandUsage.plugin)
        )
        async with services.sessions() as session:
            count, failures, users, guilds, latency = (await session.execute(totals)).one()
            days = (await session.execute(per_day)).all()
            plugins = (await session.execute(per_plugin)).all()
        return OverviewOut(
            guild_id=str(window.guild_id) if window.guild_id is not None else None,
            since=window.since,
            until=window.until,
            commands=count,
            failures=int(failures or 0),
            users=users,
            guilds=guilds,
            avg_latency_ms=_ms(latency),
            per_day=[DayOut(str(d), n, int(f or 0)) for d, n, f in days],
            per_plugin=[PluginUsageOut(p, n) for p, n in plugins],
        )

    @get("/commands")
    async def commands(
        self,
        window: NamedDependency[Window],
        services: NamedDependency[ApiServices],
        page: NamedDependency[PageRequest],
        plugin: Annotated[
            str | None, QueryParameter(max_length=64, description="Only this plugin's commands")
        ] = None,
    ) -> Page[CommandStatOut]:
        """Each command's uses, failures, members and latency, most used first."""
        uses = func.count().label("uses")
        query = window.where(
            select(
                CommandUsage.command,
                func.max(CommandUsage.plugin),
                uses,
                FAILURES,
                func.count(distinct(CommandUsage.user_id)),
                func.avg(CommandUsage.latency_ms),
                func.max(CommandUsage.used_at),
            )
        )
        if plugin is not None:
            query = query.where(CommandUsage.plugin == plugin)
        query = query.group_by(CommandUsage.command).order_by(uses.desc(), CommandUsage.command)
        async with services.sessions() as session:
            rows = (await session.execute(query.offset(page.offset).limit(page.limit + 1))).all()
        return page.offset_page(
            [
                CommandStatOut(command, owner, n, int(f or 0), u, _ms(lat), _utc(last))
                for command, owner, n, f, u, lat, last in rows
            ]
        )

    @get("/users")
    async def users(
        self,
        window: NamedDependency[Window],
        services: NamedDependency[ApiServices],
        page: NamedDependency[PageRequest],
    ) -> Page[UserStatOut]:
        """Each member's commands and failures, most active first."""
        commands = func.count().label("commands")
        counted = (
            window.where(select(CommandUsage.user_id, commands, FAILURES, func.max(CommandUsage.used_at)))
            .group_by(CommandUsage.user_id)
            .subquery()
        )
        query = (
            select(counted, User.username)
            .join(User, User.discord_id == counted.c.user_id, isouter=True)
            .order_by(counted.c.commands.desc(), counted.c.user_id)
        )
        async with services.sessions() as session:
            rows = (await session.execute(query.offset(page.offset).limit(page.limit + 1))).all()
        return page.offset_page(
            [UserStatOut(str(uid), name, n, int(f or 0), _utc(last)) for uid, n, f, last, name in rows]
        )
