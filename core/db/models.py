"""SQLAlchemy models of the core's tables (plugin-owned tables live in each plugin's own migrations)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# BIGSERIAL on PostgreSQL; SQLite only autoincrements an INTEGER PRIMARY KEY (which is 64-bit there).
BigIntPK = BigInteger().with_variant(Integer(), "sqlite")
Timestamp = DateTime(timezone=True)


class Base(DeclarativeBase):
    """Declarative base of the core's tables, with a naming convention Alembic can diff reliably."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class User(Base):
    """A Discord user the bot has seen (no discriminator: Discord removed it)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    discord_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    username: Mapped[str] = mapped_column(String(32))
    global_name: Mapped[str | None] = mapped_column(String(32))
    avatar_url: Mapped[str | None] = mapped_column(Text)
    locale: Mapped[str | None] = mapped_column(String(5))
    created_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now(), onupdate=func.now())
    is_active: Mapped[bool] = mapped_column(Boolean, server_default="1", default=True)


class Guild(Base):
    """A Discord server the bot is in, with its core configuration."""

    __tablename__ = "guilds"
    __table_args__ = (CheckConstraint("language IN ('es', 'en')", name="language"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    discord_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    name: Mapped[str] = mapped_column(String(100))
    # Not a foreign key: a guild's owner need not have used the bot yet.
    owner_id: Mapped[int | None] = mapped_column(BigInteger)
    prefix: Mapped[str] = mapped_column(String(10), server_default="!", default="!")
    language: Mapped[str] = mapped_column(String(5), server_default="es", default="es")
    created_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now(), onupdate=func.now())
    is_active: Mapped[bool] = mapped_column(Boolean, server_default="1", default=True)


class UserEconomy(Base):
    """A member's wallet in one guild; changed only together with a ledger row (economy plugin)."""

    __tablename__ = "user_economy"
    __table_args__ = (
        UniqueConstraint("user_id", "guild_id"),
        CheckConstraint("balance >= 0", name="balance_not_negative"),
        CheckConstraint("total_earned >= 0", name="total_earned_not_negative"),
        CheckConstraint("total_spent >= 0", name="total_spent_not_negative"),
        CheckConstraint("daily_streak >= 0", name="daily_streak_not_negative"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.discord_id", ondelete="CASCADE"))
    guild_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("guilds.discord_id", ondelete="CASCADE"), index=True
    )
    balance: Mapped[int] = mapped_column(BigInteger, server_default="0", default=0)
    daily_streak: Mapped[int] = mapped_column(Integer, server_default="0", default=0)
    last_daily: Mapped[datetime | None] = mapped_column(Timestamp)
    total_earned: Mapped[int] = mapped_column(BigInteger, server_default="0", default=0)
    total_spent: Mapped[int] = mapped_column(BigInteger, server_default="0", default=0)


class ModerationLog(Base):
    """One moderation action taken in a guild."""

    __tablename__ = "moderation_logs"
    __table_args__ = (
        CheckConstraint("duration IS NULL OR duration > 0", name="duration_positive"),
        CheckConstraint("case_number > 0", name="case_number_positive"),
        CheckConstraint("user_id IS NOT NULL OR channel_id IS NOT NULL", name="has_target"),
        UniqueConstraint("guild_id", "case_number"),
        Index(None, "guild_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    guild_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("guilds.discord_id", ondelete="CASCADE"))
    # None for an action on a channel (purge, slowmode, lock): ``channel_id`` says which.
    user_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("users.discord_id"), index=True)
    moderator_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("users.discord_id"))
    action: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)
    duration: Mapped[int | None] = mapped_column(Integer, comment="seconds, for temporary actions")
    created_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())
    is_active: Mapped[bool] = mapped_column(Boolean, server_default="1", default=True)
    # Numbered per guild: "case 12" is what moderators and members read.
    case_number: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[datetime | None] = mapped_column(Timestamp, comment="when a temporary action ends")
    source: Mapped[str] = mapped_column(
        String(20), server_default="command", default="command", comment="command, automod, report or api"
    )
    channel_id: Mapped[int | None] = mapped_column(BigInteger, comment="where the action was taken")
    log_message_id: Mapped[int | None] = mapped_column(BigInteger, comment="its post in the mod-log channel")


