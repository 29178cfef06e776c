"""The core's wallets table (``user_economy``) as the economy reads and writes it.

The core owns and migrates it; this is a stub in a ``MetaData`` of its own, declaring only the columns
used here, and it is not part of the plugin's ``metadata``.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, Integer, MetaData, Table

stubs = MetaData()

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
