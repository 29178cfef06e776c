"""Images a member attaches, downscaled with Pillow before they are sent to the model."""

from __future__ import annotations

import asyncio
from io import BytesIO

import hikari

MAX_SIDE = 1_024
"""The longest side, in pixels, of an image sent to the model."""

MAX_BYTES = 20 * 1024 * 1024
"""Larger attachments are not read at all."""

IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/webp", "image/gif"})


class UnreadableImage(ValueError):
    """An attachment that is not an image the model can take."""


def is_image(attachment: hikari.Attachment) -> bool:
    """Whether the attachment says it is an image of a kind the model reads."""
    return (attachment.media_type or "").split(";")[0].strip() in IMAGE_TYPES


def downscale(data: bytes, max_side: int = MAX_SIDE) -> tuple[bytes, str]:
    """The image at most ``max_side`` pixels on its longest side, as PNG (with transparency) or JPEG."""
    # Pillow is imported with the first image, not with the plugin.
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(BytesIO(data)) as opened:
            image = opened.copy()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as error:
        raise UnreadableImage(str(error)) from error
    image.thumbnail((max_side, max_side))
    out = BytesIO()
    if image.mode in ("RGBA", "LA", "P"):
        image.save(out, "PNG", optimize=True)
        return out.getvalue(), "image/png"
    image.convert("RGB").save(out, "JPEG", quality=85)
    return out.getvalue(), "image/jpeg"


async def read_image(attachment: hikari.Attachment) -> tuple[bytes, str]:
    """The attachment's image, downscaled (in a thread: decoding is CPU work); UnreadableImage if it is not one."""
    if not is_image(attachment) or attachment.size > MAX_BYTES:
        raise UnreadableImage(f"{attachment.filename}: not an image the model reads")
    data = await attachment.read()
    return await asyncio.to_thread(downscale, data)
