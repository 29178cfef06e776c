"""The users' Discord OAuth2 tokens encrypted at rest, with a key derived from JWT_SECRET.

A leaked copy of the database then holds no token that acts for a user on Discord. Changing JWT_SECRET makes
the sealed tokens unreadable: their logins can no longer re-check guild rights, and their users log in again.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PREFIX = "fernet:"


class TokenSealer:
    """Encrypts and authenticates a token (Fernet: AES-128-CBC with HMAC-SHA256) under a key from a secret."""

    def __init__(self, secret: str) -> None:
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"tatiana", info=b"discord-oauth-token").derive(
            secret.encode()
        )
        self._fernet = Fernet(base64.urlsafe_b64encode(key))

    def seal(self, token: str) -> str:
        """``token`` encrypted, as stored."""
        return PREFIX + self._fernet.encrypt(token.encode()).decode()

    def open(self, sealed: str) -> str | None:
        """The token ``sealed`` holds; None if it was sealed under another secret, altered, or never sealed."""
        if not sealed.startswith(PREFIX):
            return None
        try:
            return self._fernet.decrypt(sealed.removeprefix(PREFIX).encode()).decode()
        except InvalidToken:
            return None
