"""What the bot keeps of Discord in memory, and how: the hikari cache components ``TATIANA_CACHE`` names, members
kept compactly."""

from __future__ import annotations

import copy
import datetime
from typing import Any, TypeVar, cast

import hikari
from hikari import guilds
from hikari.impl import CacheSettings
from hikari.impl.cache import CacheImpl
from hikari.internal import cache as cache_utility
from hikari.internal import collections as hikari_collections

from tatiana.settings import CACHE_COMPONENT_NAMES, DEFAULT_CACHE


def cache_components(spec: str = DEFAULT_CACHE) -> hikari.api.CacheComponents:
    """The components a ``TATIANA_CACHE`` value names: comma-separated names, ``all`` or ``none``."""
    names = {name.strip().lower() for name in spec.split(",") if name.strip()}
    if "all" in names:
        return hikari.api.CacheComponents.ALL
    unknown = names - CACHE_COMPONENT_NAMES - {"none"}
    if unknown:
        raise ValueError(f"unknown cache components: {', '.join(sorted(unknown))}")
    components = hikari.api.CacheComponents.NONE
    for name in names - {"none"}:
        components |= hikari.api.CacheComponents[name.upper()]
    return components


def cache_settings(spec: str = DEFAULT_CACHE) -> CacheSettings:
    """hikari's cache settings for a ``TATIANA_CACHE`` value (all members, not only the bot's own)."""
    return CacheSettings(components=cache_components(spec))


class CompactMember(cache_utility.BaseData[guilds.Member]):
    """A cached member in 8 slots where hikari uses a reference cell and a record of 16, sharing what members have
    in common.

    It is its own reference cell (``object`` is itself, ``ref_count`` counts the voice states and messages that hold
    it), the fields Discord rarely sets (guild avatar and banner, boost date, timeout, voice flags, member flags)
    are one tuple, and that tuple and the role ids are interned: most members of a guild hold the same ones. About
    200 bytes less a member than hikari's ``RefCell(MemberData)``.
    """

    __slots__ = (
        "guild_id",
        "has_been_deleted",
        "joined_at",
        "nickname",
        "rare",
        "ref_count",
        "role_ids",
        "user",
    )

    def __init__(
        self,
        *,
        user: cache_utility.RefCell[hikari.User],
        guild_id: hikari.Snowflake,
        nickname: str | None,
        role_ids: tuple[hikari.Snowflake, ...],
        joined_at: datetime.datetime | None,
        rare: tuple[Any, ...],
    ) -> None:
        self.user = user
        self.guild_id = guild_id
        self.nickname = nickname
        self.role_ids = role_ids
        self.joined_at = joined_at
        self.rare = rare
        self.has_been_deleted = False
        self.ref_count = 0

    @property
    def object(self) -> CompactMember:
        """The member's data: itself (hikari reads ``cell.object``)."""
        return self

    @object.setter
    def object(self, other: CompactMember) -> None:
        # hikari replaces a cell's data when the member changes; the cell, and so its ref_count, stays.
        self.user, self.guild_id, self.nickname = other.user, other.guild_id, other.nickname
        self.role_ids, self.joined_at, self.rare = other.role_ids, other.joined_at, other.rare
        self.has_been_deleted = other.has_been_deleted

    def copy(self) -> CompactMember:
        """A shallow copy (``RefCell.copy``)."""
        return copy.copy(self)

    @classmethod
    def build_from_entity(
        cls, member: guilds.Member, /, *, user: cache_utility.RefCell[hikari.User] | None = None
    ) -> CompactMember:
        """The cached form of ``member`` (its user already cached in ``user``, else copied)."""
        rare = (
            member.guild_avatar_decoration,
            member.guild_avatar_hash,
            member.guild_banner_hash,
            member.premium_since,
            member.is_deaf,
            member.is_mute,
            member.is_pending,
            member.raw_communication_disabled_until,
            member.guild_flags,
        )
        return cls(
            user=user or cache_utility.RefCell(copy.copy(member.user)),
            guild_id=member.guild_id,
            nickname=member.nickname,
            role_ids=_interned(tuple(member.role_ids)),
            joined_at=member.joined_at,
            rare=_interned(rare),
        )

    def build_entity(self, _: hikari.RESTAware, /) -> guilds.Member:
        """The member, as ``hikari.internal.cache.MemberData.build_entity`` makes it."""
        decoration, avatar, banner, premium_since, deaf, mute, pending, timeout, flags = self.rare
        return guilds.Member(
            guild_id=self.guild_id,
            nickname=self.nickname,
            role_ids=self.role_ids,
            joined_at=self.joined_at,
            guild_avatar_decoration=decoration,
            guild_avatar_hash=avatar,
            guild_banner_hash=banner,
            premium_since=premium_since,
            is_deaf=deaf,
            is_mute=mute,
            is_pending=pending,
            raw_communication_disabled_until=timeout,
            user=self.user.copy(),
            guild_flags=flags,
        )


_INTERNED: dict[tuple[Any, ...], tuple[Any, ...]] = {}
MAX_INTERNED = 100_000
"""Distinct tuples kept for sharing; past that the table starts again (members keep the tuples they hold)."""

_T = TypeVar("_T", bound=tuple[Any, ...])


def _interned(value: _T) -> _T:
    try:
        shared = _INTERNED.get(value)
    except TypeError:  # an unhashable field (a future hikari type): not shared
        return value
    if shared is not None:
        return cast("_T", shared)
    if len(_INTERNED) >= MAX_INTERNED:
        _INTERNED.clear()
    _INTERNED[value] = value
    return value


class CompactMembersCache(CacheImpl):
    """hikari's cache, keeping members as ``CompactMember``; the rest is hikari's own."""

    __slots__ = ()

    def _set_member(
        self, member: guilds.Member, /, *, is_reference: bool = True
    ) -> cache_utility.RefCell[cache_utility.MemberData]:
        # hikari 2.6's CacheImpl._set_member, with one CompactMember for its RefCell(MemberData).
        guild_record = self._get_or_create_guild_record(member.guild_id)
        data = CompactMember.build_from_entity(member, user=self._set_user(member.user))
        if guild_record.members is None:
            guild_record.members = hikari_collections.FreezableDict()
        cached = cast("CompactMember | None", guild_record.members.get(member.id))
        if cached is None:
            self._increment_ref_count(data.user)
            data.has_been_deleted = is_reference
            guild_record.members[member.id] = cast("cache_utility.RefCell[cache_utility.MemberData]", data)
            return guild_record.members[member.id]
        data.has_been_deleted = cached.has_been_deleted if is_reference else False
        cached.object = data
        return cast("cache_utility.RefCell[cache_utility.MemberData]", cached)


def compact_members(app: hikari.GatewayBot) -> None:
    """Make ``app``'s cache keep members as ``CompactMember``.

    hikari builds its ``CacheImpl`` inside ``GatewayBot.__init__`` and hands it to its event manager and REST
    client; the cache object stays the same, only its class becomes the subclass (no slot added).
    """
    cache = app.cache
    # The override follows hikari 2.6's private cache layout (lightbulb 3.2 pins hikari ~=2.6.0).
    if type(cache) is CacheImpl and hikari.__version__.startswith("2.6."):
        cache.__class__ = CompactMembersCache
