"""XP for messages, sent by members of the demo guild through the sandbox's gateway to the real bot."""

from __future__ import annotations

import asyncio
import random
from typing import Any

from tatiana_levels.earning import message_xp, multiplier
from tatiana_levels.settings import LevelsSettings

from tatiana.bot.app import TatianaBot
from tatiana.testing import Sandbox, SandboxUser
from tatiana.testing.sandbox.driver_messages import send_message
from tatiana.testing.sandbox.world import Guild, Message


async def barrier(probe: Any, sandbox: Sandbox, guild: Guild) -> None:
    """Wait until pablo's message, sent now, earned XP: a message sent before it has been handled too."""
    pablo = SandboxUser(sandbox, guild, probe.member("pablo"))
    before = await probe.xp(pablo.user.id)
    await pablo.send("barrier")
    await probe.until_xp(pablo.user.id, before + 1)


async def test_a_message_earns_15_to_25_xp_once_per_cooldown(
    probe: Any, sandbox: Sandbox, guild: Guild, member: SandboxUser
) -> None:
    await member.send("hola")
    first = await probe.until_xp(member.user.id)
    assert 15 <= first <= 25
    await member.send("¿qué tal?")
    await member.send("¿hay alguien?")
    await barrier(probe, sandbox, guild)
    assert await probe.xp(member.user.id) == first, "the 60 s cooldown is running"


async def test_the_next_message_after_the_cooldown_earns_again(
    probe: Any, sandbox: Sandbox, guild: Guild, member: SandboxUser
) -> None:
    await probe.settings(cooldown_seconds=1, xp_min=10, xp_max=10)
    await member.send("uno")
    await probe.until_xp(member.user.id, 10)
    await member.send("dos")
    await barrier(probe, sandbox, guild)
    assert await probe.xp(member.user.id) == 10
    await asyncio.sleep(1.05)
    await member.send("tres")
    assert await probe.until_xp(member.user.id, 20) == 20


async def test_bots_and_webhooks_earn_nothing(
    probe: Any, sandbox: Sandbox, guild: Guild, member: SandboxUser
) -> None:
    await probe.settings(cooldown_seconds=0)
    world = sandbox.world
    other_bot = world.add_user("otro-bot", bot=True)
    world.add_member(guild, other_bot)
    hook = world.add_user("Captain Hook")  # a webhook's author is no bot account; its webhook_id tells
    channel = member.channel
    await send_message(sandbox, channel.id, other_bot.id, "beep")
    webhook_message = Message(
        id=world.snowflake(), channel_id=channel.id, author_id=hook.id, guild_id=guild.id, webhook_id=hook.id
    )
    world.messages[channel.id][webhook_message.id] = webhook_message
    await sandbox.gateway.dispatch_message(webhook_message)
    await barrier(probe, sandbox, guild)
    assert await probe.xp(other_bot.id) == 0
    assert await probe.xp(hook.id) == 0


async def test_excluded_channels_and_roles_earn_nothing(
    probe: Any, sandbox: Sandbox, guild: Guild, member: SandboxUser
) -> None:
    world = sandbox.world
    off_topic = world.add_channel(guild, "off-topic")
    muted = world.add_role(guild, "Sin XP", position=1)
    sofia = probe.member("sofia")
    sofia.roles.append(muted.id)
    await probe.settings(no_xp_channel_ids=[off_topic.id], no_xp_role_ids=[muted.id])
    await member.send("aquí no cuenta", channel=off_topic)
    await SandboxUser(sandbox, guild, sofia).send("yo tampoco")
    await barrier(probe, sandbox, guild)
    assert await probe.xp(member.user.id) == 0
    assert await probe.xp(sofia.user_id) == 0
    await member.send("aquí sí")
    assert 15 <= await probe.until_xp(member.user.id) <= 25, "the excluded message started no cooldown"


async def test_role_and_channel_multipliers_apply(
    probe: Any, sandbox: Sandbox, guild: Guild, member: SandboxUser
) -> None:
    world = sandbox.world
    events = world.add_channel(guild, "eventos")
    booster, vip = world.add_role(guild, "Booster", position=1), world.add_role(guild, "VIP", position=1)
    sofia = probe.member("sofia")
    sofia.roles += [booster.id, vip.id]
    await probe.settings(
        xp_min=10,
        xp_max=10,
        role_multipliers=[{"role_id": booster.id, "multiplier": 2}, {"role_id": vip.id, "multiplier": 1.5}],
        channel_multipliers=[{"channel_id": events.id, "multiplier": 1.5}],
    )
    await SandboxUser(sandbox, guild, sofia).send("¡hola!", channel=events)
    await member.send("hola", channel=events)
    await SandboxUser(sandbox, guild, probe.member("pablo")).send("hola")
    assert await probe.until_xp(sofia.user_id) == 30, "the highest role factor (2) times the channel's (1.5)"
    assert await probe.until_xp(member.user.id) == 15
    assert await probe.until_xp(probe.member("pablo").user_id) == 10


def test_message_xp_is_uniform_between_the_least_and_the_most() -> None:
    settings = LevelsSettings()
    rng = random.Random(5)
    amounts = {message_xp(settings, {1}, set(), rng) for _ in range(2000)}
    assert amounts == set(range(15, 26))
    assert multiplier(settings, {1}, {2}) == 1.0


async def test_where_levels_is_switched_off_messages_earn_nothing_and_commands_say_so(
    bot: TatianaBot, probe: Any, sandbox: Sandbox, guild: Guild, member: SandboxUser
) -> None:
    await probe.settings(xp_min=100, xp_max=100, cooldown_seconds=0)
    await bot.service.disable(guild.id, "levels")
    await member.send("¿cuenta?")
    refused = await member.slash("rank")
    assert refused.ephemeral and refused.content == "El módulo «levels» está desactivado en este servidor."
    await bot.service.enable(guild.id, "levels")
    await member.send("ahora sí")
    await probe.until_xp(member.user.id, 100)
    await barrier(probe, sandbox, guild)
    assert await probe.xp(member.user.id) == 100, "the message sent while it was off earned nothing"
