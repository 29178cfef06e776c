"""A user of the sandbox writing messages: stored in the world and dispatched as MESSAGE_CREATE."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tatiana.testing.sandbox import gateway_payloads as payloads
from tatiana.testing.sandbox.world import Message

if TYPE_CHECKING:
    from tatiana.testing.sandbox.server import Sandbox


async def send_message(
    sandbox: Sandbox,
    channel_id: int,
    author_id: int,
    content: str,
    *,
    embeds: list[dict[str, Any]] | None = None,
    attachments: list[dict[str, Any]] | None = None,
    components: list[dict[str, Any]] | None = None,
    mentions: list[int] | None = None,
    flags: int = 0,
) -> Message:
    """``author_id`` writes ``content`` in ``channel_id``: the message is stored and MESSAGE_CREATE dispatched.

    Mentions default to the ``<@id>`` found in ``content``. A guild channel needs the author to be a member
    of its guild; a DM channel needs the author to be its recipient or the bot.
    """
    world = sandbox.world
    channel = world.channels.get(channel_id)
    if channel is None:
        raise KeyError(f"no channel {channel_id}")
    if author_id not in world.users:
        raise KeyError(f"no user {author_id}")
    if channel.guild_id is not None:
        if author_id not in world.guilds[channel.guild_id].members:
            raise ValueError(f"user {author_id} is not a member of guild {channel.guild_id}")
    elif author_id not in channel.recipients and author_id != world.bot.id:
        raise ValueError(f"user {author_id} is not in DM channel {channel_id}")
    message = Message(
        id=world.snowflake(),
        channel_id=channel_id,
        author_id=author_id,
        content=content,
        guild_id=channel.guild_id,
        embeds=list(embeds or []),
        attachments=list(attachments or []),
        components=list(components or []),
        flags=flags,
        mentions=list(mentions) if mentions is not None else payloads.mentioned_user_ids(content, world),
    )
    world.messages.setdefault(channel_id, {})[message.id] = message
    channel.last_message_id = message.id
    await sandbox.gateway.dispatch_message(message)
    return message
