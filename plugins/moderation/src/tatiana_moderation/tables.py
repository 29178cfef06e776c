"""The moderation plugin's own tables: actions scheduled for later (a tempban's unban), kept across restarts."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, Index, Integer, MetaData, String, Table, func

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# BIGSERIAL on PostgreSQL; SQLite only autoincrements an INTEGER PRIMARY KEY (which is 64-bit there).
BigIntPK = BigInteger().with_variant(Integer(), "sqlite")

metadata = MetaData(naming_convention=NAMING_CONVENTION)
"""The plugin's tables, compared against its migrations (``Plugin.metadata``)."""

scheduled_actions = Table(
    "moderation_scheduled_actions",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("guild_id", BigInteger, nullable=False),
    Column("user_id", BigInteger, nullable=False),
    Column("action", String(20), nullable=False, comment="what to do when due: unban"),
    Column("due_at", DateTime(timezone=True), nullable=False),
    Column("case_id", BigInteger, comment="the moderation_logs row that asked for it"),
    Column("claimed_until", DateTime(timezone=True), comment="a runner is executing it until then"),
    Column("done_at", DateTime(timezone=True), comment="executed or cancelled: never run again"),
    Column("outcome", String(20), comment="done, cancelled or failed"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index(None, "done_at", "due_at"),
)
"""An action to take at ``due_at`` (a tempban's unban): executed once, by whichever runner claims it."""
