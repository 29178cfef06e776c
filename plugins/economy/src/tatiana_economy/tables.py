"""The economy plugin's own tables: the ledger, the shop's items and the members' inventories.

Wallets are the core's ``user_economy`` rows (see ``core_tables``); every change of a balance writes one
``economy_ledger`` row in the same transaction, so a wallet's balance is the sum of its ledger.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    UniqueConstraint,
    func,
)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# BIGSERIAL on PostgreSQL; SQLite only autoincrements an INTEGER PRIMARY KEY (which is 64-bit there).
BigIntPK = BigInteger().with_variant(Integer(), "sqlite")

KINDS = ("open", "daily", "pay", "buy", "refund", "give", "take", "reset")
"""What moved money: a wallet's opening balance, a daily reward, a payment, a purchase and its refund,
and the three admin actions."""

metadata = MetaData(naming_convention=NAMING_CONVENTION)
"""The plugin's tables, compared against its migrations (``Plugin.metadata``)."""

ledger = Table(
    "economy_ledger",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column(
        "wallet_id",
        BigInteger,
        ForeignKey("user_economy.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("amount", BigInteger, nullable=False, comment="signed: credits are positive, debits negative"),
    Column("balance_after", BigInteger, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("counterparty_id", BigInteger, comment="Discord id of the other member, or of the admin"),
    Column("item_id", BigInteger, comment="the shop item of a purchase (kept after the item is removed)"),
    Column("note", String(200)),
    Column("interaction_id", BigInteger, comment="Discord interaction that caused it: applied once"),
    Column("leg", SmallInteger, nullable=False, server_default="0"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("amount <> 0", name="amount_not_zero"),
    CheckConstraint("balance_after >= 0", name="balance_after_not_negative"),
    CheckConstraint(f"kind IN ({', '.join(repr(k) for k in KINDS)})", name="kind"),
    UniqueConstraint("interaction_id", "leg"),
)
"""One row per change of a wallet; ``(interaction_id, leg)`` is unique so a retried interaction applies once."""

items = Table(
    "economy_items",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("guild_id", BigInteger, ForeignKey("guilds.discord_id", ondelete="CASCADE"), nullable=False),
    Column("name", String(50), nullable=False),
    Column("name_key", String(50), nullable=False, comment="the name case-folded: unique in a guild"),
    Column("description", String(200)),
    Column("price", BigInteger, nullable=False),
    Column("role_id", BigInteger, comment="Discord role granted on purchase"),
    Column("stock", Integer, comment="items left; NULL is unlimited"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("price > 0", name="price_positive"),
    CheckConstraint("stock IS NULL OR stock >= 0", name="stock_not_negative"),
    UniqueConstraint("guild_id", "name_key"),
)
"""A guild's shop: what members can buy, for how much, how many are left, and the role it grants."""

inventory = Table(
    "economy_inventory",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("wallet_id", BigInteger, ForeignKey("user_economy.id", ondelete="CASCADE"), nullable=False),
    Column("item_id", BigInteger, ForeignKey("economy_items.id", ondelete="CASCADE"), nullable=False),
    Column("quantity", Integer, nullable=False),
    CheckConstraint("quantity > 0", name="quantity_positive"),
    UniqueConstraint("wallet_id", "item_id"),
    Index(None, "item_id"),
)
"""How many of each item a member owns."""
