"""Numbered moderation cases (of a member or a channel) with expiry, the AI model and conversation of an exchange,
command usage.

Revision ID: core_0003
Revises: core_0002
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "core_0003"
down_revision: str | Sequence[str] | None = "core_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_INT_PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Add the case columns (numbering existing rows), ai_conversations.model and command_usage."""
    with op.batch_alter_table("moderation_logs") as batch:
        batch.add_column(sa.Column("case_number", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column(
                "expires_at",
                sa.DateTime(timezone=True),
                nullable=True,
                comment="when a temporary action ends",
            )
        )
        batch.add_column(
            sa.Column(
                "source",
                sa.String(length=20),
                server_default="command",
                nullable=False,
                comment="command, automod, report or api",
            )
        )
        batch.add_column(
            sa.Column("channel_id", sa.BigInteger(), nullable=True, comment="where the action was taken")
        )
        batch.add_column(
            sa.Column(
                "log_message_id", sa.BigInteger(), nullable=True, comment="its post in the mod-log channel"
            )
        )
    op.execute(
        "UPDATE moderation_logs SET case_number = (SELECT COUNT(*) FROM moderation_logs AS earlier"
        " WHERE earlier.guild_id = moderation_logs.guild_id AND earlier.id <= moderation_logs.id)"
    )
    with op.batch_alter_table("moderation_logs") as batch:
        batch.alter_column("case_number", existing_type=sa.Integer(), nullable=False)
        batch.alter_column("user_id", existing_type=sa.BigInteger(), nullable=True)
        batch.create_check_constraint(op.f("ck_moderation_logs_case_number_positive"), "case_number > 0")
        batch.create_check_constraint(
            op.f("ck_moderation_logs_has_target"), "user_id IS NOT NULL OR channel_id IS NOT NULL"
        )
        batch.create_unique_constraint(
            op.f("uq_moderation_logs_guild_id_case_number"), ["guild_id", "case_number"]
        )
    with op.batch_alter_table("ai_conversations") as batch:
        batch.add_column(sa.Column("model", sa.String(length=100), nullable=True))
        batch.add_column(
            sa.Column(
                "conversation_id",
                sa.BigInteger(),
                nullable=True,
                comment="channel or thread whose memory holds the exchange; NULL once forgotten",
            )
        )
    op.create_index(
        op.f("ix_ai_conversations_conversation_id"),
        "ai_conversations",
        ["conversation_id", "id"],
        unique=False,
    )
    op.create_table(
        "command_usage",
        sa.Column("id", BIG_INT_PK, autoincrement=True, nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=True),
        sa.Column("channel_id", sa.BigInteger(), nullable=True),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("plugin", sa.String(length=64), nullable=True),
        sa.Column("command", sa.String(length=100), nullable=False, comment="full name, e.g. 'economy give'"),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.Column("error", sa.String(length=200), nullable=True, comment="exception type when it failed"),
        sa.Column("latency_ms", sa.Float(), nullable=True),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_command_usage")),
    )
    op.create_index(op.f("ix_command_usage_guild_id"), "command_usage", ["guild_id", "used_at"], unique=False)
    op.create_index(op.f("ix_command_usage_used_at"), "command_usage", ["used_at"], unique=False)


def downgrade() -> None:
    """Drop command_usage, ai_conversations.model and the case columns."""
    op.drop_table("command_usage")
    op.drop_index(op.f("ix_ai_conversations_conversation_id"), table_name="ai_conversations")
    with op.batch_alter_table("ai_conversations") as batch:
        batch.drop_column("conversation_id")
        batch.drop_column("model")
    op.execute("DELETE FROM moderation_logs WHERE user_id IS NULL")  # channel cases had no place before
    with op.batch_alter_table("moderation_logs") as batch:
        batch.drop_constraint(op.f("ck_moderation_logs_has_target"), type_="check")
        batch.alter_column("user_id", existing_type=sa.BigInteger(), nullable=False)
        batch.drop_constraint(op.f("uq_moderation_logs_guild_id_case_number"), type_="unique")
        batch.drop_constraint(op.f("ck_moderation_logs_case_number_positive"), type_="check")
        for column in ("log_message_id", "channel_id", "source", "expires_at", "case_number"):
            batch.drop_column(column)
