"""The core's ``moderation_logs`` table (the cases) as the moderation plugin reads and writes it.

The core owns and migrates it; this is a stub in a ``MetaData`` of its own, not part of the plugin's
``metadata``.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, DateTime, Integer, MetaData, String, Table, Text

stubs = MetaData()

cases = Table(
    "moderation_logs",
    stubs,
    Column("id", BigInteger, primary_key=True),
    Column("guild_id", BigInteger),
    Column("case_number", Integer),
    Column("user_id", BigInteger),
    Column("moderator_id", BigInteger),
    Column("action", String(20)),
    Column("reason", Text),
    Column("duration", Integer),
    Column("created_at", DateTime(timezone=True)),
    Column("expires_at", DateTime(timezone=True)),
    Column("is_active", Boolean),
    Column("source", String(20)),
    Column("channel_id", BigInteger),
    Column("log_message_id", BigInteger),
)
"""One numbered moderation case of a guild."""
