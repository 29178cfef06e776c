"""Environment settings: the embedded default, URL normalisation, and secrets masked in every output."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from pydantic import ValidationError

from tatiana.log import SecretRedactor, configure_logging, secret_values
from tatiana.settings import MASK, Settings, mask_url

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789AB"


def test_embedded_default_is_sqlite_in_data_dir(clean_env: Path) -> None:
    settings = Settings()
    assert settings.effective_database_url == f"sqlite+aiosqlite:///{clean_env / 'data' / 'tatiana.db'}"
    assert settings.uses_sandbox and settings.redis_url is None


def test_the_bot_cache_defaults_to_what_the_plugins_read(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cached = set(Settings().tatiana_cache.split(","))
    assert {"guilds", "guild_channels", "members", "roles", "me"} <= cached
    assert not cached & {"messages", "presences", "voice_states", "emojis", "invites"}
    monkeypatch.setenv("TATIANA_CACHE", " Members, ROLES ,all")
    assert Settings().tatiana_cache == "all,members,roles"


def test_plain_postgres_url_gets_asyncpg(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://bot:hunter22@db:5432/tatiana")
    assert Settings().effective_database_url == "postgresql+asyncpg://bot:hunter22@db:5432/tatiana"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DATABASE_URL", "mysql://x@y/z", "not supported"),
        ("REDIS_URL", "http://localhost", "must start with redis://"),
        ("API_PORT", "99999", "less than or equal to 65535"),
        ("LOG_LEVEL", "loud", "must be one of"),
        ("BOT_OWNER_IDS", "123,ana", "must be Discord ids separated by commas"),
        ("TATIANA_CACHE", "members,spam", "unknown cache components spam"),
    ],
)
def test_bad_values_are_rejected(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError, match=message):
        Settings()


def test_bot_owner_ids_are_read_as_numbers(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().owner_ids == frozenset()
    monkeypatch.setenv("BOT_OWNER_IDS", "123, 456")
    assert Settings().owner_ids == frozenset({123, 456})


def test_masked_output_hides_every_secret(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    monkeypatch.setenv("JWT_SECRET", "jwt-secret-value")
    monkeypatch.setenv("GEMINI_API_KEY", "gemini-key-value")
    monkeypatch.setenv("DISCORD_CLIENT_SECRET", "client-secret-value")
    monkeypatch.setenv("DATABASE_URL", "postgresql://bot:db-password@db/tatiana")
    monkeypatch.setenv("REDIS_URL", "redis://:redis-password@cache:6379/0")
    settings = Settings()
    shown = repr(settings.masked()) + repr(settings) + str(settings)
    for secret in (
        TOKEN,
        "jwt-secret-value",
        "gemini-key-value",
        "client-secret-value",
        "db-password",
        "redis-password",
    ):
        assert secret not in shown
    assert settings.masked()["DISCORD_TOKEN"] == MASK
    assert settings.masked()["DATABASE_URL"] == f"postgresql://bot:{MASK}@db/tatiana"


def test_mask_url_keeps_urls_without_password() -> None:
    assert mask_url("redis://localhost:6379/0") == "redis://localhost:6379/0"
    assert mask_url(None) is None


def test_logs_never_show_secrets(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    monkeypatch.setenv("JWT_SECRET", "jwt-secret-value")
    settings = Settings()
    configure_logging(settings, "INFO")
    logger = logging.getLogger("tatiana.test")
    logger.info("connecting with %s and %s", settings.discord_token.get_secret_value(), "jwt-secret-value")  # type: ignore[union-attr]
    try:
        raise RuntimeError(f"bad token {TOKEN}")
    except RuntimeError:
        logger.exception("failed")
    err = capsys.readouterr().err
    assert "connecting with" in err and "failed" in err
    assert TOKEN not in err and "jwt-secret-value" not in err
    assert err.count(MASK) >= 3


def test_redactor_catches_token_shaped_strings_it_was_not_told() -> None:
    assert SecretRedactor([]).redact(f"token={TOKEN}") == f"token={MASK}"


def test_secret_values_include_url_passwords(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://bot:db-password@db/tatiana")
    assert "db-password" in secret_values(Settings())
