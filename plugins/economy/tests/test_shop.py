"""The shop service on SQLite and the real PostgreSQL: items, purchases paid through the ledger, inventories."""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa
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
from tatiana_economy.ledger import Ledger
from tatiana_economy.shop import MAX_ITEMS, Shop
from tatiana_economy.wallets import GuildProfile, UserProfile

from tatiana import Database

GUILD = GuildProfile(id=900, name="Club", owner_id=1)
ROLE_ID = 5555


def person(number: int) -> UserProfile:
    return UserProfile(id=1000 + number, username=f"member{number}")


async def test_items_are_found_by_name_in_any_case_and_listed_cheapest_first(shop: Shop) -> None:
    await shop.add(GUILD, "  Golden   Ticket ", 500, description="Entry to the raffle", stock=3)
    await shop.add(GUILD, "Cookie", 5)
    assert [(i.name, i.price, i.stock) for i in await shop.items(GUILD.id)] == [
        ("Cookie", 5, None),
        ("Golden Ticket", 500, 3),
    ]
    found = await shop.find(GUILD.id, "golden ticket")
    assert found is not None and found.description == "Entry to the raffle"
    assert await shop.names(GUILD.id, "o") == ["Cookie", "Golden Ticket"]
    assert await shop.names(GUILD.id, "gol") == ["Golden Ticket"]
    with pytest.raises(DuplicateItem):
        await shop.add(GUILD, "COOKIE", 7)
    with pytest.raises(InvalidAmount):
        await shop.add(GUILD, "Free lunch", 0)
    assert (await shop.remove(GUILD.id, "cookie")).name == "Cookie"
    with pytest.raises(ItemNotFound):
        await shop.remove(GUILD.id, "cookie")


async def test_a_shop_holds_at_most_its_limit(shop: Shop) -> None:
    for number in range(MAX_ITEMS):
        await shop.add(GUILD, f"Item {number}", 1)
    with pytest.raises(ShopFull):
        await shop.add(GUILD, "One more", 1)


async def test_a_purchase_pays_through_the_ledger_and_fills_the_inventory(
    shop: Shop, ledger: Ledger, db: Database
) -> None:
    await ledger.open(GUILD, [person(1)], starting_balance=100)
    await shop.add(GUILD, "Cookie", 15, stock=4)
    bought = await shop.buy(GUILD.id, 1001, "cookie", 2, key=11)
    again = await shop.buy(GUILD.id, 1001, "cookie", 2, key=11)
    await shop.buy(GUILD.id, 1001, "Cookie", 1)
    assert (bought.total, bought.entry.balance_after, bought.entry.kind) == (30, 70, "buy")
    assert again.replayed and again.entry == bought.entry and again.quantity == 2
    assert [(h.item.name, h.quantity) for h in await shop.inventory(GUILD.id, 1001)] == [("Cookie", 3)]
    cookie = await shop.find(GUILD.id, "cookie")
    assert cookie is not None and cookie.stock == 1
    with pytest.raises(OutOfStock) as short:
        await shop.buy(GUILD.id, 1001, "cookie", 2)
    assert short.value.left == 1
    await shop.add(GUILD, "Yacht", 10_000)
    with pytest.raises(InsufficientFunds):
        await shop.buy(GUILD.id, 1001, "yacht")
    with pytest.raises(InvalidAmount):
        await shop.buy(GUILD.id, 1001, "cookie", 0)
    assert await ledger.discrepancies(GUILD.id) == []


async def test_a_role_item_is_bought_once_and_an_undelivered_one_is_refunded(
    shop: Shop, ledger: Ledger
) -> None:
    await ledger.open(GUILD, [person(1)], starting_balance=1000)
    await shop.add(GUILD, "VIP", 300, role_id=ROLE_ID, stock=1)
    with pytest.raises(RoleItemQuantity):
        await shop.buy(GUILD.id, 1001, "vip", 2)
    vip = await shop.buy(GUILD.id, 1001, "vip", key=21)
    with pytest.raises(AlreadyOwned):
        await shop.buy(GUILD.id, 1001, "vip")
    refund = await shop.refund(GUILD.id, 1001, vip, key=21)
    assert (refund.kind, refund.amount, refund.balance_after, refund.leg) == ("refund", 300, 1000, 1)
    assert await shop.refund(GUILD.id, 1001, vip, key=21) == refund, "a refund applies once"
    assert await shop.inventory(GUILD.id, 1001) == []
    restocked = await shop.find(GUILD.id, "vip")
    assert restocked is not None and restocked.stock == 1
    assert await ledger.discrepancies(GUILD.id) == []


async def test_concurrent_buyers_never_oversell_the_stock(shop: Shop, ledger: Ledger, db: Database) -> None:
    buyers = [person(n) for n in range(20)]
    await ledger.open(GUILD, buyers, starting_balance=100)
    await shop.add(GUILD, "Limited", 40, stock=5)

    async def buy(member: UserProfile) -> bool:
        try:
            await shop.buy(GUILD.id, member.id, "limited", key=member.id)
        except OutOfStock:
            return False
        return True

    sold = await asyncio.gather(*(buy(member) for member in buyers))
    assert sum(sold) == 5
    limited = await shop.find(GUILD.id, "limited")
    assert limited is not None and limited.stock == 0
    async with db.session() as session:
        total = await session.scalar(sa.text("SELECT sum(balance) FROM user_economy"))
        held = await session.scalar(sa.text("SELECT sum(quantity) FROM economy_inventory"))
    assert (total, held) == (20 * 100 - 5 * 40, 5)
    assert await ledger.discrepancies(GUILD.id) == []


async def test_removing_an_item_removes_it_from_inventories_and_keeps_the_ledger(
    shop: Shop, ledger: Ledger
) -> None:
    await ledger.open(GUILD, [person(1)], starting_balance=100)
    await shop.add(GUILD, "Cookie", 10)
    await shop.buy(GUILD.id, 1001, "cookie", 3)
    await shop.remove(GUILD.id, "cookie")
    assert await shop.inventory(GUILD.id, 1001) == []
    [purchase, _] = await ledger.history(GUILD.id, 1001)
    assert (purchase.kind, purchase.amount, purchase.note) == ("buy", -30, "3 × Cookie")
    assert await ledger.discrepancies(GUILD.id) == []
