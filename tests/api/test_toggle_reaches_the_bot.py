"""A plugin switched off through the API is refused by the running bot in the sandbox within a second."""

from __future__ import annotations

import time

from tatiana.api.app import create_app
from tatiana.bot.messages import message
from tatiana.coordination import MemoryCoordination
from tatiana.deployment import DeploymentConfig, PluginDefault
from tatiana.registry import PluginRegistry
from tatiana.settings import Settings
from tatiana.testing.harness import sandbox_bot
from tatiana.testing.sandbox.interactions import SandboxUser
from tatiana.testing.sandbox.server import Sandbox

from .conftest import People, bearer, login, serving


async def test_switching_economy_off_refuses_balance_within_a_second(
    sandbox: Sandbox, people: People, settings: Settings, coordination: MemoryCoordination
) -> None:
    assert settings.database_url is not None
    marta = SandboxUser(sandbox, people.guild_a, people.guild_a.members[people.member.id])
    registry = PluginRegistry.discover()
    defaults = DeploymentConfig(plugins={"economy": PluginDefault(enabled=True)})
    app = create_app(settings, registry=registry, defaults=defaults, coordination=coordination)
    async with (
        sandbox_bot(sandbox, settings.database_url, plugins=["economy"], coordination=coordination),
        serving(app) as client,
    ):
        assert (await marta.slash("balance")).content != message("es", "plugin_disabled", plugin="economy")
        tokens = await login(client, people.owner)

        answer = await client.put(
            f"/api/guilds/{people.guild_a.id}/plugins/economy",
            json={"enabled": False},
            headers=bearer(tokens),
        )
        switched = time.monotonic()
        assert answer.status_code == 200
        reply = await marta.slash("balance")

        assert reply.content == message("es", "plugin_disabled", plugin="economy")
        assert reply.ephemeral
        assert time.monotonic() - switched < 1.0
