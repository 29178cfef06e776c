"""The core's tables as the economy reads and writes them: users, guilds and wallets (``user_economy``).

The core owns and migrates them; these are stubs in a ``MetaData`` of their own, declaring only the columns
used here, and they are not part of the plugin's ``metadata``.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, Integer, MetaData, String, Table

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

wallets = Table(
    "user_economy",
    stubs,
    Column("id", BigInteger, primary_key=True),
    Column("user_id", BigInteger),
    Column("guild_id", BigInteger),
    Column("balance", BigInteger),
    Column("daily_streak", Integer),
    Column("last_daily", DateTime(timezone=True)),
    Column("total_earned", BigInteger),
    Column("total_spent", BigInteger),
)
"""A member's wallet in one guild: its balance, daily streak and lifetime totals."""
