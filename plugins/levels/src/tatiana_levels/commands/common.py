"""What the levels commands share: the cooldown of the read commands."""

from __future__ import annotations

import lightbulb

# Rank cards and leaderboards are cheap but not free: a few per member and 10 s.
READ_COOLDOWN = lightbulb.prefab.sliding_window(10, 3, "user")
