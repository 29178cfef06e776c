"""The levels plugin's table: each member's total XP per guild.

Revision ID: levels_0001
Revises: none (first of the levels branch)
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "levels_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("levels",)
depends_on: str | Sequence[str] | None = "core"


def upgrade() -> None:
    """Create level_members."""
    op.create_table(
        "level_members",
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("xp", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint("xp >= 0", name=op.f("ck_level_members_xp_not_negative")),
        sa.PrimaryKeyConstraint("guild_id", "user_id", name=op.f("pk_level_members")),
    )
    op.create_index(op.f("ix_level_members_guild_id"), "level_members", ["guild_id", "xp"])


def downgrade() -> None:
    """Drop level_members."""
    op.drop_index(op.f("ix_level_members_guild_id"), table_name="level_members")
    op.drop_table("level_members")
