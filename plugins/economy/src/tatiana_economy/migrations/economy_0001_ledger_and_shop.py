"""The economy's tables: the ledger of every wallet change, the shop's items, the members' inventories.

Revision ID: economy_0001
Revises: none (first of its branch; needs the core's users, guilds and user_economy)
Create Date: 2026-11-27
"""

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision: str = "economy_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("economy",)
depends_on: str | Sequence[str] | None = "core"

# BIGSERIAL on PostgreSQL; SQLite only autoincrements an INTEGER PRIMARY KEY.
BIG_INT_PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _created_at() -> sa.Column[datetime]:
    return sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False)


def upgrade() -> None:
    """Create the ledger, the shop's items and the inventories."""
    op.create_table(
        "economy_ledger",
        sa.Column("id", BIG_INT_PK, autoincrement=True, nullable=False),
        sa.Column("wallet_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "amount", sa.BigInteger(), nullable=False, comment="signed: credits are positive, debits negative"
        ),
        sa.Column("balance_after", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column(
            "counterparty_id",
            sa.BigInteger(),
            nullable=True,
            comment="Discord id of the other member, or of the admin",
        ),
        sa.Column(
            "item_id",
            sa.BigInteger(),
            nullable=True,
            comment="the shop item of a purchase (kept after the item is removed)",
        ),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column(
            "interaction_id",
            sa.BigInteger(),
            nullable=True,
            comment="Discord interaction that caused it: applied once",
        ),
        sa.Column("leg", sa.SmallInteger(), server_default="0", nullable=False),
        _created_at(),
        sa.CheckConstraint("amount <> 0", name=op.f("ck_economy_ledger_amount_not_zero")),
        sa.CheckConstraint("balance_after >= 0", name=op.f("ck_economy_ledger_balance_after_not_negative")),
        sa.CheckConstraint(
            "kind IN ('open', 'daily', 'pay', 'buy', 'refund', 'give', 'take', 'reset')",
            name=op.f("ck_economy_ledger_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["wallet_id"],
            ["user_economy.id"],
            name=op.f("fk_economy_ledger_wallet_id_user_economy"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_economy_ledger")),
        sa.UniqueConstraint("interaction_id", "leg", name=op.f("uq_economy_ledger_interaction_id_leg")),
    )
    op.create_index(op.f("ix_economy_ledger_wallet_id"), "economy_ledger", ["wallet_id"], unique=False)
    op.create_table(
        "economy_items",
        sa.Column("id", BIG_INT_PK, autoincrement=True, nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column(
            "name_key",
            sa.String(length=50),
            nullable=False,
            comment="the name case-folded: unique in a guild",
        ),
        sa.Column("description", sa.String(length=200), nullable=True),
        sa.Column("price", sa.BigInteger(), nullable=False),
        sa.Column("role_id", sa.BigInteger(), nullable=True, comment="Discord role granted on purchase"),
        sa.Column("stock", sa.Integer(), nullable=True, comment="items left; NULL is unlimited"),
        _created_at(),
        sa.CheckConstraint("price > 0", name=op.f("ck_economy_items_price_positive")),
        sa.CheckConstraint("stock IS NULL OR stock >= 0", name=op.f("ck_economy_items_stock_not_negative")),
        sa.ForeignKeyConstraint(
            ["guild_id"],
            ["guilds.discord_id"],
            name=op.f("fk_economy_items_guild_id_guilds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_economy_items")),
        sa.UniqueConstraint("guild_id", "name_key", name=op.f("uq_economy_items_guild_id_name_key")),
    )
    op.create_table(
        "economy_inventory",
        sa.Column("id", BIG_INT_PK, autoincrement=True, nullable=False),
        sa.Column("wallet_id", sa.BigInteger(), nullable=False),
        sa.Column("item_id", sa.BigInteger(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_economy_inventory_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["economy_items.id"],
            name=op.f("fk_economy_inventory_item_id_economy_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["wallet_id"],
            ["user_economy.id"],
            name=op.f("fk_economy_inventory_wallet_id_user_economy"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_economy_inventory")),
        sa.UniqueConstraint("wallet_id", "item_id", name=op.f("uq_economy_inventory_wallet_id_item_id")),
    )
    op.create_index(op.f("ix_economy_inventory_item_id"), "economy_inventory", ["item_id"], unique=False)


def downgrade() -> None:
    """Drop the economy's tables (with their indexes), referencing tables first."""
    for table in ("economy_inventory", "economy_items", "economy_ledger"):
        op.drop_table(table)
