"""Logging set-up that keeps secrets out of every log line."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from sqlalchemy.engine import make_url

from tatiana.settings import MASK, Settings

# Discord bot tokens have this shape; redacted even when they are not the configured one.
TOKEN_PATTERN = re.compile(r"[A-Za-z\d_-]{23,28}\.[A-Za-z\d_-]{6,7}\.[A-Za-z\d_-]{27,40}")


class SecretRedactor(logging.Filter):
    """Replaces known secret values and token-shaped strings in a record's final message."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = sorted({s for s in secrets if len(s) >= 6}, key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self.redact(message)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True

    def redact(self, text: str) -> str:
        """``text`` with every secret replaced by the mask."""
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return TOKEN_PATTERN.sub(MASK, text)


def secret_values(settings: Settings) -> list[str]:
    """The configured secret strings (tokens, keys, passwords in URLs)."""
    values = [
        s.get_secret_value()
        for s in (
            settings.discord_token,
            settings.discord_client_secret,
            settings.gemini_api_key,
            settings.jwt_secret,
        )
        if s is not None
    ]
    for url in (settings.database_url, settings.redis_url):
        if url:
            password = make_url(url).password if "://" in url else None
            if password:
                values.append(str(password))
    return values


def configure_logging(settings: Settings, level: str | None = None) -> None:
    """Log to stderr at the configured level through a secret redactor on every handler."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_tatiana", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler()
    handler._tatiana = True  # type: ignore[attr-defined]
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%H:%M:%S"))
    handler.addFilter(SecretRedactor(secret_values(settings)))
    root.addHandler(handler)
    root.setLevel(level or settings.log_level)
