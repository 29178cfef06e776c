"""Dashboard login: refresh tokens stored hashed, grouped in families.

Revision ID: core_0002
Revises: core_0001
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "core_0002"
down_revision: str | Sequence[str] | None = "core_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_INT_PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Create api_refresh_tokens."""
    op.create_table(
        "api_refresh_tokens",
        sa.Column("id", BIG_INT_PK, autoincrement=True, nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("family", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False, comment="Discord id of who logged in"),
        sa.Column("discord_token", sa.Text(), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_refresh_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_refresh_tokens_token_hash")),
    )
    op.create_index(op.f("ix_api_refresh_tokens_family"), "api_refresh_tokens", ["family"], unique=False)


def downgrade() -> None:
    """Drop api_refresh_tokens."""
    op.drop_table("api_refresh_tokens")
