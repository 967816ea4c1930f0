"""The site's brand on its pages: colours from the theme (kept readable), a copy of the logo, icons.

One Brand is made per process from the settings (and the logo's bytes). Its files are site-wide
and content-addressed under brand/, so a theme change publishes new names and never changes what
an already-published page points at.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import lru_cache

from PIL import Image, ImageDraw

from newscard.models.settings import Theme
from newscard.rendering import fonts, images
from newscard.rendering.cards import WCAG_MIN_CONTRAST, contrast_ratio, hex_luminance

PAPER = "#ffffff"
# The header logo is drawn 40 CSS px tall; the copy is twice that for sharp high-density screens.
LOGO_HEIGHT = 80
LOGO_MAX_WIDTH = 480
ICON_SIZE = 64  # the favicon: browsers scale it down for tabs, up for bookmarks
TOUCH_ICON_SIZE = 180  # Apple's home-screen icon size


@dataclass(frozen=True)
class BrandImage:
    """One brand file: its key in the site bucket (relative to the site root) and its bytes."""

    key: str
    data: bytes = field(repr=False)
    width: int
    height: int
    content_type: str = "image/png"


@dataclass(frozen=True)
class Palette:
    """The page colours: the theme's, adjusted only where text would fall below WCAG AA (4.5:1)."""

    accent: str  # links and kickers on the white page
    rule: str  # the theme accent as it is, for borders and rules (decoration needs no contrast)
    band: str  # the masthead's background (the theme background)
    band_text: str  # the masthead's text (the theme text, or black/white where that is unreadable)
    font: str  # "sans" or "serif": the headline family


@dataclass(frozen=True)
class Brand:
    site_name: str
    palette: Palette
    icon: BrandImage
    touch_icon: BrandImage
    logo: BrandImage | None = None

    @property
    def files(self) -> list[BrandImage]:
        return [f for f in (self.logo, self.icon, self.touch_icon) if f is not None]


def _rgb(colour: str) -> tuple[int, int, int]:
    return (int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16))


def _hex(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def readable_on(background: str, colour: str) -> str:
    """colour, darkened step by step toward black until it reaches 4.5:1 on background."""
    red, green, blue = _rgb(colour)
    behind = hex_luminance(background)
    for step in range(21):
        keep = 1 - step / 20
        candidate = _hex((round(red * keep), round(green * keep), round(blue * keep)))
        if contrast_ratio(hex_luminance(candidate), behind) >= WCAG_MIN_CONTRAST:
            return candidate
    return "#000000"


def text_on(background: str, preferred: str) -> str:
    """The preferred text colour if it reads at 4.5:1 on background, else white or near-black."""
    behind = hex_luminance(background)
    if contrast_ratio(hex_luminance(preferred), behind) >= WCAG_MIN_CONTRAST:
        return preferred
    return max(("#ffffff", "#111111"), key=lambda ink: contrast_ratio(hex_luminance(ink), behind))


def palette(theme: Theme) -> Palette:
    return Palette(
        accent=readable_on(PAPER, theme.accent),
        rule=theme.accent.lower(),
        band=theme.background.lower(),
        band_text=text_on(theme.background, theme.text).lower(),
        font=theme.font,
    )


def _png(image: Image.Image, name: str) -> BrandImage:
    data = images.encode_png(image)
    digest = hashlib.sha256(data).hexdigest()[:16]
    return BrandImage(f"brand/{name}-{digest}.png", data, image.width, image.height)


def _fit(logo: Image.Image, box: tuple[int, int]) -> Image.Image:
    scale = min(box[0] / logo.width, box[1] / logo.height, 1.0)
    size = (max(1, round(logo.width * scale)), max(1, round(logo.height * scale)))
    return logo.resize(size, Image.Resampling.LANCZOS)


def _initial(site_name: str) -> str | None:
    return next((ch.upper() for ch in site_name if ch.isalnum()), None)


def _icon(size: int, theme: Theme, site_name: str, logo: Image.Image | None) -> Image.Image:
    """The logo centred on the theme background; without one, the site's initial on the accent."""
    if logo is not None:
        canvas = Image.new("RGBA", (size, size), (*_rgb(theme.background), 255))
        inner = _fit(logo, (round(size * 0.84), round(size * 0.84)))
        canvas.alpha_composite(inner, ((size - inner.width) // 2, (size - inner.height) // 2))
        return canvas.convert("RGB")
    canvas = Image.new("RGB", (size, size), _rgb(theme.accent))
    initial = _initial(site_name)
    face = next(
        (f for f in fonts.font_chain("en") if initial and not f.emoji and fonts.covers(f, ord(initial))), None
    )
    if initial and face is not None:
        draw = ImageDraw.Draw(canvas)
        ink = text_on(theme.accent, theme.text)
        font = fonts.load_font(face, round(size * 0.62))
        draw.text((size / 2, size / 2), initial, font=font, fill=ink, anchor="mm")
    return canvas


def make_brand(site_name: str, theme: Theme, logo_bytes: bytes | None) -> Brand:
    """The brand for pages from the theme and, when there is one, the logo's bytes."""
    logo = images.decode(logo_bytes, keep_alpha=True) if logo_bytes else None
    header_logo = _png(_fit(logo, (LOGO_MAX_WIDTH, LOGO_HEIGHT)), "logo") if logo is not None else None
    return Brand(
        site_name=site_name,
        palette=palette(theme),
        icon=_png(_icon(ICON_SIZE, theme, site_name, logo), "icon"),
        touch_icon=_png(_icon(TOUCH_ICON_SIZE, theme, site_name, logo), "touch-icon"),
        logo=header_logo,
    )


@lru_cache(maxsize=8)
def default_brand(site_name: str) -> Brand:
    """The default theme without a logo: for renders that were given no brand (tests, tools)."""
    return make_brand(site_name, Theme(), None)
