"""What the route handlers share, built once per application at startup."""

from __future__ import annotations

from dataclasses import dataclass

import hikari
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from tatiana.api.access_tokens import AccessTokens
from tatiana.api.bot_owners import BotOwners
from tatiana.api.discord_oauth import DiscordOAuth
from tatiana.api.guild_access import GuildAccess
from tatiana.api.login_state import LoginStates
from tatiana.api.refresh_tokens import RefreshTokenStore
from tatiana.api.restarts import RestartJobs
from tatiana.coordination import Coordination
from tatiana.guild_plugins import GuildPluginService
from tatiana.registry import PluginRegistry
from tatiana.sharding.base import Sharding


@dataclass
class ApiServices:
    """The database, plugin state, shard status records and login machinery; ``discord`` None without OAuth2.

    ``bot_rest`` is the bot's own REST client (None without a bot token): members, channels, moderation.
    """

    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    registry: PluginRegistry
    guild_plugins: GuildPluginService
    access_tokens: AccessTokens
    refresh_tokens: RefreshTokenStore
    login_states: LoginStates
    discord: DiscordOAuth | None
    guild_access: GuildAccess | None
    redirect_uri: str
    sharding: Sharding
    coordination: Coordination
    bot_rest: hikari.api.RESTClient | None
    bot_owners: BotOwners
    restarts: RestartJobs
