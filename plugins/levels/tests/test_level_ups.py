"""Level-ups: the announcement in each mode and with the guild's template, and role rewards given by REST."""

from __future__ import annotations

from typing import Any

import pytest

from tatiana.testing import Sandbox, SandboxUser
from tatiana.testing.sandbox.world import Guild, Message, Role


def bot_messages(sandbox: Sandbox, channel_id: int) -> list[Message]:
    return [
        m for m in sandbox.world.messages.get(channel_id, {}).values() if m.author_id == sandbox.world.bot.id
    ]


async def level_up_to_one(probe: Any, member: SandboxUser, **settings: Any) -> None:
    """Give every message exactly level 1's 100 XP and have ``member`` write one."""
    await probe.settings(xp_min=100, xp_max=100, cooldown_seconds=0, **settings)
    await member.send("¡subo!")
    await probe.until_xp(member.user.id, 100)


@pytest.mark.parametrize("language", ["es", "en"])
async def test_level_up_is_announced_in_the_same_channel(
    probe: Any, sandbox: Sandbox, member: SandboxUser, language: str
) -> None:
    await probe.language(language)
    await level_up_to_one(probe, member)
    announcement = await probe.bot_message(member.channel.id)
    expected = {
        "es": f"🎉 ¡<@{member.user.id}> ha llegado al nivel 1!",
        "en": f"🎉 <@{member.user.id}> reached level 1!",
    }
    assert announcement.content == expected[language]
    assert announcement.mentions == [member.user.id]


async def test_level_up_goes_to_the_set_channel_with_the_guilds_template(
    probe: Any, sandbox: Sandbox, guild: Guild, member: SandboxUser
) -> None:
    levels = sandbox.world.add_channel(guild, "niveles")
    template = "{name} sube al nivel {level} en {server} ({member})"
    await level_up_to_one(
        probe, member, announce="channel", announce_channel_id=levels.id, announce_template=template
    )
    announcement = await probe.bot_message(levels.id)
    assert announcement.content == f"Marta sube al nivel 1 en Tatiana Dev (<@{member.user.id}>)"
    assert bot_messages(sandbox, member.channel.id) == []


async def test_level_up_by_dm(probe: Any, sandbox: Sandbox, member: SandboxUser) -> None:
    await level_up_to_one(probe, member, announce="dm")
    dm = sandbox.world.dm_channel(member.user.id)
    announcement = await probe.bot_message(dm.id)
    assert "nivel 1" in announcement.content
    assert bot_messages(sandbox, member.channel.id) == []


async def test_a_closed_dm_is_skipped_with_a_warning(
    probe: Any, sandbox: Sandbox, member: SandboxUser, caplog: pytest.LogCaptureFixture
) -> None:
    member.user.accepts_dms = False
    await level_up_to_one(probe, member, announce="dm")
    await probe.eventually(lambda: "could not announce" in caplog.text)
    assert bot_messages(sandbox, member.channel.id) == []


async def test_no_announcement_when_off(
    probe: Any, sandbox: Sandbox, guild: Guild, member: SandboxUser
) -> None:
    await level_up_to_one(probe, member, announce="off")
    await member.send("otro")
    await probe.until_xp(member.user.id, 200)
    assert all(bot_messages(sandbox, c.id) == [] for c in guild.channels.values())


async def test_no_announcement_without_a_new_level(probe: Any, sandbox: Sandbox, member: SandboxUser) -> None:
    await probe.settings(xp_min=40, xp_max=40, cooldown_seconds=0)
    await member.send("uno")
    await probe.until_xp(member.user.id, 40)
    await member.send("dos")
    await probe.until_xp(member.user.id, 80)
    assert bot_messages(sandbox, member.channel.id) == []


def reward_roles(sandbox: Sandbox, guild: Guild) -> tuple[Role, Role]:
    world = sandbox.world
    return world.add_role(guild, "Nivel 1", position=1), world.add_role(guild, "Nivel 2", position=1)


@pytest.mark.parametrize("stack", [True, False])
async def test_role_rewards_stack_or_replace(
    probe: Any, sandbox: Sandbox, guild: Guild, member: SandboxUser, stack: bool
) -> None:
    first, second = reward_roles(sandbox, guild)
    rewards = [{"level": 1, "role_id": first.id}, {"level": 2, "role_id": second.id}]
    await level_up_to_one(probe, member, role_rewards=rewards, stack_role_rewards=stack, announce="off")
    await probe.eventually(lambda: first.id in member.member.roles)
    await member.send("más")  # 200 XP: level 1 still (level 2 needs 255)
    await member.send("y más")  # 300 XP: level 2
    await probe.eventually(lambda: second.id in member.member.roles)
    await probe.eventually(lambda: (first.id in member.member.roles) is stack)
    kinds = [(a.kind, a.data["role_id"]) for a in sandbox.world.actions if a.target_id == member.user.id]
    expected = [("role_add", first.id), ("role_add", second.id)] + (
        [] if stack else [("role_remove", first.id)]
    )
    assert kinds == expected
    reasons = {a.reason for a in sandbox.world.actions if a.target_id == member.user.id}
    assert reasons <= {"Recompensa del nivel 1", "Recompensa del nivel 2"}


async def test_a_reward_role_above_the_bots_is_skipped_with_a_warning(
    probe: Any, sandbox: Sandbox, guild: Guild, member: SandboxUser, caplog: pytest.LogCaptureFixture
) -> None:
    too_high = sandbox.world.add_role(guild, "Leyenda")  # above every role, the bot's included
    await level_up_to_one(probe, member, role_rewards=[{"level": 1, "role_id": too_high.id}])
    await probe.bot_message(member.channel.id)
    await probe.eventually(lambda: "could not give role" in caplog.text)
    assert too_high.id not in member.member.roles
