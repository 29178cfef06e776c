"""``/api/guilds``: the caller's guilds the bot is in, a guild's details and configuration, members and channels."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Literal

import hikari
import msgspec
from litestar import Controller, get, put
from litestar.di import NamedDependency, Provide
from litestar.exceptions import ClientException, NotFoundException, PermissionDeniedException
from litestar.params import FromPath, JSONBody, QueryParameter
from sqlalchemy import select, update

from tatiana.api.access_tokens import AccessClaims
from tatiana.api.dependencies import BEARER_SCHEME, provide_caller
from tatiana.api.discord_calls import bot_client, discord_answers
from tatiana.api.guild_access import manages
from tatiana.api.pagination import PAGINATED, Page, PageRequest
from tatiana.api.roles import caller_guilds, guild_standing, provide_managed_guild
from tatiana.api.services import ApiServices
from tatiana.bot.languages import publish_guild_config_change
from tatiana.db.models import Guild

Language = Literal["es", "en"]
CHANNEL_TYPES = {
    "text": hikari.ChannelType.GUILD_TEXT,
    "voice": hikari.ChannelType.GUILD_VOICE,
    "category": hikari.ChannelType.GUILD_CATEGORY,
    "news": hikari.ChannelType.GUILD_NEWS,
    "stage": hikari.ChannelType.GUILD_STAGE,
    "forum": hikari.ChannelType.GUILD_FORUM,
    "media": hikari.ChannelType.GUILD_MEDIA,
}
TYPE_NAMES = {int(value): name for name, value in CHANNEL_TYPES.items()}


@dataclass
class GuildOut:
    """A guild the caller shares with the bot, and whether they may manage it."""

    id: str
    name: str
    can_manage: bool


@dataclass
class GuildDetailOut:
    """A guild the bot is in, its core configuration, and its member count as Discord reports it."""

    id: str
    name: str
    owner_id: str | None
    language: str
    prefix: str
    can_manage: bool
    member_count: int | None


@dataclass
class GuildConfigOut:
    """A guild's core configuration."""

    language: str
    prefix: str


class GuildConfigChange(msgspec.Struct, forbid_unknown_fields=True):
    """The fields to change (absent or null: unchanged): language ``es`` or ``en``, prefix of 1-10 characters."""

    language: Language | None = None
    prefix: Annotated[str, msgspec.Meta(min_length=1, max_length=10, pattern=r"^\S+$")] | None = None


@dataclass
class MemberOut:
    """A member of a guild as Discord reports it; ``timed_out_until`` is set while a timeout runs."""

    id: str
    username: str
    global_name: str | None
    nickname: str | None
    avatar_url: str | None
    is_bot: bool
    role_ids: list[str]
    joined_at: datetime | None
    timed_out_until: datetime | None


@dataclass
class ChannelOut:
    """A channel of a guild: its name, kind, position and category."""

    id: str
    name: str | None
    type: str
    position: int
    parent_id: str | None


async def _known_guild(services: ApiServices, guild_id: int) -> Guild:
    async with services.sessions() as session:
        row = await session.scalar(
            select(Guild).where(Guild.discord_id == guild_id, Guild.is_active.is_(True))
        )
    if row is None:
        raise NotFoundException("the bot is not in this guild")
    return row


def _member(member: hikari.Member) -> MemberOut:
    return MemberOut(
        id=str(member.id),
        username=member.username,
        global_name=member.global_name,
        nickname=member.nickname,
        avatar_url=str(member.display_avatar_url),
        is_bot=member.is_bot,
        role_ids=[str(r) for r in member.role_ids if r != member.guild_id],
        joined_at=member.joined_at,
        timed_out_until=member.communication_disabled_until(),
    )


