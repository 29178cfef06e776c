"""Each command that ran in a guild reaches the dashboard's activity feed; refused and failed ones do not."""

from __future__ import annotations

from typing import Any

from tatiana.coordination import EVENTS_CHANNEL, EventKind, LiveEvent, MemoryCoordination
from tatiana.testing.harness import sandbox_bot
from tatiana.testing.sandbox.server import Sandbox

DEMO = "Tatiana Dev"


async def test_commands_that_ran_are_published_as_activity(
    sandbox: Sandbox, sqlite_url: str, probe: Any, act: Any
) -> None:
    good, bad = probe("good"), probe("bad", fail_command=True)
    marta = act(sandbox, DEMO, "marta")
    coordination = MemoryCoordination()
    async with (
        sandbox_bot(sandbox, sqlite_url, plugins=[good.plugin, bad.plugin], coordination=coordination) as bot,
        await coordination.subscribe(EVENTS_CHANNEL) as events,
    ):
        await marta.slash("bad")  # failed: not activity
        await bot.service.disable(marta.guild.id, "good", by=marta.user.id)
        await marta.slash("good")  # refused, the plugin is off: not activity
        await bot.service.enable(marta.guild.id, "good", by=marta.user.id)
        await marta.slash("good")
        message = await events.get(timeout=5)
        nothing_else = await events.get(timeout=0.3)
    await coordination.close()

    assert message is not None
    assert LiveEvent.from_message(message) == LiveEvent(
        EventKind.ACTIVITY,
        marta.guild.id,
        {
            "action": "command",
            "command": "good",
            "plugin": "good",
            "user_id": str(marta.user.id),
            "channel_id": str(marta.channel.id),
        },
    )
    assert nothing_else is None
