"""A running bot keeps what it held at start out of the garbage collector's scans, and gives it back at stop."""

from __future__ import annotations

import gc
from typing import Any

from tatiana.testing.harness import sandbox_bot
from tatiana.testing.sandbox.server import Sandbox


async def test_what_the_bot_holds_at_start_is_frozen_until_it_stops(
    sandbox: Sandbox, sqlite_url: str, probe: Any
) -> None:
    assert gc.get_freeze_count() == 0
    async with sandbox_bot(sandbox, sqlite_url, plugins=[probe("probe").plugin]) as bot:
        # The bot's own objects are among the frozen ones, so a collection does not walk them.
        assert gc.get_freeze_count() > 0
        assert gc.is_tracked(bot)
        assert not any(o is bot for o in gc.get_objects())
    assert gc.get_freeze_count() == 0
