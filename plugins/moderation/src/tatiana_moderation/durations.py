"""Durations as moderators type them (``10m``, ``2h``, ``7d``, ``1h30m``) and as cases show them."""

from __future__ import annotations

import re
from datetime import timedelta

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_WHOLE = re.compile(r"^(?:\s*\d{1,7}\s*[smhdw])+\s*$", re.IGNORECASE)
_PART = re.compile(r"(\d{1,7})\s*([smhdw])", re.IGNORECASE)

MAX_TIMEOUT = timedelta(days=28)
"""The longest timeout Discord accepts (``communication_disabled_until`` at most 28 days ahead)."""


class InvalidDuration(ValueError):
    """A duration that is not a number and unit sequence, is zero, or exceeds its limit."""

    def __init__(self, text: str, limit: timedelta | None = None) -> None:
        super().__init__(
            f"{text!r} is not a duration like 10m, 2h, 7d or 1h30m"
            if limit is None
            else f"{text!r} is longer than {format_duration(limit)}"
        )
        self.text = text
        self.limit = limit


def parse_duration(text: str, *, limit: timedelta | None = None) -> timedelta:
    """The duration written in ``text``; ``InvalidDuration`` when unreadable, zero or above ``limit``."""
    if not _WHOLE.match(text):
        raise InvalidDuration(text)
    seconds = sum(int(amount) * UNITS[unit.lower()] for amount, unit in _PART.findall(text))
    if seconds <= 0:
        raise InvalidDuration(text)
    duration = timedelta(seconds=seconds)
    if limit is not None and duration > limit:
        raise InvalidDuration(text, limit)
    return duration


def format_duration(duration: timedelta | int) -> str:
    """A compact duration, largest units first: ``1d 2h``, ``1h 30m``, ``45s``."""
    remaining = int(duration.total_seconds()) if isinstance(duration, timedelta) else int(duration)
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        amount, remaining = divmod(remaining, size)
        if amount:
            parts.append(f"{amount}{unit}")
    return " ".join(parts) or "0s"
