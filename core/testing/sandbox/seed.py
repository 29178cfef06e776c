"""Ready-made worlds: a small demo server for people, and thousands of guilds for benchmarks."""

from __future__ import annotations

from tatiana.testing.sandbox.world import Guild, Perm, World


def seed_demo(world: World) -> Guild:
    """One guild, "Tatiana Dev", with an owner, a moderator, a few members and the usual channels."""
    owner = world.add_user("ana", global_name="Ana")
    guild = world.add_guild("Tatiana Dev", owner=owner)
    world.add_channel(guild, "bot-commands")
    world.add_channel(guild, "mod-log")
    moderator = world.add_role(
        guild,
        "Moderador",
        permissions=Perm.KICK_MEMBERS | Perm.BAN_MEMBERS | Perm.MODERATE_MEMBERS | Perm.MANAGE_MESSAGES,
        position=1,
    )
    bot_role = next(r for r in guild.roles.values() if r.managed)
    bot_role.position = 2
    world.add_member(guild, world.add_user("luis", global_name="Luis"), roles=[moderator])
    for name in ("marta", "pablo", "sofia"):
        world.add_member(guild, world.add_user(name, global_name=name.capitalize()))
    return guild


def seed_many(world: World, guilds: int, members_per_guild: int) -> list[Guild]:
    """``guilds`` guilds of ``members_per_guild`` members each (owner and bot included), for load tests."""
    made: list[Guild] = []
    for number in range(guilds):
        guild = world.add_guild(f"Guild {number}")
        for member in range(max(0, members_per_guild - 2)):
            world.add_member(guild, world.add_user(f"g{number}m{member}"))
        made.append(guild)
    return made
