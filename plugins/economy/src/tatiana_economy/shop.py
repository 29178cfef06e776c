"""The shop service: each guild's items, purchases paid from the wallet, and the members' inventories.

A purchase is one transaction: the wallet pays (with its ledger row), the stock goes down, the inventory
goes up. Like the ledger's operations, a purchase keyed by its interaction applies once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from tatiana import Database
from tatiana_economy import tables
from tatiana_economy.errors import (
    AlreadyOwned,
    DuplicateItem,
    InsufficientFunds,
    InvalidAmount,
    ItemNotFound,
    OutOfStock,
    RoleItemQuantity,
    ShopFull,
)
from tatiana_economy.ledger import check_amount
from tatiana_economy.transactions import write_transaction
from tatiana_economy.wallets import (
    Entry,
    GuildProfile,
    ensure_guild,
    entries_for,
    lock_wallets,
    move,
    read_wallet,
)

MAX_ITEMS = 25
"""Items a guild's shop may hold (Discord shows at most 25 suggestions)."""
MAX_QUANTITY = 100
"""Items one purchase may buy."""
NAME_LENGTH = 50
DESCRIPTION_LENGTH = 200


@dataclass(frozen=True)
class Item:
    """Something the guild's shop sells."""

    id: int
    guild_id: int
    name: str
    description: str | None
    price: int
    role_id: int | None
    stock: int | None


@dataclass(frozen=True)
class Purchase:
    """Items bought: what, how many, and the wallet's debit."""

    item: Item
    quantity: int
    entry: Entry
    replayed: bool = False

    @property
    def total(self) -> int:
        """What the purchase cost."""
        return -self.entry.amount


@dataclass(frozen=True)
class Holding:
    """How many of an item a member owns."""

    item: Item
    quantity: int


def name_key(name: str) -> str:
    """The form of an item's name that finds it: trimmed, spaces collapsed, case-folded."""
    return " ".join(name.split()).casefold()


def _item(row: Row[*tuple[Any, ...]]) -> Item:
    return Item(
        id=row.id,
        guild_id=row.guild_id,
        name=row.name,
        description=row.description,
        price=row.price,
        role_id=row.role_id,
        stock=row.stock,
    )


async def _find(session: AsyncSession, guild_id: int, name: str, *, lock: bool = False) -> Item:
    statement = select(*tables.items.c).where(
        tables.items.c.guild_id == guild_id, tables.items.c.name_key == name_key(name)
    )
    row = (await session.execute(statement.with_for_update() if lock else statement)).first()
    if row is None:
        raise ItemNotFound(name)
    return _item(row)


