"""How members are named on cards, leaderboards and announcements."""

from __future__ import annotations

import hikari


def display_name(user: hikari.User) -> str:
    """The name shown in the server: nickname, else global name, else username."""
    if isinstance(user, hikari.Member):
        return user.nickname or user.user.global_name or user.user.username
    return user.global_name or user.username
