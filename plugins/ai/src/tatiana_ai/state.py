"""The AI plugin's state in one bot: cooldowns, known /chat threads and background summaries."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any

import lightbulb

from tatiana_ai.cooldowns import Cooldowns
from tatiana_ai.threads import ChatThreads


@dataclass
class AIState:
    """Per-bot state of the AI plugin, injected as ``state: AIState``."""

    cooldowns: Cooldowns = field(default_factory=Cooldowns)
    threads: ChatThreads = field(default_factory=ChatThreads)
    background: set[asyncio.Task[Any]] = field(default_factory=set)

    def spawn(self, work: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Run ``work`` after the answer, keeping a reference until it ends."""
        task = asyncio.create_task(work)
        self.background.add(task)
        task.add_done_callback(self.background.discard)
        return task

    async def settle(self) -> None:
        """Wait for the background work started so far (summaries), e.g. before the bot stops."""
        while self.background:
            await asyncio.gather(*list(self.background), return_exceptions=True)


class StateLoadable(lightbulb.Loadable):
    """Gives each bot (lightbulb client) that loads the plugin its own ``AIState`` to inject."""

    def __init__(self) -> None:
        self._states: dict[int, AIState] = {}

    async def load(self, client: lightbulb.Client) -> None:
        """Register a fresh ``AIState`` with the client, once."""
        registry = client.di.registry_for(lightbulb.di.Contexts.DEFAULT)
        if AIState not in registry:
            state = self._states[id(client)] = AIState()
            registry.register_value(AIState, state)

    async def unload(self, client: lightbulb.Client) -> None:
        """Let the summaries being written finish."""
        state = self._states.pop(id(client), None)
        if state is not None:
            await state.settle()
