"""Members' XP: the buffered counter that collects it and the consistent read of a member's total."""

from __future__ import annotations

from tatiana import BufferedCounter, Counters, Database
from tatiana_levels.store import change_xp, member_key, stored_xp, write_xp_batch

XP = BufferedCounter("levels.xp", write=write_xp_batch)
"""XP earned by messages, keyed by ``member_key``; the bot writes it in batches, one row per member."""


async def add_xp(db: Database, counters: Counters, guild_id: int, user_id: int, amount: int) -> int:
    """Buffer ``amount`` XP for the member; returns their total XP including it."""
    key = member_key(guild_id, user_id)
    # No flush runs inside: the stored XP and the buffered XP do not overlap nor miss each other. The buffered
    # total comes from the add itself, so two messages of one member handled at once see different totals.
    async with counters.settled(XP):
        buffered = await counters.add(XP, key, amount)
        stored = await stored_xp(db, guild_id, user_id)
    return stored + buffered


async def total_xp(db: Database, counters: Counters, guild_id: int, user_id: int) -> int:
    """The member's XP: what is stored plus what is still buffered."""
    key = member_key(guild_id, user_id)
    async with counters.settled(XP):
        stored = await stored_xp(db, guild_id, user_id)
        pending = await counters.pending(XP, [key])
    return stored + pending[key]


async def change_member_xp(
    db: Database, counters: Counters, guild_id: int, user_id: int, *, set_to: int | None = None, add: int = 0
) -> int:
    """Set or change the member's stored XP after writing what is buffered; returns their new total."""
    # Flushing first means the buffer holds nothing older than this change, so it is never added on top.
    async with counters.settled(XP, flush=True):
        return await change_xp(db, guild_id, user_id, set_to=set_to, add=add)
