"""Field types for plugin settings models, rendered sensibly by the dashboard."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, PlainSerializer, WithJsonSchema

# Snowflakes exceed JavaScript's safe integers: the dashboard reads and writes them as strings.
_SNOWFLAKE = (Field(ge=1, lt=1 << 64), PlainSerializer(str, return_type=str, when_used="json"))

ChannelId = Annotated[
    int,
    *_SNOWFLAKE,
    WithJsonSchema({"type": "string", "pattern": "^[1-9][0-9]{0,19}$", "format": "discord-channel-id"}),
]
"""A Discord channel id: an int in Python, a string of digits in JSON (the dashboard offers a channel picker)."""

RoleId = Annotated[
    int,
    *_SNOWFLAKE,
    WithJsonSchema({"type": "string", "pattern": "^[1-9][0-9]{0,19}$", "format": "discord-role-id"}),
]
"""A Discord role id: an int in Python, a string of digits in JSON (the dashboard offers a role picker)."""
