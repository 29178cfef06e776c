"""Shard claims: the last process that took each shard's lease, checked by a holder cut off from Redis.

Revision ID: core_0004
Revises: core_0003
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "core_0004"
down_revision: str | Sequence[str] | None = "core_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create shard_claims."""
    op.create_table(
        "shard_claims",
        sa.Column("shard_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False, comment="the shard process's id"),
        sa.Column("epoch", sa.BigInteger(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column(
            "released_at",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="set when its owner handed it over",
        ),
        sa.PrimaryKeyConstraint("shard_id", name=op.f("pk_shard_claims")),
    )


def downgrade() -> None:
    """Drop shard_claims."""
    op.drop_table("shard_claims")
