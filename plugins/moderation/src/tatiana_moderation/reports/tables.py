"""The tables of reports and appeals, in the moderation plugin's ``metadata`` (migration moderation_reports)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, Index, String, Table, Text, UniqueConstraint, func

from tatiana_moderation.tables import BigIntPK, metadata

reports = Table(
    "moderation_reports",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("guild_id", BigInteger, nullable=False),
    Column("reporter_id", BigInteger, nullable=False),
    Column("channel_id", BigInteger, nullable=False, comment="where the reported message is"),
    Column("message_id", BigInteger, nullable=False),
    Column("author_id", BigInteger, nullable=False),
    Column("content", Text, nullable=False, comment="the message's text when it was reported"),
    Column("reason", Text, nullable=False),
    Column("status", String(20), nullable=False, server_default="open", comment="open or resolved"),
    Column("resolution", String(20), comment="deleted, warned, timed_out or dismissed"),
    Column("resolved_by", BigInteger),
    Column("case_id", BigInteger, comment="the moderation_logs row the resolution opened"),
    Column("queue_channel_id", BigInteger),
    Column("queue_message_id", BigInteger),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("resolved_at", DateTime(timezone=True)),
    UniqueConstraint("guild_id", "message_id"),
    Index(None, "guild_id", "status"),
)
"""A message a member reported, waiting in the queue (open) until a moderator acts on it (resolved)."""

appeals = Table(
    "moderation_appeals",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("guild_id", BigInteger, nullable=False),
    Column("user_id", BigInteger, nullable=False),
    Column("ban_case_id", BigInteger, comment="the moderation_logs row of the ban appealed"),
    Column("text", Text, nullable=False),
    Column(
        "status", String(20), nullable=False, server_default="pending", comment="pending, accepted or denied"
    ),
    Column("decided_by", BigInteger),
    Column("unban_case_id", BigInteger, comment="the unban case of an accepted appeal"),
    Column("channel_id", BigInteger, comment="where the appeal was posted"),
    Column("message_id", BigInteger),
    Column("dm_channel_id", BigInteger, comment="the ban's direct message, told the outcome"),
    Column("dm_message_id", BigInteger),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("decided_at", DateTime(timezone=True)),
    UniqueConstraint("guild_id", "user_id", "ban_case_id"),
)
"""A banned user's appeal of one ban: pending until a moderator accepts (unbans) or denies it."""
