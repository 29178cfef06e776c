"""``/api/moderation``: a guild's moderation cases, and warn, mute (timeout) and ban performed as the bot.

An action needs the caller's own Discord permission for it in that guild (ban: BAN_MEMBERS; mute and warn:
MODERATE_MEMBERS; owners and administrators may do all) and a highest role above the member's. It is performed
through the bot's REST client and written as a numbered case with ``source`` ``api``, whose moderation alert the
bot process serving the guild hears: the moderation plugin posts it in the mod-log and DMs the member there, after
this answer. A member to be banned is told first (Discord refuses a DM to a user who shares no server with the
bot): the case is recorded and alerted with ``dm_first``, and the ban waits up to ``DM_BEFORE_BAN`` seconds for
the bot's ``CASE_TOLD_CHANNEL`` answer; without one (no bot serves the guild, moderation is off there) it goes
ahead all the same.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

import hikari
import msgspec
import sqlalchemy as sa
from litestar import Controller, get, post
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import JSONBody, QueryParameter
from litestar.status_codes import HTTP_201_CREATED
from sqlalchemy import select

from tatiana.api.access_tokens import AccessClaims
from tatiana.api.dependencies import BEARER_SCHEME, provide_caller
from tatiana.api.discord_calls import bot_client, discord_answers
from tatiana.api.discord_oauth import PartialGuild
from tatiana.api.pagination import PAGINATED, Page, PageRequest, encode_cursor
from tatiana.api.roles import guild_standing, require_manager
from tatiana.api.services import ApiServices
from tatiana.coordination import CASE_TOLD_CHANNEL, Subscription
from tatiana.database import Database
from tatiana.db.models import ModerationLog
from tatiana.live_events import LiveEvents
from tatiana.moderation_cases import CaseRecord, CaseUser, case_alert, record_case

MAX_TIMEOUT = 28 * 24 * 3600  # Discord's longest timeout
MAX_DELETE_SECONDS = 7 * 24 * 3600  # Discord deletes at most a week of a banned member's messages
DM_BEFORE_BAN = 3.0  # seconds a ban waits for the bot to DM the member first

Snowflake = Annotated[
    str, msgspec.Meta(pattern=r"^[1-9][0-9]{0,19}$", description="A Discord id, as a string")
]
Reason = Annotated[str, msgspec.Meta(min_length=1, max_length=400)]

log = logging.getLogger(__name__)


@dataclass
class CaseOut:
    """One moderation case of a guild."""

    id: int
    case_number: int
    guild_id: str
    user_id: str | None  # None for an action on a channel (purge, slowmode, lock): see channel_id
    moderator_id: str | None
    action: str
    reason: str | None
    duration: int | None
    created_at: datetime
    expires_at: datetime | None
    is_active: bool
    source: str
    channel_id: str | None


class WarnRequest(msgspec.Struct, forbid_unknown_fields=True):
    """Warn a member of a guild."""

    guild_id: Snowflake
    user_id: Snowflake
    reason: Reason


class MuteRequest(msgspec.Struct, forbid_unknown_fields=True):
    """Time a member out for ``duration`` seconds (up to 28 days)."""

    guild_id: Snowflake
    user_id: Snowflake
    duration: Annotated[int, msgspec.Meta(ge=1, le=MAX_TIMEOUT)]
    reason: Reason | None = None


class BanRequest(msgspec.Struct, forbid_unknown_fields=True):
    """Ban a user from a guild, deleting their last ``delete_message_seconds`` of messages (up to a week)."""

    guild_id: Snowflake
    user_id: Snowflake
    reason: Reason | None = None
    delete_message_seconds: Annotated[int, msgspec.Meta(ge=0, le=MAX_DELETE_SECONDS)] = 0


def _aware(moment: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes for timezone-aware columns.
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def case_out(row: ModerationLog | sa.Row[Any]) -> CaseOut:
    """The API's view of a ``moderation_logs`` row."""
    created = _aware(row.created_at)
    assert created is not None
    return CaseOut(
        id=row.id,
        case_number=row.case_number,
        guild_id=str(row.guild_id),
        user_id=str(row.user_id) if row.user_id is not None else None,
        moderator_id=str(row.moderator_id) if row.moderator_id is not None else None,
        action=row.action,
        reason=row.reason,
        duration=row.duration,
        created_at=created,
        expires_at=_aware(row.expires_at),
        is_active=row.is_active,
        source=row.source,
        channel_id=str(row.channel_id) if row.channel_id is not None else None,
    )


def _may(standing: PartialGuild | None, permission: hikari.Permissions) -> bool:
    if standing is None:
        return False
    granted = hikari.Permissions(standing.permissions)
    return standing.owner or bool(granted & (hikari.Permissions.ADMINISTRATOR | permission))


@dataclass(frozen=True)
class _Target:
    guild: hikari.RESTGuild
    user: hikari.User
    moderator: hikari.User
    member: hikari.Member | None  # None: the user is not in the guild

    def require_member(self) -> None:
        if self.member is None:
            raise NotFoundException("this user is not a member of the guild")


