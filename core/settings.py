"""Process configuration from the environment (and an optional ``.env`` file), secrets masked in every output."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

MASK = "********"

CACHE_COMPONENT_NAMES = frozenset(
    {
        "guilds",
        "guild_channels",
        "guild_threads",
        "members",
        "roles",
        "me",
        "dm_channel_ids",
        "messages",
        "emojis",
        "guild_stickers",
        "presences",
        "voice_states",
        "invites",
    }
)
"""The parts of hikari's cache (``hikari.api.CacheComponents``) that ``TATIANA_CACHE`` may name."""

# What the core and the first-party plugins read from the cache: guilds, channels and threads (names, a
# channel's parent), members and roles (role rewards, hierarchy checks), the bot's own user, and DM channel ids
# (saves a REST call per direct message). No messages, presences, voice states, emojis, stickers or invites.
DEFAULT_CACHE = "guilds,guild_channels,guild_threads,members,roles,me,dm_channel_ids"


def normalise_database_url(url: str) -> str:
    """Pick the async driver for a plain ``postgresql://`` or ``sqlite://`` URL."""
    parsed = make_url(url)
    drivers = {
        "postgresql": "postgresql+asyncpg",
        "postgres": "postgresql+asyncpg",
        "sqlite": "sqlite+aiosqlite",
    }
    if parsed.drivername in drivers:
        parsed = parsed.set(drivername=drivers[parsed.drivername])
    return parsed.render_as_string(hide_password=False)


def mask_url(url: str | None) -> str | None:
    """A URL with its password replaced by the mask."""
    if not url:
        return url
    try:
        parsed = make_url(url)
    except Exception:
        return MASK
    if parsed.password is None:
        return url
    return parsed.render_as_string(hide_password=True).replace(":***@", f":{MASK}@", 1)


class Settings(BaseSettings):
    """Everything a Tatiana process reads from its environment; the names are the spec's variables."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    discord_token: SecretStr | None = Field(
        default=None, description="Bot token; unset runs on the local sandbox"
    )
    discord_client_id: str | None = Field(
        default=None, description="OAuth2 application id for dashboard login"
    )
    discord_client_secret: SecretStr | None = Field(default=None, description="OAuth2 client secret")
    discord_api_url: str = Field(default="https://discord.com/api/v10", description="Discord REST base URL")
    gemini_api_key: SecretStr | None = Field(default=None, description="Google Gemini API key")
    gemini_model: str = Field(default="gemini-2.5-flash", description="Default Gemini model")
    bot_prefix: str = Field(default="!", description="Default prefix for message commands")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; unset means SQLite in the data dir"
    )
    redis_url: str | None = Field(default=None, description="Redis URL; unset means in-memory coordination")
    tatiana_data_dir: Path = Field(
        default=Path("data"), description="Folder for the embedded SQLite database"
    )
    tatiana_plugins_file: Path = Field(
        default=Path("plugins.toml"), description="Deployment plugin configuration"
    )
    api_host: str = Field(default="127.0.0.1", description="API bind address")
    api_port: int = Field(default=8000, ge=1, le=65535, description="API port")
    jwt_secret: SecretStr | None = Field(default=None, description="Secret signing dashboard access tokens")
    jwt_expiration: int = Field(default=900, ge=60, le=86400, description="Access token lifetime in seconds")
    dashboard_origin: str = Field(default="http://localhost:3000", description="Origin allowed by CORS")
    api_rate_limit: int = Field(
        default=120,
        ge=1,
        description="API requests (and WebSocket connections) per minute per client address",
    )
    bot_owner_ids: str | None = Field(
        default=None,
        description="Comma-separated Discord ids of the bot's owners (API admin); unset: the application's owner",
    )
    log_level: str = Field(default="INFO", description="Logging level")
    tatiana_cache: str = Field(
        default=DEFAULT_CACHE,
        description="What each bot process keeps of Discord in memory: hikari cache components, comma-separated "
        "(guilds, guild_channels, guild_threads, members, roles, me, dm_channel_ids, messages, emojis, "
        "guild_stickers, presences, voice_states, invites), or all",
    )

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return level

    @field_validator("tatiana_cache")
    @classmethod
    def _known_components(cls, value: str) -> str:
        names = {name.strip().lower() for name in value.split(",") if name.strip()}
        unknown = names - CACHE_COMPONENT_NAMES - {"all", "none"}
        if unknown:
            raise ValueError(f"unknown cache components {', '.join(sorted(unknown))}")
        return ",".join(sorted(names)) or "none"

    @field_validator("database_url")
    @classmethod
    def _parsable_url(cls, value: str | None) -> str | None:
        if value:
            try:
                backend = make_url(value).get_backend_name()
            except Exception:
                raise ValueError("is not a database URL (e.g. postgresql://user@host/db)") from None
            if backend not in {"postgresql", "postgres", "sqlite"}:
                raise ValueError(f"backend {backend!r} is not supported (use postgresql:// or sqlite:///)")
        return value or None

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str | None) -> str | None:
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return value or None

    @field_validator("bot_owner_ids")
    @classmethod
    def _id_list(cls, value: str | None) -> str | None:
        if value and not all(part.strip().isdigit() for part in value.split(",")):
            raise ValueError("must be Discord ids separated by commas, e.g. 123,456")
        return value or None

    @property
    def owner_ids(self) -> frozenset[int]:
        """BOT_OWNER_IDS as numbers (empty when unset)."""
        return frozenset(int(part) for part in (self.bot_owner_ids or "").split(",") if part.strip())

    def __repr_args__(self) -> Any:
        for name, value in super().__repr_args__():
            yield name, mask_url(value) if name in {"database_url", "redis_url"} else value

    @cached_property
    def effective_database_url(self) -> str:
        """The async database URL in use: DATABASE_URL, or a SQLite file in the data directory."""
        if self.database_url:
            return normalise_database_url(self.database_url)
        return f"sqlite+aiosqlite:///{(self.tatiana_data_dir / 'tatiana.db').resolve()}"

    @property
    def uses_sandbox(self) -> bool:
        """Whether the bot runs against the local Discord sandbox (no token set)."""
        return self.discord_token is None

    def masked(self) -> dict[str, Any]:
        """Every setting by environment variable name, secrets and URL passwords masked."""
        out: dict[str, Any] = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, SecretStr):
                value = MASK
            elif name in {"database_url", "redis_url"}:
                value = mask_url(value)
            elif isinstance(value, Path):
                value = str(value)
            out[name.upper()] = value
        out["effective DATABASE_URL"] = mask_url(self.effective_database_url)
        return out
