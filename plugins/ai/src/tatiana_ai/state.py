"""The AI plugin's state in one bot: members' cooldowns and channels' memory, injected as ``state: AIState``."""

from __future__ import annotations

from dataclasses import dataclass, field

import lightbulb

from tatiana_ai.cooldowns import Cooldowns
from tatiana_ai.memory import ChannelMemory


@dataclass
class AIState:
    """Per-bot state of the AI plugin."""

    cooldowns: Cooldowns = field(default_factory=Cooldowns)
    memory: ChannelMemory = field(default_factory=ChannelMemory)


class StateLoadable(lightbulb.Loadable):
    """Gives each bot (lightbulb client) that loads the plugin its own ``AIState`` to inject."""

    async def load(self, client: lightbulb.Client) -> None:
        """Register a fresh ``AIState`` with the client, once."""
        registry = client.di.registry_for(lightbulb.di.Contexts.DEFAULT)
        if AIState not in registry:
            registry.register_value(AIState, AIState())

    async def unload(self, client: lightbulb.Client) -> None:
        """Nothing to undo: the value goes with the client."""
