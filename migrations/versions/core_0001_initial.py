"""The core's tables: users, guilds, wallets, moderation logs, AI conversations, per-guild plugin state.

Revision ID: core_0001
Revises: none (first of its branch)
Create Date: 2026-11-25
"""

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision: str = "core_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("core",)
depends_on: str | Sequence[str] | None = None

# BIGSERIAL on PostgreSQL; SQLite only autoincrements an INTEGER PRIMARY KEY.
BIG_INT_PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _id() -> sa.Column[int]:
    return sa.Column("id", BIG_INT_PK, autoincrement=True, nullable=False)


def _timestamp(name: str) -> sa.Column[datetime]:
    # func.now() rather than text("now()"): SQLite has no now(), SQLAlchemy renders CURRENT_TIMESTAMP there.
    return sa.Column(name, sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False)


def upgrade() -> None:
    """Create the core's tables."""
    op.create_table(
        "users",
        _id(),
        sa.Column("discord_id", sa.BigInteger(), nullable=False),
        sa.Column("username", sa.String(length=32), nullable=False),
        sa.Column("global_name", sa.String(length=32), nullable=True),
        sa.Column("avatar_url", sa.Text(), nullable=True),
        sa.Column("locale", sa.String(length=5), nullable=True),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.Column("is_active", sa.Boolean(), server_default="1", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("discord_id", name=op.f("uq_users_discord_id")),
    )
    op.create_table(
        "guilds",
        _id(),
        sa.Column("discord_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("owner_id", sa.BigInteger(), nullable=True),
        sa.Column("prefix", sa.String(length=10), server_default="!", nullable=False),
        sa.Column("language", sa.String(length=5), server_default="es", nullable=False),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.Column("is_active", sa.Boolean(), server_default="1", nullable=False),
        sa.CheckConstraint("language IN ('es', 'en')", name=op.f("ck_guilds_language")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guilds")),
        sa.UniqueConstraint("discord_id", name=op.f("uq_guilds_discord_id")),
    )
    op.create_table(
        "user_economy",
        _id(),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("balance", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("daily_streak", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_daily", sa.DateTime(timezone=True), nullable=True),
        sa.Column("total_earned", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("total_spent", sa.BigInteger(), server_default="0", nullable=False),
        sa.CheckConstraint("balance >= 0", name=op.f("ck_user_economy_balance_not_negative")),
        sa.CheckConstraint("daily_streak >= 0", name=op.f("ck_user_economy_daily_streak_not_negative")),
        sa.CheckConstraint("total_earned >= 0", name=op.f("ck_user_economy_total_earned_not_negative")),
        sa.CheckConstraint("total_spent >= 0", name=op.f("ck_user_economy_total_spent_not_negative")),
        sa.ForeignKeyConstraint(
            ["guild_id"],
            ["guilds.discord_id"],
            name=op.f("fk_user_economy_guild_id_guilds"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.discord_id"], name=op.f("fk_user_economy_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_economy")),
        sa.UniqueConstraint("user_id", "guild_id", name=op.f("uq_user_economy_user_id_guild_id")),
    )
    op.create_index(op.f("ix_user_economy_guild_id"), "user_economy", ["guild_id"], unique=False)
    op.create_table(
        "moderation_logs",
        _id(),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("moderator_id", sa.BigInteger(), nullable=True),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("duration", sa.Integer(), nullable=True, comment="seconds, for temporary actions"),
        _timestamp("created_at"),
        sa.Column("is_active", sa.Boolean(), server_default="1", nullable=False),
        sa.CheckConstraint(
            "duration IS NULL OR duration > 0", name=op.f("ck_moderation_logs_duration_positive")
        ),
        sa.ForeignKeyConstraint(
            ["guild_id"],
            ["guilds.discord_id"],
            name=op.f("fk_moderation_logs_guild_id_guilds"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["moderator_id"], ["users.discord_id"], name=op.f("fk_moderation_logs_moderator_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.discord_id"], name=op.f("fk_moderation_logs_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moderation_logs")),
    )
    op.create_index(
        op.f("ix_moderation_logs_guild_id"), "moderation_logs", ["guild_id", "created_at"], unique=False
    )
    op.create_index(op.f("ix_moderation_logs_user_id"), "moderation_logs", ["user_id"], unique=False)
    op.create_table(
        "ai_conversations",
        _id(),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("user_message", sa.Text(), nullable=False),
        sa.Column("ai_response", sa.Text(), nullable=False),
        sa.Column("tokens_used", sa.Integer(), nullable=True),
        sa.Column("response_time", sa.Float(), nullable=True, comment="seconds"),
        _timestamp("created_at"),
        sa.CheckConstraint(
            "tokens_used IS NULL OR tokens_used >= 0", name=op.f("ck_ai_conversations_tokens_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["guild_id"],
            ["guilds.discord_id"],
            name=op.f("fk_ai_conversations_guild_id_guilds"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.discord_id"], name=op.f("fk_ai_conversations_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ai_conversations")),
    )
    op.create_index(
        op.f("ix_ai_conversations_guild_id"), "ai_conversations", ["guild_id", "created_at"], unique=False
    )
    op.create_index(op.f("ix_ai_conversations_user_id"), "ai_conversations", ["user_id"], unique=False)
    op.create_table(
        "guild_plugins",
        _id(),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("plugin", sa.String(length=32), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("updated_by", sa.BigInteger(), nullable=True, comment="Discord id of who changed it"),
        _timestamp("updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guild_plugins")),
        sa.UniqueConstraint("guild_id", "plugin", name=op.f("uq_guild_plugins_guild_id_plugin")),
    )
    op.create_index(op.f("ix_guild_plugins_guild_id"), "guild_plugins", ["guild_id"], unique=False)


def downgrade() -> None:
    """Drop the core's tables (with their indexes), referencing tables first."""
    for table in ("guild_plugins", "ai_conversations", "moderation_logs", "user_economy", "guilds", "users"):
        op.drop_table(table)
