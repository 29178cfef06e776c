"""The moderation plugin's reports (messages members reported) and appeals (banned users asking to return).

Revision ID: moderation_reports
Revises: moderation_0001
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "moderation_reports"
down_revision: str | Sequence[str] | None = "moderation_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# BIGSERIAL on PostgreSQL; SQLite only autoincrements an INTEGER PRIMARY KEY.
BIG_INT_PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Create the reports and the appeals."""
    op.create_table(
        "moderation_reports",
        sa.Column("id", BIG_INT_PK, autoincrement=True, nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("reporter_id", sa.BigInteger(), nullable=False),
        sa.Column("channel_id", sa.BigInteger(), nullable=False, comment="where the reported message is"),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("author_id", sa.BigInteger(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False, comment="the message's text when it was reported"),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column(
            "status", sa.String(length=20), server_default="open", nullable=False, comment="open or resolved"
        ),
        sa.Column(
            "resolution",
            sa.String(length=20),
            nullable=True,
            comment="deleted, warned, timed_out or dismissed",
        ),
        sa.Column("resolved_by", sa.BigInteger(), nullable=True),
        sa.Column(
            "case_id", sa.BigInteger(), nullable=True, comment="the moderation_logs row the resolution opened"
        ),
        sa.Column("queue_channel_id", sa.BigInteger(), nullable=True),
        sa.Column("queue_message_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moderation_reports")),
        sa.UniqueConstraint("guild_id", "message_id", name=op.f("uq_moderation_reports_guild_id_message_id")),
    )
    op.create_index(op.f("ix_moderation_reports_guild_id"), "moderation_reports", ["guild_id", "status"])
    op.create_table(
        "moderation_appeals",
        sa.Column("id", BIG_INT_PK, autoincrement=True, nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "ban_case_id",
            sa.BigInteger(),
            nullable=True,
            comment="the moderation_logs row of the ban appealed",
        ),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.String(length=20),
            server_default="pending",
            nullable=False,
            comment="pending, accepted or denied",
        ),
        sa.Column("decided_by", sa.BigInteger(), nullable=True),
        sa.Column(
            "unban_case_id", sa.BigInteger(), nullable=True, comment="the unban case of an accepted appeal"
        ),
        sa.Column("channel_id", sa.BigInteger(), nullable=True, comment="where the appeal was posted"),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "dm_channel_id",
            sa.BigInteger(),
            nullable=True,
            comment="the ban's direct message, told the outcome",
        ),
        sa.Column("dm_message_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moderation_appeals")),
        sa.UniqueConstraint(
            "guild_id",
            "user_id",
            "ban_case_id",
            name=op.f("uq_moderation_appeals_guild_id_user_id_ban_case_id"),
        ),
    )


def downgrade() -> None:
    """Drop the appeals and the reports."""
    op.drop_table("moderation_appeals")
    op.drop_index(op.f("ix_moderation_reports_guild_id"), table_name="moderation_reports")
    op.drop_table("moderation_reports")
