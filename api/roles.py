"""The API's roles as route dependencies: bot owner (admin routes), guild manager (owner or MANAGE_GUILD), member.

A member reaches only their own profile and wallets; every guild route checks the caller's standing in that
guild, read from Discord with the caller's token (re-read once a minute).
"""

from __future__ import annotations

from litestar.di import NamedDependency
from litestar.exceptions import (
    NotAuthorizedException,
    PermissionDeniedException,
    ServiceUnavailableException,
)
from litestar.params import FromPath

from tatiana.api.access_tokens import AccessClaims
from tatiana.api.discord_oauth import PartialGuild
from tatiana.api.guild_access import AccessUnavailable, manages
from tatiana.api.services import ApiServices

# What a route behind these checks answers besides its own refusals, for its OpenAPI ``raises``.
CALLER_REFUSALS = [NotAuthorizedException, ServiceUnavailableException]
MANAGER_REFUSALS = [*CALLER_REFUSALS, PermissionDeniedException]


async def provide_bot_owner(
    caller: NamedDependency[AccessClaims], services: NamedDependency[ApiServices]
) -> int:
    """The caller's id once they are known to own the bot; 403 otherwise."""
    if not await services.bot_owners.includes(caller.user_id):
        raise PermissionDeniedException("only the bot's owner may do this")
    return caller.user_id


async def caller_guilds(services: ApiServices, caller: AccessClaims) -> dict[int, PartialGuild]:
    """The caller's Discord guilds by id (re-read when stale); 401 if Discord no longer honours the login."""
    if services.guild_access is None:
        raise ServiceUnavailableException("dashboard login is not configured (DISCORD_CLIENT_ID/SECRET)")
    try:
        return await services.guild_access.guilds(caller.family)
    except AccessUnavailable as exc:
        raise NotAuthorizedException(str(exc)) from None


async def guild_standing(services: ApiServices, caller: AccessClaims, guild_id: int) -> PartialGuild | None:
    """The caller's standing in ``guild_id`` as Discord reports it (None if not a member)."""
    return (await caller_guilds(services, caller)).get(guild_id)


async def require_manager(services: ApiServices, caller: AccessClaims, guild_id: int) -> PartialGuild:
    """The caller's standing in a guild they manage; 403 otherwise."""
    standing = await guild_standing(services, caller, guild_id)
    if standing is None or not manages(standing):
        raise PermissionDeniedException("you do not manage this guild")
    return standing


async def provide_managed_guild(
    guild_id: FromPath[int], caller: NamedDependency[AccessClaims], services: NamedDependency[ApiServices]
) -> int:
    """The path's guild id, once the caller is known to manage that guild; 403 otherwise."""
    await require_manager(services, caller, guild_id)
    return guild_id
