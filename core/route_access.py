"""What a plugin's API route knows of its caller: ``access: NamedDependency[RouteAccess]`` in its handler.

A plugin's ``routes`` are mounted under ``/api/plugins/<name>``. A handler that declares ``access`` needs a
logged-in caller (401 otherwise) and checks their rights with it; one that declares ``db: NamedDependency[Database]``
gets the bot's database. A handler declaring neither is public.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class RouteAccess(Protocol):
    """The logged-in caller of a plugin's route, and the checks of the API's roles (each a 403 when refused)."""

    @property
    def user_id(self) -> int:
        """The caller's Discord id."""
        ...

    async def require_manager(self, guild_id: int) -> None:
        """Refuse unless the caller owns ``guild_id`` or has MANAGE_GUILD there (as Discord says now)."""
        ...

    async def require_self_or_manager(self, user_id: int, guild_id: int) -> None:
        """Refuse unless ``user_id`` is the caller, or the caller manages ``guild_id``."""
        ...
