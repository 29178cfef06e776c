"""The economy's API routes (under ``/api/plugins/economy``): a member's inventory in a guild."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from litestar import get
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter

from tatiana import Database, RouteAccess
from tatiana_economy.shop import Shop


@dataclass
class HoldingOut:
    """How many of a shop item the member owns (at most one row per item of the guild's shop)."""

    item_id: int
    name: str
    description: str | None
    price: int
    role_id: str | None
    quantity: int


@get("/users/{user_id:int}/inventory", tags=["economy"])
async def inventory(
    user_id: FromPath[int],
    guild_id: Annotated[int, QueryParameter(description="The guild whose shop the items are from")],
    access: NamedDependency[RouteAccess],
    db: NamedDependency[Database],
) -> list[HoldingOut]:
    """What a member owns in a guild, by item name: their own, or any member's for the guild's managers."""
    await access.require_self_or_manager(user_id, guild_id)
    holdings = await Shop(db).inventory(guild_id, user_id)
    return [
        HoldingOut(
            item_id=h.item.id,
            name=h.item.name,
            description=h.item.description,
            price=h.item.price,
            role_id=str(h.item.role_id) if h.item.role_id is not None else None,
            quantity=h.quantity,
        )
        for h in holdings
    ]


ROUTES = [inventory]
"""Given to ``Plugin(routes=...)``."""
