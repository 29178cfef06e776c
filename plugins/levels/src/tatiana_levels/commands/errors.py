"""Clear sentences for the levels commands' refusals that lightbulb raises (cooldowns)."""

from __future__ import annotations

import math

import lightbulb

from tatiana import Translator


async def answer_cooldown(
    failure: lightbulb.exceptions.ExecutionPipelineFailedException, t: Translator = lightbulb.di.INJECTED
) -> bool:
    """Tell a member who used a levels command too often when they can again; other failures go on."""
    if not failure.context.command_data.qualified_name.startswith("levels."):
        return False
    cooldown = next((c for c in failure.causes if isinstance(c, lightbulb.prefab.OnCooldown)), None)
    if cooldown is None:
        return False
    await failure.context.respond(
        t("levels.errors.cooldown", seconds=max(1, math.ceil(cooldown.remaining))), ephemeral=True
    )
    return True
