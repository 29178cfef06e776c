"""The rank card: a PNG with the member's avatar, name, level, rank and progress to the next level."""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass
from importlib import resources

from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 934, 282
AVATAR_SIZE = 200
BACKGROUND = (35, 39, 42, 255)
PANEL = (47, 49, 54, 255)
TEXT = (255, 255, 255, 255)
MUTED = (185, 187, 190, 255)
TRACK = (72, 75, 78, 255)
ACCENT = (88, 101, 242, 255)
BAR = (270, 190, WIDTH - 44, 226)  # left, top, right, bottom
# Drawn at this many times the size and scaled down, so the round avatar's edge is smooth.
MASK_SCALE = 4


@dataclass(frozen=True, slots=True)
class RankCard:
    """What a rank card shows; the labels come in the guild's language."""

    name: str
    level: int
    rank: int
    xp_into_level: int
    xp_for_level: int
    level_label: str
    rank_label: str
    xp_label: str  # the progress, already formatted ("120 / 255 XP")
    avatar: Image.Image


@functools.lru_cache(maxsize=16)
def font(size: int, *, bold: bool = False) -> ImageFont.FreeTypeFont:
    """DejaVu Sans (shipped in the package, Bitstream Vera license) at ``size`` pixels."""
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    data = (resources.files("tatiana_levels") / "fonts" / name).read_bytes()
    return ImageFont.truetype(io.BytesIO(data), size)


@functools.lru_cache(maxsize=4)
def circle_mask(size: int) -> Image.Image:
    """An anti-aliased disc of ``size`` pixels, as an ``L`` mask."""
    big = Image.new("L", (size * MASK_SCALE, size * MASK_SCALE), 0)
    ImageDraw.Draw(big).ellipse((0, 0, size * MASK_SCALE - 1, size * MASK_SCALE - 1), fill=255)
    return big.resize((size, size), Image.Resampling.LANCZOS)


def _fit(draw: ImageDraw.ImageDraw, text: str, face: ImageFont.FreeTypeFont, width: int) -> str:
    """``text``, cut with an ellipsis to fit in ``width`` pixels."""
    if draw.textlength(text, font=face) <= width:
        return text
    while text and draw.textlength(text + "…", font=face) > width:
        text = text[:-1]
    return text + "…"


def render_rank_card(card: RankCard) -> bytes:
    """The card as PNG bytes, ``WIDTH`` × ``HEIGHT`` pixels."""
    image = Image.new("RGBA", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((16, 16, WIDTH - 16, HEIGHT - 16), radius=24, fill=PANEL)

    avatar = card.avatar.convert("RGBA").resize((AVATAR_SIZE, AVATAR_SIZE), Image.Resampling.BILINEAR)
    top = (HEIGHT - AVATAR_SIZE) // 2
    image.paste(avatar, (40, top), circle_mask(AVATAR_SIZE))

    # Rank and level, right-aligned on the top line: "RANK #3   LEVEL 12".
    x = float(WIDTH - 44)
    for label, value in ((card.level_label, str(card.level)), (card.rank_label, f"#{card.rank}")):
        big, small = font(52, bold=True), font(22)
        x -= draw.textlength(value, font=big)
        draw.text((x, 40), value, font=big, fill=ACCENT if label == card.level_label else TEXT)
        x -= draw.textlength(label, font=small) + 8
        draw.text((x, 64), label, font=small, fill=MUTED)
        x -= 28

    name_font = font(40, bold=True)
    draw.text((BAR[0], 112), _fit(draw, card.name, name_font, BAR[2] - BAR[0]), font=name_font, fill=TEXT)
    progress = font(22)
    draw.text((BAR[2], 160), card.xp_label, font=progress, fill=MUTED, anchor="ra")

    left, bar_top, right, bottom = BAR
    radius = (bottom - bar_top) // 2
    draw.rounded_rectangle(BAR, radius=radius, fill=TRACK)
    share = min(1.0, card.xp_into_level / card.xp_for_level) if card.xp_for_level else 0.0
    filled = left + round((right - left) * share)
    if filled - left >= 2 * radius:
        draw.rounded_rectangle((left, bar_top, filled, bottom), radius=radius, fill=ACCENT)

    out = io.BytesIO()
    # Level 1 compression: a few kilobytes more and several milliseconds less per card.
    image.save(out, format="PNG", compress_level=1)
    return out.getvalue()
