"""The bot's cache keeps members compactly, and answers exactly as hikari's own cache does.

Differential tests run the same operations on hikari's cache and on Tatiana's, fed by the real hikari entity
factory from the sandbox's payloads; the end-to-end ones watch the real bot's cache follow the gateway.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import hikari

from tatiana.bot.cache import CompactMember, CompactMembersCache, cache_settings, compact_members
from tatiana.testing.harness import sandbox_bot
from tatiana.testing.sandbox import serialize
from tatiana.testing.sandbox.server import Sandbox
from tatiana.testing.sandbox.world import World

DEMO = "Tatiana Dev"
FIELDS = (
    "guild_id",
    "nickname",
    "role_ids",
    "joined_at",
    "guild_avatar_decoration",
    "guild_avatar_hash",
    "guild_banner_hash",
    "premium_since",
    "is_deaf",
    "is_mute",
    "is_pending",
    "raw_communication_disabled_until",
    "guild_flags",
)


async def eventually(check: Callable[[], bool], timeout: float = 5.0) -> None:
    """Wait until ``check()`` holds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


def shape(member: hikari.Member | None) -> tuple[Any, ...] | None:
    """Everything a cached member says, comparable."""
    if member is None:
        return None
    user = member.user
    return (*(getattr(member, f) for f in FIELDS), user.id, user.username, user.global_name, user.is_bot)


def shapes(view: Any) -> dict[int, tuple[Any, ...] | None]:
    """A members view as comparable shapes, by user id."""
    return {int(user_id): shape(member) for user_id, member in view.items()}


def members_of(world: World, app: hikari.GatewayBot, name: str) -> list[hikari.Member]:
    """The members of guild ``name`` as hikari reads them from GUILD_CREATE."""
    guild = next(g for g in world.guilds.values() if g.name == name)
    return [
        app.entity_factory.deserialize_member(serialize.member(world, m), guild_id=hikari.Snowflake(guild.id))
        for m in guild.members.values()
    ]


def test_the_compact_cache_answers_every_member_question_as_hikaris_cache(sandbox: Sandbox) -> None:
    world = sandbox.world
    plain = hikari.GatewayBot(sandbox.token, banner=None, cache_settings=cache_settings())
    ours = hikari.GatewayBot(sandbox.token, banner=None, cache_settings=cache_settings())
    compact_members(ours)
    assert type(ours.cache) is CompactMembersCache
    assert type(plain.cache) is not CompactMembersCache
    members = members_of(world, plain, DEMO)
    guild_id = members[0].guild_id
    marta = next(m for m in members if m.username == "marta")
    luis = next(m for m in members if m.username == "luis")

    def both(operation: Callable[[Any], Any]) -> None:
        assert repr(operation(plain.cache)) == repr(operation(ours.cache))

    for member in members:
        plain.cache.set_member(member)
        ours.cache.set_member(member)
    assert shapes(ours.cache.get_members_view_for_guild(guild_id)) == shapes(
        plain.cache.get_members_view_for_guild(guild_id)
    )
    assert shape(ours.cache.get_member(guild_id, marta.id)) == shape(
        plain.cache.get_member(guild_id, marta.id)
    )

    # A member whose nickname and roles change, as GUILD_MEMBER_UPDATE says.
    payload = serialize.member(world, world.guilds[int(guild_id)].members[int(marta.id)])
    payload |= {"nick": "Marti", "roles": [str(r) for r in luis.role_ids if r != guild_id]}
    changed = plain.entity_factory.deserialize_member(payload, guild_id=guild_id)
    old_plain, new_plain = plain.cache.update_member(changed)
    old_ours, new_ours = ours.cache.update_member(changed)
    assert (shape(old_ours), shape(new_ours)) == (shape(old_plain), shape(new_plain))
    assert new_ours is not None
    assert new_ours.nickname == "Marti"
    assert set(new_ours.role_ids) == set(luis.role_ids)

    # Members with the same roles share one tuple.
    cached = ours.cache._guild_entries[guild_id].members
    assert cached is not None
    assert isinstance(cached[marta.id], CompactMember)
    assert cached[marta.id].object.role_ids is cached[luis.id].object.role_ids

    # Marta is also in a second guild: leaving the first one must keep her user cached.
    second = next(g for g in world.guilds.values() if g.name == "Segundo")
    elsewhere = plain.entity_factory.deserialize_member(payload, guild_id=hikari.Snowflake(second.id))
    plain.cache.set_member(elsewhere)
    ours.cache.set_member(elsewhere)
    assert shape(ours.cache.delete_member(guild_id, marta.id)) == shape(
        plain.cache.delete_member(guild_id, marta.id)
    )
    assert ours.cache.get_user(marta.id) is not None
    assert ours.cache.get_member(guild_id, marta.id) is None
    assert shapes(ours.cache.get_members_view()[guild_id]) == shapes(plain.cache.get_members_view()[guild_id])
    both(lambda cache: sorted(int(u) for u in cache.get_users_view()))
    assert shapes(ours.cache.clear_members_for_guild(guild_id)) == shapes(
        plain.cache.clear_members_for_guild(guild_id)
    )
    both(lambda cache: (len(cache.get_members_view()), sorted(int(u) for u in cache.get_users_view())))


async def test_the_bots_cache_follows_member_updates_and_removals(
    sandbox: Sandbox, sqlite_url: str, probe: Any, act: Any
) -> None:
    marta, luis, pablo = (act(sandbox, DEMO, name) for name in ("marta", "luis", "pablo"))
    guild_id = marta.guild.id
    [moderator] = luis.member.roles
    async with sandbox_bot(sandbox, sqlite_url, plugins=[probe("probe").plugin]) as bot:
        cache = bot.app.cache
        assert type(cache) is CompactMembersCache
        await eventually(lambda: cache.get_member(guild_id, marta.user.id) is not None)
        before = cache.get_member(guild_id, marta.user.id)
        assert before is not None
        assert before.username == "marta"
        assert set(before.role_ids) == {guild_id}

        await bot.app.rest.add_role_to_member(guild_id, marta.user.id, moderator)
        await eventually(lambda: moderator in (cache.get_member(guild_id, marta.user.id) or before).role_ids)
        cached = cache._guild_entries[hikari.Snowflake(guild_id)].members
        assert cached is not None
        assert cached[hikari.Snowflake(marta.user.id)].object.role_ids is (
            cached[hikari.Snowflake(luis.user.id)].object.role_ids
        )

        await bot.app.rest.kick_user(guild_id, pablo.user.id)
        await eventually(lambda: cache.get_member(guild_id, pablo.user.id) is None)
        assert {int(m) for m in cache.get_members_view_for_guild(guild_id)} == set(marta.guild.members)
