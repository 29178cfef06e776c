"""The core's tables as the AI plugin writes them: users, guilds and ``ai_conversations``.

The core owns and migrates them; these are stubs in a ``MetaData`` of their own, declaring only the columns
used here.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, Float, Integer, MetaData, String, Table, Text

stubs = MetaData()

users = Table(
    "users",
    stubs,
    Column("discord_id", BigInteger),
    Column("username", String(32)),
    Column("global_name", String(32)),
)
"""Discord users the bot has seen."""

guilds = Table(
    "guilds",
    stubs,
    Column("discord_id", BigInteger),
    Column("name", String(100)),
    Column("owner_id", BigInteger),
)
"""Discord servers the bot is in."""

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
)
"""One exchange with the model: question, answer, tokens and latency."""
