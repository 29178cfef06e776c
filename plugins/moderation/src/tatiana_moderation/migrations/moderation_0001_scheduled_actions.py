"""The moderation plugin's scheduled actions (a tempban's unban), kept across restarts.

Revision ID: moderation_0001
Revises: none (first of its branch; needs the core's moderation_logs)
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "moderation_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("moderation",)
depends_on: str | Sequence[str] | None = "core"

# BIGSERIAL on PostgreSQL; SQLite only autoincrements an INTEGER PRIMARY KEY.
BIG_INT_PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Create the scheduled actions."""
    op.create_table(
        "moderation_scheduled_actions",
        sa.Column("id", BIG_INT_PK, autoincrement=True, nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False, comment="what to do when due: unban"),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "case_id", sa.BigInteger(), nullable=True, comment="the moderation_logs row that asked for it"
        ),
        sa.Column(
            "claimed_until",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="a runner is executing it until then",
        ),
        sa.Column(
            "done_at",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="executed or cancelled: never run again",
        ),
        sa.Column("outcome", sa.String(length=20), nullable=True, comment="done, cancelled or failed"),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moderation_scheduled_actions")),
    )
    op.create_index(
        op.f("ix_moderation_scheduled_actions_done_at"),
        "moderation_scheduled_actions",
        ["done_at", "due_at"],
    )


def downgrade() -> None:
    """Drop the scheduled actions."""
    op.drop_index(op.f("ix_moderation_scheduled_actions_done_at"), table_name="moderation_scheduled_actions")
    op.drop_table("moderation_scheduled_actions")
