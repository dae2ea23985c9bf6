"""Draw a rich menu image: one tile per button with its label and a hint, in a font the project ships.

The machine the bot runs on may have no CJK font at all, so the image is drawn with ``fonts/`` beside this module:
a subset of Noto Sans CJK TC Bold (SIL Open Font License, ``fonts/OFL.txt``) holding only the glyphs the menu uses.
A label with a character outside it is refused (:class:`MissingGlyph`) rather than drawn as empty boxes.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONT = Path(__file__).with_name("fonts") / "NotoSansCJKtc-Bold-subset.otf"
MAX_BYTES = 1024 * 1024  # LINE refuses rich menu images of 1 MB or more
INK, HINT_INK, LINE_COLOR = "#263238", "#546e7a", "#b0bec5"


class MissingGlyph(ValueError):
    """A label uses a character the shipped font subset does not have."""


@dataclass(frozen=True)
class Tile:
    """One button's place and words."""

    bounds: tuple[int, int, int, int]  # x, y, width, height
    label: str
    hint: str
    color: str


@lru_cache(maxsize=4)
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT), size)


def missing(text: str) -> str:
    """Return the characters of ``text`` the shipped font cannot draw (FreeType would draw its empty box)."""
    notdef = _drawn("\uffff")
    return "".join(sorted({ch for ch in text if not ch.isspace() and _drawn(ch) == notdef}))


def _drawn(ch: str) -> bytes:
    """Return the pixels of one character drawn alone."""
    image = Image.new("L", (48, 48))
    ImageDraw.Draw(image).text((4, 4), ch, font=_font(40), fill=255)
    return image.tobytes()


def render(size: tuple[int, int], tiles: Sequence[Tile]) -> bytes:
    """Return the PNG of the menu: each tile's colour, a big label and a small hint, centred; outlines between."""
    absent = missing("".join(t.label + t.hint for t in tiles))
    if absent:
        raise MissingGlyph(f"the rich menu font has no glyph for {absent!r}: add it to infra/fonts (see OFL.txt)")
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    for tile in tiles:
        x, y, w, h = tile.bounds
        draw.rectangle((x, y, x + w - 1, y + h - 1), fill=tile.color, outline=LINE_COLOR, width=6)
        label_font, hint_font = _font(min(140, int(w * 0.8) // max(1, len(tile.label)))), _font(56)
        cx, cy = x + w / 2, y + h / 2
        draw.text((cx, cy - 40), tile.label, font=label_font, fill=INK, anchor="mm")
        draw.text((cx, cy + 110), tile.hint, font=hint_font, fill=HINT_INK, anchor="mm")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    data = out.getvalue()
    if len(data) >= MAX_BYTES:
        raise ValueError(f"the rich menu image is {len(data):,} bytes; LINE takes less than 1 MB")
    return data
