"""The AI plugin's tables: conversation summaries and the threads started with /chat.

Revision ID: ai_0001
Revises: none (first of its branch; the exchanges themselves are the core's ai_conversations)
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "ai_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("ai",)
depends_on: str | Sequence[str] | None = "core"


def upgrade() -> None:
    """Create ai_summaries and ai_threads."""
    op.create_table(
        "ai_summaries",
        sa.Column("conversation_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column(
            "through_id",
            sa.BigInteger(),
            nullable=False,
            comment="last ai_conversations row the summary covers",
        ),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("conversation_id", name=op.f("pk_ai_summaries")),
    )
    op.create_table(
        "ai_threads",
        sa.Column("thread_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("parent_id", sa.BigInteger(), nullable=False),
        sa.Column("started_by", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("thread_id", name=op.f("pk_ai_threads")),
    )
    op.create_index(op.f("ix_ai_threads_guild_id"), "ai_threads", ["guild_id"], unique=False)


def downgrade() -> None:
    """Drop them."""
    op.drop_table("ai_threads")
    op.drop_table("ai_summaries")
