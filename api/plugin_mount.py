"""Plugins' own routes (``Plugin.routes``), mounted under ``/api/plugins/<name>`` with ``access`` and ``db``."""

from __future__ import annotations

from litestar import Router
from litestar.di import NamedDependency, Provide
from litestar.exceptions import PermissionDeniedException

from tatiana.api.access_tokens import AccessClaims
from tatiana.api.dependencies import BEARER_SCHEME, provide_caller
from tatiana.api.roles import require_manager
from tatiana.api.services import ApiServices
from tatiana.database import Database
from tatiana.registry import PluginRegistry


class CallerAccess:
    """``RouteAccess`` for a request: the caller's claims and the API's role checks."""

    def __init__(self, services: ApiServices, caller: AccessClaims) -> None:
        self._services = services
        self._caller = caller

    @property
    def user_id(self) -> int:
        """The caller's Discord id."""
        return self._caller.user_id

    async def require_manager(self, guild_id: int) -> None:
        """403 unless the caller manages ``guild_id``."""
        await require_manager(self._services, self._caller, guild_id)

    async def require_self_or_manager(self, user_id: int, guild_id: int) -> None:
        """403 unless ``user_id`` is the caller or the caller manages ``guild_id``."""
        if user_id != self._caller.user_id:
            try:
                await require_manager(self._services, self._caller, guild_id)
            except PermissionDeniedException:
                raise PermissionDeniedException(
                    "this is another member's; only the guild's managers may see it"
                ) from None


def provide_access(
    caller: NamedDependency[AccessClaims], services: NamedDependency[ApiServices]
) -> CallerAccess:
    """The caller of a plugin's route (401 without a valid token)."""
    return CallerAccess(services, caller)


def provide_database(services: NamedDependency[ApiServices]) -> Database:
    """The bot's database."""
    return Database(services.sessions)


def plugin_routers(registry: PluginRegistry) -> list[Router]:
    """A router per usable plugin that has routes."""
    routers = []
    for record in registry.records:
        if record.plugin is None or not record.usable or not record.plugin.routes:
            continue
        routers.append(
            Router(
                path=f"/api/plugins/{record.name}",
                route_handlers=list(record.plugin.routes),
                dependencies={
                    "caller": Provide(provide_caller, sync_to_thread=False),
                    "access": Provide(provide_access, sync_to_thread=False),
                    "db": Provide(provide_database, sync_to_thread=False),
                },
                tags=[f"plugin {record.name}"],
                security=[{BEARER_SCHEME: []}],
            )
        )
    return routers
