"""Level-up announcements: the guild's template (or the built-in sentence) where the guild wants it."""

from __future__ import annotations

import logging

import hikari

from tatiana import Translator
from tatiana_levels.settings import Announce, LevelsSettings

log = logging.getLogger(__name__)


def announcement_text(
    settings: LevelsSettings, t: Translator, *, mention: str, name: str, level: int, server: str
) -> str:
    """The announcement, from the guild's template or the built-in sentence in the guild's language."""
    values = {"member": mention, "name": name, "level": level, "server": server}
    if settings.announce_template:
        return settings.announce_template.format(**values)
    return t("levels.announce.default", **values)


async def announce_level_up(
    rest: hikari.api.RESTClient, settings: LevelsSettings, text: str, *, channel_id: int, user_id: int
) -> None:
    """Post ``text`` where ``settings.announce`` says; a closed DM or a missing channel is logged and skipped."""
    if settings.announce is Announce.OFF:
        return
    try:
        if settings.announce is Announce.DM:
            target: hikari.SnowflakeishOr[hikari.TextableChannel] = await rest.create_dm_channel(user_id)
        elif settings.announce is Announce.CHANNEL and settings.announce_channel_id is not None:
            target = settings.announce_channel_id
        else:
            target = channel_id
        await rest.create_message(
            target, text, user_mentions=[user_id], role_mentions=False, mentions_everyone=False
        )
    except (hikari.ForbiddenError, hikari.NotFoundError) as exc:
        log.warning(
            "levels: could not announce %s's level-up (%s): %s", user_id, settings.announce, exc.message
        )