class Shop:
    """Items, purchases and inventories of every guild, on the bot's database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(
        self,
        guild: GuildProfile,
        name: str,
        price: int,
        *,
        description: str | None = None,
        role_id: int | None = None,
        stock: int | None = None,
    ) -> Item:
        """Put a new item on sale; refuses a name the shop already uses and a full shop."""
        name = " ".join(name.split())[:NAME_LENGTH]
        check_amount(price)
        if stock is not None and stock < 0:
            raise InvalidAmount(stock, MAX_QUANTITY)

        async def work(session: AsyncSession) -> Item:
            await ensure_guild(session, guild)
            count = await session.scalar(select(func.count()).where(tables.items.c.guild_id == guild.id))
            if (count or 0) >= MAX_ITEMS:
                raise ShopFull(MAX_ITEMS)
            taken = await session.scalar(
                select(tables.items.c.id).where(
                    tables.items.c.guild_id == guild.id, tables.items.c.name_key == name_key(name)
                )
            )
            if taken is not None:
                raise DuplicateItem(name)
            row = (
                await session.execute(
                    tables.items.insert()
                    .values(
                        guild_id=guild.id,
                        name=name,
                        name_key=name_key(name),
                        description=description[:DESCRIPTION_LENGTH] if description else None,
                        price=price,
                        role_id=role_id,
                        stock=stock,
                    )
                    .returning(*tables.items.c)
                )
            ).one()
            return _item(row)

        return await write_transaction(self.db, work)

    async def remove(self, guild_id: int, name: str) -> Item:
        """Take an item off sale; members who bought it no longer hold it (roles it granted stay)."""

        async def work(session: AsyncSession) -> Item:
            item = await _find(session, guild_id, name, lock=True)
            await session.execute(tables.items.delete().where(tables.items.c.id == item.id))
            return item

        return await write_transaction(self.db, work)

    async def items(self, guild_id: int) -> list[Item]:
        """The guild's items, cheapest first."""
        async with self.db.session() as session:
            rows = await session.execute(
                select(*tables.items.c)
                .where(tables.items.c.guild_id == guild_id)
                .order_by(tables.items.c.price, tables.items.c.name_key)
            )
            return [_item(row) for row in rows]

    async def find(self, guild_id: int, name: str) -> Item | None:
        """The guild's item called ``name`` (any case), or None."""
        async with self.db.session() as session:
            try:
                return await _find(session, guild_id, name)
            except ItemNotFound:
                return None

    async def names(self, guild_id: int, typed: str = "", *, limit: int = MAX_ITEMS) -> list[str]:
        """Names of the guild's items containing ``typed`` (any case), those starting with it first."""
        wanted = name_key(typed)
        found = [item.name for item in await self.items(guild_id) if wanted in name_key(item.name)]
        found.sort(key=lambda name: (not name_key(name).startswith(wanted), name_key(name)))
        return found[:limit]

    async def buy(
        self, guild_id: int, user_id: int, name: str, quantity: int = 1, *, key: int | None = None
    ) -> Purchase:
        """The member buys ``quantity`` of the item called ``name``, paid from their wallet."""
        if not 1 <= quantity <= MAX_QUANTITY:
            raise InvalidAmount(quantity, MAX_QUANTITY)

        async def work(session: AsyncSession) -> Purchase:
            # Wallet first, then the item: the same order as every other transaction touching both.
            wallet = (await lock_wallets(session, guild_id, (user_id,)))[user_id]
            done = await entries_for(session, key)
            if done:
                return await self._replayed(session, done[0])
            item = await _find(session, guild_id, name, lock=True)
            owned = await session.scalar(
                select(tables.inventory.c.quantity).where(
                    tables.inventory.c.wallet_id == wallet.id, tables.inventory.c.item_id == item.id
                )
            )
            if item.role_id is not None and quantity > 1:
                raise RoleItemQuantity(item.name)
            if item.role_id is not None and owned:
                raise AlreadyOwned(item.name)
            if item.stock is not None and item.stock < quantity:
                raise OutOfStock(item.name, item.stock)
            total = item.price * quantity
            if wallet.balance < total:
                raise InsufficientFunds(wallet.balance, total)
            entry = await move(
                session,
                wallet,
                -total,
                "buy",
                interaction_id=key,
                item_id=item.id,
                note=f"{quantity} × {item.name}",
            )
            if item.stock is not None:
                await session.execute(
                    tables.items.update()
                    .where(tables.items.c.id == item.id)
                    .values(stock=tables.items.c.stock - quantity)
                )
            await session.execute(
                Database.insert(session, tables.inventory)
                .values(wallet_id=wallet.id, item_id=item.id, quantity=quantity)
                .on_conflict_do_update(
                    index_elements=["wallet_id", "item_id"],
                    set_={"quantity": tables.inventory.c.quantity + quantity},
                )
            )
            return Purchase(item=item, quantity=quantity, entry=entry)

        return await write_transaction(self.db, work)

    async def _replayed(self, session: AsyncSession, entry: Entry) -> Purchase:
        row = (
            await session.execute(select(*tables.items.c).where(tables.items.c.id == entry.item_id))
        ).first()
        if row is None:
            raise ItemNotFound(entry.note or "")
        item = _item(row)
        return Purchase(item=item, quantity=-entry.amount // item.price, entry=entry, replayed=True)

    async def refund(
        self, guild_id: int, user_id: int, purchase: Purchase, *, key: int | None = None
    ) -> Entry:
        """Undo a purchase that could not be delivered: the money back, the stock and the inventory restored."""

        async def work(session: AsyncSession) -> Entry:
            wallet = (await lock_wallets(session, guild_id, (user_id,)))[user_id]
            done = [entry for entry in await entries_for(session, key) if entry.kind == "refund"]
            if done:
                return done[0]
            item = purchase.item
            if item.stock is not None:
                await session.execute(
                    tables.items.update()
                    .where(tables.items.c.id == item.id)
                    .values(stock=tables.items.c.stock + purchase.quantity)
                )
            held = tables.inventory.c.wallet_id == wallet.id, tables.inventory.c.item_id == item.id
            owned = await session.scalar(select(tables.inventory.c.quantity).where(*held)) or 0
            if owned > purchase.quantity:
                await session.execute(
                    tables.inventory.update().where(*held).values(quantity=owned - purchase.quantity)
                )
            else:
                await session.execute(tables.inventory.delete().where(*held))
            return await move(
                session,
                wallet,
                purchase.total,
                "refund",
                interaction_id=key,
                leg=1,
                item_id=item.id,
                note=f"{purchase.quantity} × {item.name}",
            )

        return await write_transaction(self.db, work)

    async def inventory(self, guild_id: int, user_id: int) -> list[Holding]:
        """What the member owns in the guild, by item name."""
        async with self.db.session() as session:
            wallet = await read_wallet(session, guild_id, user_id)
            if wallet is None:
                return []
            rows = await session.execute(
                select(*tables.items.c, tables.inventory.c.quantity.label("quantity"))
                .select_from(
                    tables.inventory.join(tables.items, tables.inventory.c.item_id == tables.items.c.id)
                )
                .where(tables.inventory.c.wallet_id == wallet.id)
                .order_by(tables.items.c.name_key)
            )
            return [Holding(_item(row), row.quantity) for row in rows]