async def _check_target(
    services: ApiServices, caller: AccessClaims, guild_id: int, user_id: int, permission: hikari.Permissions
) -> _Target:
    """The guild, member and moderator of an action the caller may take; 403 or 404 otherwise."""
    standing = await guild_standing(services, caller, guild_id)
    if not _may(standing, permission):
        raise PermissionDeniedException(f"you need {permission.name} in this guild")
    rest = bot_client(services)
    if user_id == caller.user_id:
        raise PermissionDeniedException("you cannot moderate yourself")
    with discord_answers("this guild"):
        guild = await rest.fetch_guild(guild_id)
        roles = {role.id: role.position for role in await rest.fetch_roles(guild_id)}
    if user_id == guild.owner_id:
        raise PermissionDeniedException("the guild's owner cannot be moderated")
    with discord_answers("this user"):
        user = await rest.fetch_user(user_id)
        moderator = await rest.fetch_user(caller.user_id)
    if user.is_bot and user.id == (await rest.fetch_my_user()).id:
        raise PermissionDeniedException("the bot cannot moderate itself")
    with discord_answers("this member"):
        try:
            member: hikari.Member | None = await rest.fetch_member(guild_id, user_id)
        except hikari.NotFoundError:
            member = None
    if member is not None and caller.user_id != guild.owner_id:
        with discord_answers("you in this guild"):
            mine = await rest.fetch_member(guild_id, caller.user_id)

        def top(m: hikari.Member) -> int:
            return max((roles.get(r, 0) for r in m.role_ids), default=0)

        if top(member) >= top(mine):
            raise PermissionDeniedException("this member's highest role is not below yours")
    return _Target(guild, user, moderator, member)


def _case(
    target: _Target,
    action: str,
    reason: str | None,
    duration: int | None = None,
    expires_at: datetime | None = None,
) -> CaseRecord:
    return CaseRecord(
        guild_id=int(target.guild.id),
        guild_name=target.guild.name,
        target=CaseUser(int(target.user.id), target.user.username, target.user.global_name),
        moderator=CaseUser(int(target.moderator.id), target.moderator.username, target.moderator.global_name),
        action=action,
        reason=reason,
        source="api",
        duration_seconds=duration,
        expires_at=expires_at,
    )


async def _alert(services: ApiServices, guild_id: int, number: int, alert: dict[str, Any]) -> None:
    try:
        await LiveEvents(services.coordination).moderation_alert(guild_id, alert)
    except Exception:  # the action is done and recorded; only the live view misses it
        log.warning("could not publish the moderation alert of case %s", number, exc_info=True)


async def _recorded(services: ApiServices, record: CaseRecord) -> CaseOut:
    """Write the case, publish its moderation alert (to the guild's dashboards, and to the bot, which posts and DMs
    it), and answer with it."""
    row = await record_case(Database(services.sessions), record)
    await _alert(services, record.guild_id, row.case_number, case_alert(row))
    return case_out(row)


async def _told(subscription: Subscription, guild_id: int, number: int, timeout: float) -> bool:
    """Whether the bot said, within ``timeout`` seconds, that it told the member of case ``number``."""
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        message = await subscription.get(timeout=left)
        if message is None:
            return False
        if message.data.get("guild_id") == guild_id and message.data.get("case") == number:
            return True
    return False


async def _recorded_and_told(services: ApiServices, record: CaseRecord) -> sa.Row[Any]:
    """Write the case of an action still to come, alert it with ``dm_first`` and wait up to ``DM_BEFORE_BAN``
    seconds for the bot to have told the member; the case's row."""
    db = Database(services.sessions)
    row = await record_case(db, record)
    subscription: Subscription | None = None
    try:
        subscription = await services.coordination.subscribe(CASE_TOLD_CHANNEL)
    except Exception:
        log.warning("cannot hear the bot tell case %s before the ban", row.case_number, exc_info=True)
    try:
        await _alert(services, record.guild_id, row.case_number, case_alert(row, dm_first=True))
        if subscription is not None and not await _told(
            subscription, record.guild_id, row.case_number, DM_BEFORE_BAN
        ):
            log.info("no bot told case %s of guild %s before the ban", row.case_number, record.guild_id)
    finally:
        if subscription is not None:
            with contextlib.suppress(Exception):
                await subscription.close()
    return row


async def _undo(services: ApiServices, row: sa.Row[Any]) -> None:
    """Remove the case of an action Discord refused."""
    async with Database(services.sessions).transaction() as session:
        await session.execute(sa.delete(ModerationLog).where(ModerationLog.id == row.id))


def _audit_reason(caller: AccessClaims, reason: str | None) -> str:
    return f"{reason or 'no reason given'} (by {caller.user_id} through the dashboard)"[:512]


