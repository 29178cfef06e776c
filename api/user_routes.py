"""``/api/users``: the caller's profile and preferences, and a member's wallets (their own, or as a guild manager)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, get, patch, put
from litestar.di import NamedDependency, Provide
from litestar.exceptions import (
    ClientException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
)
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.response import Redirect
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tatiana.api.access_tokens import AccessClaims
from tatiana.api.dependencies import BEARER_SCHEME, provide_caller
from tatiana.api.discord_oauth import DiscordOAuthError
from tatiana.api.pagination import PAGINATED, Page, PageRequest
from tatiana.api.roles import require_manager
from tatiana.api.services import ApiServices
from tatiana.database import Database
from tatiana.db.models import Guild, User, UserEconomy

CDN = "https://cdn.discordapp.com"


@dataclass
class ProfileOut:
    """The logged-in user: their Discord identity, their preferences, and whether they own the bot."""

    id: str
    username: str
    global_name: str | None
    avatar_url: str | None
    locale: str | None
    is_bot_owner: bool


class PreferencesChange(msgspec.Struct, forbid_unknown_fields=True):
    """Preferences to change: ``locale`` ``es`` or ``en`` (null: follow each guild's language)."""

    locale: Literal["es", "en"] | msgspec.UnsetType | None = msgspec.UNSET


@dataclass
class WalletOut:
    """A member's wallet in one guild (the economy plugin's currency there)."""

    guild_id: str
    guild_name: str | None
    balance: int
    daily_streak: int
    last_daily: datetime | None
    total_earned: int
    total_spent: int


async def _profile_row(services: ApiServices, session: AsyncSession, caller: AccessClaims) -> User:
    """The caller's ``users`` row, written from their Discord identity the first time."""
    row = await session.scalar(select(User).where(User.discord_id == caller.user_id))
    if row is not None:
        return row
    token = await services.refresh_tokens.discord_token(caller.family)
    if token is None or services.discord is None:
        raise NotAuthorizedException("this login was revoked; log in again")
    try:
        me = await services.discord.user(token)
    except DiscordOAuthError:
        raise NotAuthorizedException("Discord refused this login's authorization; log in again") from None
    avatar = f"{CDN}/avatars/{me.id}/{me.avatar}.png" if me.avatar else None
    await session.execute(
        Database.insert(session, User)
        .values(
            discord_id=me.id,
            username=me.username[:32],
            global_name=me.global_name and me.global_name[:32],
            avatar_url=avatar,
        )
        .on_conflict_do_nothing(index_elements=["discord_id"])
    )
    return await session.scalar(select(User).where(User.discord_id == caller.user_id)) or _never()


def _never() -> User:
    raise RuntimeError("the users row vanished right after being written")


class UserController(Controller):
    """``/api/users``: for any logged-in user, about themselves (and their guilds' members, for managers)."""

    path = "/api/users"
    tags = ["users"]
    security = [{BEARER_SCHEME: []}]
    dependencies = {"caller": Provide(provide_caller, sync_to_thread=False), **PAGINATED}

    async def _out(self, services: ApiServices, row: User) -> ProfileOut:
        return ProfileOut(
            id=str(row.discord_id),
            username=row.username,
            global_name=row.global_name,
            avatar_url=row.avatar_url,
            locale=row.locale,
            is_bot_owner=await services.bot_owners.includes(row.discord_id),
        )

    @get("/me")
    async def me(
        self, caller: NamedDependency[AccessClaims], services: NamedDependency[ApiServices]
    ) -> ProfileOut:
        """The caller's profile and preferences."""
        async with services.sessions.begin() as session:
            row = await _profile_row(services, session, caller)
        return await self._out(services, row)

    async def _change(
        self, caller: AccessClaims, data: PreferencesChange, services: ApiServices
    ) -> ProfileOut:
        if data.locale is msgspec.UNSET:
            raise ClientException("give locale (es, en, or null)")
        async with services.sessions.begin() as session:
            await _profile_row(services, session, caller)
            await session.execute(
                update(User).where(User.discord_id == caller.user_id).values(locale=data.locale)
            )
        async with services.sessions() as session:
            row = await _profile_row(services, session, caller)
        return await self._out(services, row)

    @put("/me")
    async def replace_me(
        self,
        caller: NamedDependency[AccessClaims],
        data: JSONBody[PreferencesChange],
        services: NamedDependency[ApiServices],
    ) -> ProfileOut:
        """Set the caller's preferences (the spec's ``PUT``; the same as ``PATCH``)."""
        return await self._change(caller, data, services)

    @patch("/me")
    async def update_me(
        self,
        caller: NamedDependency[AccessClaims],
        data: JSONBody[PreferencesChange],
        services: NamedDependency[ApiServices],
    ) -> ProfileOut:
        """Change some of the caller's preferences."""
        return await self._change(caller, data, services)

    @get(
        "/{user_id:int}/inventory",
        status_code=307,
        raises=[NotFoundException],
        responses={307: ResponseSpec(None, description="The inventory is the economy plugin's route")},
    )
    async def inventory(
        self, user_id: FromPath[int], request: Request[Any, Any, Any], services: NamedDependency[ApiServices]
    ) -> Redirect:
        """A member's inventory: the items are the economy plugin's, so this is its route (a 307 to it, same query)."""
        if "economy" not in services.registry.names:
            raise NotFoundException("the economy plugin is not installed: there are no inventories")
        query = f"?{request.url.query}" if request.url.query else ""
        return Redirect(f"/api/plugins/economy/users/{user_id}/inventory{query}", status_code=307)

    @get("/{user_id:int}/economy")
    async def economy(
        self,
        user_id: FromPath[int],
        caller: NamedDependency[AccessClaims],
        services: NamedDependency[ApiServices],
        page: NamedDependency[PageRequest],
        guild_id: Annotated[int | None, QueryParameter(description="Only the wallet in this guild")] = None,
    ) -> Page[WalletOut]:
        """A member's wallets by guild: anyone's own, or, with ``guild_id``, a member's for that guild's managers."""
        if user_id != caller.user_id:
            if guild_id is None:
                raise PermissionDeniedException("you may only read your own wallets; managers give guild_id")
            await require_manager(services, caller, guild_id)
        after = page.position(int)
        query = (
            select(UserEconomy, Guild.name)
            .join(Guild, Guild.discord_id == UserEconomy.guild_id, isouter=True)
            .where(UserEconomy.user_id == user_id)
            .order_by(UserEconomy.id)
            .limit(page.limit + 1)
        )
        if guild_id is not None:
            query = query.where(UserEconomy.guild_id == guild_id)
        if after is not None:
            query = query.where(UserEconomy.id > after)
        async with services.sessions() as session:
            rows = (await session.execute(query)).all()
        wallets = [(wallet.id, wallet, name) for wallet, name in rows]
        result = page.page(wallets, lambda w: w[0])
        return Page(
            [
                WalletOut(
                    guild_id=str(w.guild_id),
                    guild_name=name,
                    balance=w.balance,
                    daily_streak=w.daily_streak,
                    last_daily=w.last_daily,
                    total_earned=w.total_earned,
                    total_spent=w.total_spent,
                )
                for _, w, name in result.items
            ],
            result.next_cursor,
        )
