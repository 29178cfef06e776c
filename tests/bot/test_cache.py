"""What the bot keeps of Discord in memory: by default what the core and the plugins read, TATIANA_CACHE to change it.

The real bot on the sandbox through the real hikari client.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import hikari
import pytest

from tatiana.bot.cache import cache_components
from tatiana.settings import CACHE_COMPONENT_NAMES
from tatiana.testing.harness import sandbox_bot
from tatiana.testing.sandbox.server import Sandbox

DEMO = "Tatiana Dev"
Components = hikari.api.CacheComponents


async def eventually(check: Callable[[], bool], timeout: float = 5.0) -> None:
    """Wait until ``check()`` holds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


async def test_by_default_the_bot_caches_guilds_channels_members_and_roles_but_no_messages(
    sandbox: Sandbox, sqlite_url: str, probe: Any, act: Any
) -> None:
    tested = probe("probe")
    marta = act(sandbox, DEMO, "marta")
    guild = marta.guild
    async with sandbox_bot(sandbox, sqlite_url, plugins=[tested.plugin]) as bot:
        cache = bot.app.cache
        await eventually(lambda: cache.get_guild(guild.id) is not None)
        assert cache.get_guild_channel(marta.channel.id) is not None
        assert {int(m) for m in cache.get_members_view_for_guild(guild.id)} == set(guild.members)
        assert {int(r) for r in cache.get_roles_view_for_guild(guild.id)} == set(guild.roles)
        assert cache.get_me() is not None

        sent = await marta.send("hola")
        await eventually(lambda: tested.heard_in(bot.app) == ["hola"])
        assert cache.get_message(sent.id) is None
        assert not cache.settings.components & (
            Components.MESSAGES | Components.PRESENCES | Components.VOICE_STATES
        )


async def test_tatiana_cache_all_keeps_messages_too(
    sandbox: Sandbox, sqlite_url: str, probe: Any, act: Any
) -> None:
    tested = probe("probe")
    marta = act(sandbox, DEMO, "marta")
    async with sandbox_bot(sandbox, sqlite_url, plugins=[tested.plugin], cache="all") as bot:
        sent = await marta.send("hola")
        await eventually(lambda: tested.heard_in(bot.app) == ["hola"])
        cached = bot.app.cache.get_message(sent.id)
        assert cached is not None
        assert cached.content == "hola"
        # The message holds the author's cached member (a compact one), built back into a full member.
        assert cached.member is not None
        assert (cached.member.id, cached.member.username) == (marta.user.id, "marta")
        assert set(cached.member.role_ids) == {marta.guild.id}


def test_every_settable_name_is_a_hikari_cache_component() -> None:
    assert cache_components(",".join(CACHE_COMPONENT_NAMES)) == Components.ALL
    assert cache_components("none") == Components.NONE
    assert cache_components(" Members , ROLES ") == Components.MEMBERS | Components.ROLES
    with pytest.raises(ValueError, match="unknown cache components: spam"):
        cache_components("members,spam")
