"""Durations as members read them: ``3 h 12 min``, ``5 min``, ``40 s`` (the same in Spanish and English)."""

from __future__ import annotations

import math
from datetime import timedelta


def duration(delta: timedelta | float) -> str:
    """``delta`` rounded up: hours and minutes, minutes alone under an hour, seconds under a minute."""
    seconds = delta.total_seconds() if isinstance(delta, timedelta) else delta
    seconds = max(1, math.ceil(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes = math.ceil(seconds / 60)
    hours, minutes = divmod(minutes, 60)
    if hours == 0:
        return f"{minutes} min"
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"
