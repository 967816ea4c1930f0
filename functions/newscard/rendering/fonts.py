"""The bundled fonts and the layout engine; rendering never reads system fonts."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from PIL import ImageFont, features

FONT_DIR = Path(__file__).parent / "fonts"
HEADLINE_FONT = FONT_DIR / "NotoSans-Bold.ttf"
LABEL_FONT = FONT_DIR / "NotoSans-Bold.ttf"
SITE_FONT = FONT_DIR / "NotoSans-Regular.ttf"


def layout_engine() -> ImageFont.Layout:
    """Raqm when libraqm and FriBiDi load (shaping, bidi), else basic layout."""
    return ImageFont.Layout.RAQM if features.check("raqm") else ImageFont.Layout.BASIC


@lru_cache(maxsize=256)
def load_font(path: Path, size: int) -> ImageFont.FreeTypeFont:
    """A font at a pixel size, cached: cards ask for the same few sizes again and again."""
    return ImageFont.truetype(str(path), size, layout_engine=layout_engine())
