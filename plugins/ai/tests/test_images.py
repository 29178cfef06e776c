"""Images attached by members: downscaled with Pillow, then sent to the model inline."""

from __future__ import annotations

from io import BytesIO

import pytest
from PIL import Image
from tatiana_ai.images import UnreadableImage, downscale

from tatiana.bot.app import TatianaBot
from tatiana.testing import SandboxUser
from tatiana.testing.gemini import FakeGemini
from tatiana.testing.sandbox.interactions import Attachment


def picture(size: tuple[int, int], mode: str = "RGB", fmt: str = "PNG") -> bytes:
    out = BytesIO()
    Image.new(mode, size, "red" if mode == "RGB" else (255, 0, 0, 128)).save(out, fmt)
    return out.getvalue()


def test_a_big_photo_becomes_a_jpeg_of_at_most_1024_pixels() -> None:
    data, mime = downscale(picture((3000, 2000)))
    assert mime == "image/jpeg"
    with Image.open(BytesIO(data)) as image:
        assert image.size == (1024, 683)


def test_transparency_is_kept_as_png_and_small_images_keep_their_size() -> None:
    data, mime = downscale(picture((300, 200), mode="RGBA"))
    assert mime == "image/png"
    with Image.open(BytesIO(data)) as image:
        assert (image.size, image.mode) == ((300, 200), "RGBA")


def test_what_is_not_an_image_is_refused() -> None:
    with pytest.raises(UnreadableImage):
        downscale(b"%PDF-1.7 not a picture")


async def test_ask_sends_the_attached_image_downscaled(
    bot: TatianaBot, member: SandboxUser, gemini: FakeGemini
) -> None:
    gemini.reply("A red rectangle.")
    image = Attachment("photo.png", picture((2048, 1024)), "image/png")
    reply = await member.slash("ask", prompt="What is this?", image=image)
    assert await reply.interaction.wait_for(lambda: reply.content == "A red rectangle.", 5)
    [sent] = gemini.requests
    [(mime, data)] = sent.images
    assert mime == "image/jpeg"
    with Image.open(BytesIO(data)) as seen:
        assert seen.size == (1024, 512)
    assert sent.user_text == "What is this?"


async def test_ask_refuses_an_attachment_that_is_not_an_image(
    bot: TatianaBot, member: SandboxUser, gemini: FakeGemini
) -> None:
    reply = await member.slash(
        "ask", prompt="Read this", image=Attachment("doc.pdf", b"%PDF", "application/pdf")
    )
    assert reply.ephemeral
    assert reply.content == "Ese archivo no es una imagen que pueda leer (PNG, JPEG, WebP o GIF)."
    assert gemini.requests == []


async def test_an_image_that_does_not_decode_is_said_in_the_answer(
    bot: TatianaBot, member: SandboxUser, gemini: FakeGemini
) -> None:
    broken = Attachment("broken.png", b"\x89PNG not really", "image/png")
    reply = await member.slash("ask", prompt="What is this?", image=broken)
    assert reply.content == "Ese archivo no es una imagen que pueda leer (PNG, JPEG, WebP o GIF)."
    assert gemini.requests == []