class ModerationController(Controller):
    """``/api/moderation``: cases for a guild's managers, actions for its moderators."""

    path = "/api/moderation"
    tags = ["moderation"]
    security = [{BEARER_SCHEME: []}]
    dependencies = {"caller": Provide(provide_caller, sync_to_thread=False), **PAGINATED}

    @get("/logs")
    async def logs(
        self,
        *,
        caller: NamedDependency[AccessClaims],
        services: NamedDependency[ApiServices],
        page: NamedDependency[PageRequest],
        guild_id: Annotated[
            int, QueryParameter(description="The guild whose cases to list (its managers only)")
        ],
        user_id: Annotated[int | None, QueryParameter(description="Only cases about this member")] = None,
        moderator_id: Annotated[
            int | None, QueryParameter(description="Only cases by this moderator")
        ] = None,
        action: Annotated[
            str | None, QueryParameter(max_length=20, description="Only this action (warn, ban...)")
        ] = None,
        source: Annotated[
            Literal["command", "automod", "report", "appeal", "api"] | None,
            QueryParameter(description="Only from this source"),
        ] = None,
        since: Annotated[
            datetime | None, QueryParameter(description="Only cases from this moment (ISO 8601)")
        ] = None,
        until: Annotated[
            datetime | None, QueryParameter(description="Only cases before this moment (ISO 8601)")
        ] = None,
    ) -> Page[CaseOut]:
        """A guild's cases, newest first."""
        await require_manager(services, caller, guild_id)
        query = select(ModerationLog).where(ModerationLog.guild_id == guild_id)
        for column, value in (
            (ModerationLog.user_id, user_id),
            (ModerationLog.moderator_id, moderator_id),
            (ModerationLog.action, action),
            (ModerationLog.source, source),
        ):
            if value is not None:
                query = query.where(column == value)
        if since is not None:
            query = query.where(ModerationLog.created_at >= since)
        if until is not None:
            query = query.where(ModerationLog.created_at < until)
        before = page.position(int)
        if before is not None:
            query = query.where(ModerationLog.id < before)
        async with services.sessions() as session:
            rows = list(await session.scalars(query.order_by(ModerationLog.id.desc()).limit(page.limit + 1)))
        items = [case_out(r) for r in rows[: page.limit]]
        more = len(rows) > page.limit
        return Page(items, encode_cursor(items[-1].id) if more and items else None)

    @post("/warn", status_code=HTTP_201_CREATED)
    async def warn(
        self,
        caller: NamedDependency[AccessClaims],
        data: JSONBody[WarnRequest],
        services: NamedDependency[ApiServices],
    ) -> CaseOut:
        """Warn a member: recorded as a case (Discord itself has no warnings)."""
        guild_id, user_id = int(data.guild_id), int(data.user_id)
        target = await _check_target(services, caller, guild_id, user_id, hikari.Permissions.MODERATE_MEMBERS)
        target.require_member()
        return await _recorded(services, _case(target, "warn", data.reason))

    @post("/mute", status_code=HTTP_201_CREATED)
    async def mute(
        self,
        caller: NamedDependency[AccessClaims],
        data: JSONBody[MuteRequest],
        services: NamedDependency[ApiServices],
    ) -> CaseOut:
        """Time a member out on Discord for ``duration`` seconds, and record the case."""
        guild_id, user_id = int(data.guild_id), int(data.user_id)
        target = await _check_target(services, caller, guild_id, user_id, hikari.Permissions.MODERATE_MEMBERS)
        target.require_member()
        until = datetime.now(UTC) + timedelta(seconds=data.duration)
        with discord_answers("the timeout of this member"):
            await bot_client(services).edit_member(
                guild_id,
                user_id,
                communication_disabled_until=until,
                reason=_audit_reason(caller, data.reason),
            )
        case = _case(target, "mute", data.reason, duration=data.duration, expires_at=until)
        return await _recorded(services, case)

    @post("/ban", status_code=HTTP_201_CREATED)
    async def ban(
        self,
        caller: NamedDependency[AccessClaims],
        data: JSONBody[BanRequest],
        services: NamedDependency[ApiServices],
    ) -> CaseOut:
        """Ban a user from the guild on Discord, and record the case."""
        guild_id, user_id = int(data.guild_id), int(data.user_id)
        target = await _check_target(services, caller, guild_id, user_id, hikari.Permissions.BAN_MEMBERS)

        async def ban() -> None:
            with discord_answers("the ban of this user"):
                await bot_client(services).ban_user(
                    guild_id,
                    user_id,
                    delete_message_seconds=data.delete_message_seconds,
                    reason=_audit_reason(caller, data.reason),
                )

        case = _case(target, "ban", data.reason)
        if target.member is None:  # not in the guild: no DM can reach them, nothing to wait for
            await ban()
            return await _recorded(services, case)
        row = await _recorded_and_told(services, case)
        try:
            await ban()
        except BaseException:
            with contextlib.suppress(Exception):
                await asyncio.shield(_undo(services, row))
            raise
        return case_out(row)
