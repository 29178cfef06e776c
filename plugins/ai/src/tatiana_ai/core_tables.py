"""The core's ``ai_conversations`` table as the AI plugin writes it.

The core owns and migrates it; this is a stub in a ``MetaData`` of its own, declaring only the columns
used here.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, Float, Integer, MetaData, String, Table, Text

stubs = MetaData()

conversations = Table(
    "ai_conversations",
    stubs,
    Column("id", BigInteger, primary_key=True),
    Column("user_id", BigInteger),
    Column("guild_id", BigInteger),
    Column("message_id", BigInteger),
    Column("user_message", Text),
    Column("ai_response", Text),
    Column("tokens_used", Integer),
    Column("response_time", Float),
    Column("created_at", DateTime(timezone=True)),
    Column("model", String(100)),
    Column("conversation_id", BigInteger),
)
"""One exchange with the model: question, answer, tokens and latency."""