class GuildController(Controller):
    """``/api/guilds``: the list for any logged-in user, each guild's routes for those it concerns."""

    path = "/api/guilds"
    tags = ["guilds"]
    security = [{BEARER_SCHEME: []}]
    dependencies = {"caller": Provide(provide_caller, sync_to_thread=False), **PAGINATED}

    @get("/")
    async def guilds(
        self,
        caller: NamedDependency[AccessClaims],
        services: NamedDependency[ApiServices],
        page: NamedDependency[PageRequest],
        q: Annotated[
            str | None, QueryParameter(max_length=100, description="Part of the guild's name")
        ] = None,
        manageable: Annotated[
            bool | None, QueryParameter(description="Only guilds the caller manages (or not)")
        ] = None,
    ) -> Page[GuildOut]:
        """The caller's Discord guilds that the bot is in (by id), with the bot's name for them."""
        mine = await caller_guilds(services, caller)
        if not mine:
            return Page([], None)
        async with services.sessions() as session:
            rows = (
                await session.execute(
                    select(Guild.discord_id, Guild.name)
                    .where(Guild.discord_id.in_(list(mine)), Guild.is_active.is_(True))
                    .order_by(Guild.discord_id)
                )
            ).all()
        out = [GuildOut(str(gid), name, manages(mine[gid])) for gid, name in rows]
        if q:
            out = [g for g in out if q.casefold() in g.name.casefold()]
        if manageable is not None:
            out = [g for g in out if g.can_manage is manageable]
        return page.slice(out, lambda g: int(g.id))

    @get("/{guild_id:int}")
    async def detail(
        self,
        guild_id: FromPath[int],
        caller: NamedDependency[AccessClaims],
        services: NamedDependency[ApiServices],
    ) -> GuildDetailOut:
        """A guild the caller is a member of and the bot is in."""
        standing = await guild_standing(services, caller, guild_id)
        if standing is None:
            raise PermissionDeniedException("you are not a member of this guild")
        row = await _known_guild(services, guild_id)
        count = None
        if services.bot_rest is not None:
            with discord_answers("this guild"):
                count = (await services.bot_rest.fetch_guild(guild_id)).approximate_member_count
        return GuildDetailOut(
            id=str(guild_id),
            name=row.name,
            owner_id=str(row.owner_id) if row.owner_id is not None else None,
            language=row.language,
            prefix=row.prefix,
            can_manage=manages(standing),
            member_count=count,
        )

    @get("/{guild_id:int}/config", dependencies={"guild": Provide(provide_managed_guild)})
    async def config(
        self, guild: NamedDependency[int], services: NamedDependency[ApiServices]
    ) -> GuildConfigOut:
        """The guild's language and prefix (managers)."""
        row = await _known_guild(services, guild)
        return GuildConfigOut(row.language, row.prefix)

    @put("/{guild_id:int}/config", dependencies={"guild": Provide(provide_managed_guild)})
    async def change_config(
        self,
        guild: NamedDependency[int],
        data: JSONBody[GuildConfigChange],
        services: NamedDependency[ApiServices],
    ) -> GuildConfigOut:
        """Change the guild's language and/or prefix (managers); every shard answers in the new language at once."""
        changes = {k: v for k, v in (("language", data.language), ("prefix", data.prefix)) if v is not None}
        if not changes:
            raise ClientException("give language, prefix, or both")
        await _known_guild(services, guild)
        async with services.sessions.begin() as session:
            await session.execute(update(Guild).where(Guild.discord_id == guild).values(**changes))
        await publish_guild_config_change(services.coordination, guild)
        row = await _known_guild(services, guild)
        return GuildConfigOut(row.language, row.prefix)

    @get("/{guild_id:int}/members", dependencies={"guild": Provide(provide_managed_guild)})
    async def members(
        self,
        guild: NamedDependency[int],
        services: NamedDependency[ApiServices],
        page: NamedDependency[PageRequest],
        q: Annotated[
            str | None,
            QueryParameter(min_length=1, max_length=32, description="Start of a username or nickname"),
        ] = None,
    ) -> Page[MemberOut]:
        """The guild's members by id, from Discord (managers)."""
        rest = bot_client(services)
        after = page.position(int)
        with discord_answers("this guild's members"):
            if q:
                found = sorted(await rest.search_members(guild, q), key=lambda m: int(m.id))
                return page.slice([_member(m) for m in found], lambda m: int(m.id))
            start = hikari.UNDEFINED if after is None else hikari.Snowflake(after)
            members = await rest.fetch_members(guild, start_at=start).limit(page.limit + 1)
        return page.page([_member(m) for m in members], lambda m: int(m.id))

    @get("/{guild_id:int}/channels", dependencies={"guild": Provide(provide_managed_guild)})
    async def channels(
        self,
        guild: NamedDependency[int],
        services: NamedDependency[ApiServices],
        page: NamedDependency[PageRequest],
        type: Annotated[
            Literal["text", "voice", "category", "news", "stage", "forum", "media"] | None,
            QueryParameter(description="Only channels of this kind"),
        ] = None,
    ) -> Page[ChannelOut]:
        """The guild's channels by id, from Discord (managers)."""
        rest = bot_client(services)
        with discord_answers("this guild's channels"):
            channels = await rest.fetch_guild_channels(guild)
        out = [
            ChannelOut(
                id=str(c.id),
                name=c.name,
                type=TYPE_NAMES.get(int(c.type), str(int(c.type))),
                position=c.position if isinstance(c, hikari.PermissibleGuildChannel) else 0,
                parent_id=str(c.parent_id) if c.parent_id is not None else None,
            )
            for c in sorted(channels, key=lambda c: int(c.id))
            if type is None or c.type == CHANNEL_TYPES[type]
        ]
        return page.slice(out, lambda c: int(c.id))
