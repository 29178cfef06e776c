"""The AI plugin's own tables: conversation summaries and the threads started with ``/chat``."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, Index, MetaData, Table, Text, func

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

summaries = Table(
    "ai_summaries",
    metadata,
    Column("conversation_id", BigInteger, primary_key=True, autoincrement=False),
    Column("guild_id", BigInteger, nullable=False),
    Column("summary", Text, nullable=False),
    Column("through_id", BigInteger, nullable=False, comment="last ai_conversations row the summary covers"),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
"""What a channel's or thread's conversation said before its remembered turns."""

threads = Table(
    "ai_threads",
    metadata,
    Column("thread_id", BigInteger, primary_key=True, autoincrement=False),
    Column("guild_id", BigInteger, nullable=False),
    Column("parent_id", BigInteger, nullable=False),
    Column("started_by", BigInteger, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index(None, "guild_id"),
)
"""Threads started by ``/chat``: the bot answers every message in them."""
