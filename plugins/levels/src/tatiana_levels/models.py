"""The levels plugin's table: each member's total XP in each guild."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, DateTime, Index, MetaData, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from tatiana.db.models import NAMING_CONVENTION


class Base(DeclarativeBase):
    """Declarative base of the levels plugin's tables."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class LevelMember(Base):
    """A member's total XP in one guild; their level follows from it (``curve.level_for_xp``).

    No foreign keys to ``users``/``guilds``: XP is earned before the bot has written either row.
    """

    __tablename__ = "level_members"
    __table_args__ = (
        CheckConstraint("xp >= 0", name="xp_not_negative"),
        # The leaderboard and a member's rank read a guild's members by XP.
        Index(None, "guild_id", "xp"),
    )

    guild_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    xp: Mapped[int] = mapped_column(BigInteger, server_default="0", default=0)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


metadata = Base.metadata
"""The tables the plugin's migrations create, compared against them by the migration tests."""
