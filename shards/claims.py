"""Shard claims in the database: who took each shard's lease last, for a holder cut off from Redis to check.

Redis decides who holds a shard; the claim only witnesses it. A process that takes a lease records a claim
(once per acquisition) before connecting the shard, and a holder that cannot renew its lease reads the claims
once the lease may have expired: a newer claim by another process means the shard was taken over. Each claim
raises the shard's epoch by one from the value its writer read, so a claim based on a stale read is refused
rather than hiding a newer one.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tatiana.db.models import ShardClaim

# What a call to the database raises while it is down or unreachable (asyncio.timeout's TimeoutError included).
DATABASE_ERRORS: tuple[type[BaseException], ...] = (SQLAlchemyError, OSError)

CLAIM_ATTEMPTS = 3


@dataclass(frozen=True, slots=True)
class Claim:
    """A shard's recorded claim: its owner, its epoch, and whether the owner handed the shard over since."""

    shard_id: int
    owner: str
    epoch: int
    released: bool = False

    def supersedes(self, mine: Claim) -> bool:
        """Whether this claim was recorded by another process after ``mine``."""
        return self.owner != mine.owner and self.epoch > mine.epoch


class ClaimContentionError(RuntimeError):
    """Other processes kept claiming the shard while this one tried: it should not run the shard."""


class ShardClaims:
    """The ``shard_claims`` table, read and written through ``sessions``."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def read(self, shard_ids: Collection[int]) -> dict[int, Claim]:
        """The recorded claim of each of ``shard_ids`` that has one."""
        if not shard_ids:
            return {}
        async with self._sessions() as session:
            rows = await session.scalars(select(ShardClaim).where(ShardClaim.shard_id.in_(list(shard_ids))))
            return {row.shard_id: _claim(row) for row in rows}

    async def claim(self, shard_id: int, owner: str, seen: Claim | None) -> Claim | None:
        """Record ``owner``'s claim over ``seen`` (the claim read before, None if none); None if ``seen`` is stale."""
        epoch = 1 if seen is None else seen.epoch + 1
        async with self._sessions() as session, session.begin():
            if seen is None:
                try:
                    async with session.begin_nested():
                        await session.execute(
                            insert(ShardClaim).values(shard_id=shard_id, owner=owner, epoch=epoch)
                        )
                except IntegrityError:
                    return None
            else:
                result = await session.execute(
                    update(ShardClaim)
                    .where(ShardClaim.shard_id == shard_id, ShardClaim.epoch == seen.epoch)
                    .values(owner=owner, epoch=epoch, claimed_at=func.now(), released_at=None)
                )
                if _rowcount(result) != 1:
                    return None
        return Claim(shard_id, owner, epoch)

    async def take(self, shard_id: int, owner: str) -> tuple[Claim | None, Claim]:
        """Read the shard's claim and record ``owner``'s over it; the claim it replaced and the new one.

        Raises ClaimContentionError if other claims keep landing between the read and the write.
        """
        for _ in range(CLAIM_ATTEMPTS):
            seen = (await self.read([shard_id])).get(shard_id)
            mine = await self.claim(shard_id, owner, seen)
            if mine is not None:
                return seen, mine
        raise ClaimContentionError(f"shard {shard_id} was claimed by others {CLAIM_ATTEMPTS} times meanwhile")

    async def release(self, claim: Claim) -> bool:
        """Mark ``claim`` handed over, if it is still the shard's current claim; whether it was."""
        async with self._sessions() as session, session.begin():
            result = await session.execute(
                update(ShardClaim)
                .where(
                    ShardClaim.shard_id == claim.shard_id,
                    ShardClaim.owner == claim.owner,
                    ShardClaim.epoch == claim.epoch,
                )
                .values(released_at=func.now())
            )
            return _rowcount(result) == 1


def _claim(row: ShardClaim) -> Claim:
    return Claim(row.shard_id, row.owner, row.epoch, row.released_at is not None)


def _rowcount(result: object) -> int:
    count = getattr(result, "rowcount", 0)
    return count if isinstance(count, int) else 0
