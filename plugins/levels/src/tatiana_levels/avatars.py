"""Avatars for rank cards: the user's picture from Discord's CDN, or a drawn placeholder."""

from __future__ import annotations

import asyncio
import io
import logging
from collections import OrderedDict

import aiohttp
import hikari
from PIL import Image, ImageDraw, UnidentifiedImageError

from tatiana_levels.names import display_name
from tatiana_levels.rank_card import AVATAR_SIZE, font

log = logging.getLogger(__name__)

FETCH_TIMEOUT = 2.0
CACHED_AVATARS = 256
PALETTE = ((88, 101, 242), (87, 242, 135), (254, 231, 92), (235, 69, 158), (237, 66, 69), (52, 152, 219))

_cache: OrderedDict[str, bytes] = OrderedDict()


def placeholder(user: hikari.User) -> Image.Image:
    """A disc in a colour chosen by the user's id, with their initial."""
    image = Image.new("RGBA", (AVATAR_SIZE, AVATAR_SIZE), (*PALETTE[int(user.id) % len(PALETTE)], 255))
    initial = (display_name(user) or "?")[:1].upper()
    ImageDraw.Draw(image).text(
        (AVATAR_SIZE / 2, AVATAR_SIZE / 2), initial, font=font(96, bold=True), fill="white", anchor="mm"
    )
    return image


async def avatar(user: hikari.User) -> Image.Image:
    """The user's own avatar (fetched once, then cached), or a placeholder without one or when unreachable."""
    url = user.make_avatar_url(file_format="PNG", size=256) if user.avatar_hash else None
    if url is None:
        return placeholder(user)
    data = _cache.get(url.url)
    if data is None:
        try:
            async with asyncio.timeout(FETCH_TIMEOUT):
                data = await url.read()
        except (TimeoutError, hikari.HikariError, aiohttp.ClientError, OSError) as exc:
            log.info("levels: no avatar for user %s (%s); drawing a placeholder", user.id, exc)
            return placeholder(user)
        _cache[url.url] = data
        while len(_cache) > CACHED_AVATARS:
            _cache.popitem(last=False)
    else:
        _cache.move_to_end(url.url)
    try:
        return Image.open(io.BytesIO(data))
    except (UnidentifiedImageError, OSError):
        return placeholder(user)