class AIConversation(Base):
    """One exchange with the AI model, with its token usage."""

    __tablename__ = "ai_conversations"
    __table_args__ = (
        CheckConstraint("tokens_used IS NULL OR tokens_used >= 0", name="tokens_not_negative"),
        Index(None, "guild_id", "created_at"),
        Index(None, "conversation_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.discord_id"), index=True)
    guild_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("guilds.discord_id", ondelete="CASCADE")
    )
    message_id: Mapped[int] = mapped_column(BigInteger)
    user_message: Mapped[str] = mapped_column(Text)
    ai_response: Mapped[str] = mapped_column(Text)
    tokens_used: Mapped[int | None] = mapped_column(Integer)
    response_time: Mapped[float | None] = mapped_column(Float, comment="seconds")
    created_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())
    model: Mapped[str | None] = mapped_column(String(100))
    conversation_id: Mapped[int | None] = mapped_column(
        BigInteger, comment="channel or thread whose memory holds the exchange; NULL once forgotten"
    )


class GuildPlugin(Base):
    """Whether a plugin is on in a guild and its settings there; absent means the deployment default."""

    __tablename__ = "guild_plugins"
    __table_args__ = (UniqueConstraint("guild_id", "plugin"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    # Not a foreign key: a manager may configure a plugin before the guild row is written.
    guild_id: Mapped[int] = mapped_column(BigInteger, index=True)
    plugin: Mapped[str] = mapped_column(String(32))
    enabled: Mapped[bool] = mapped_column(Boolean)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_by: Mapped[int | None] = mapped_column(BigInteger, comment="Discord id of who changed it")
    updated_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now(), onupdate=func.now())


class ApiRefreshToken(Base):
    """A dashboard refresh token, stored as its SHA-256; rotated at each use, its family revoked on reuse."""

    __tablename__ = "api_refresh_tokens"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # One login: every token rotated from the same first one shares it.
    family: Mapped[str] = mapped_column(String(32), index=True)
    user_id: Mapped[int] = mapped_column(BigInteger, comment="Discord id of who logged in")
    # The user's Discord OAuth2 token, needed to re-check which guilds they manage; encrypted (the API seals it).
    discord_token: Mapped[str | None] = mapped_column(Text)
    expires_at: Mapped[datetime] = mapped_column(Timestamp)
    used_at: Mapped[datetime | None] = mapped_column(Timestamp)
    revoked_at: Mapped[datetime | None] = mapped_column(Timestamp)
    created_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())


class CommandUsage(Base):
    """One command run, written in batches by the core; the source of the dashboard's analytics."""

    __tablename__ = "command_usage"
    __table_args__ = (Index(None, "guild_id", "used_at"), Index(None, "used_at"))

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    # No foreign keys: usage is recorded before (and whether or not) the guild and user rows exist.
    guild_id: Mapped[int | None] = mapped_column(BigInteger)
    channel_id: Mapped[int | None] = mapped_column(BigInteger)
    user_id: Mapped[int] = mapped_column(BigInteger)
    plugin: Mapped[str | None] = mapped_column(String(64))
    command: Mapped[str] = mapped_column(String(100), comment="full name, e.g. 'economy give'")
    succeeded: Mapped[bool] = mapped_column(Boolean)
    error: Mapped[str | None] = mapped_column(String(200), comment="exception type when it failed")
    latency_ms: Mapped[float | None] = mapped_column(Float)
    used_at: Mapped[datetime] = mapped_column(Timestamp)


class ShardClaim(Base):
    """The last process that took a shard's lease, a second witness of ownership beside Redis (sharded runtime)."""

    __tablename__ = "shard_claims"

    shard_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    owner: Mapped[str] = mapped_column(String(200), comment="the shard process's id")
    # Raised by one at each claim, only from the value the claimer read: a claim based on a stale read fails.
    epoch: Mapped[int] = mapped_column(BigInteger)
    claimed_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())
    released_at: Mapped[datetime | None] = mapped_column(
        Timestamp, comment="set when its owner handed it over"
    )
