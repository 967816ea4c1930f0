"""Share cards: headline typeset over the hero image, one function per concern, bytes out."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

from PIL import Image, ImageChops, ImageDraw

from newscard.models.settings import Theme
from newscard.rendering import images, pixels
from newscard.rendering.fonts import Face, load_font
from newscard.rendering.subject import Subject, given
from newscard.rendering.text import (
    Line,
    Run,
    TextBlock,
    dictionary_breaks,
    emoji_factor,
    run_width,
    runs,
    text_width,
)

if TYPE_CHECKING:
    from newscard.rendering.layouts import LayoutName

OG_MAX_BYTES = 300 * 1024  # WhatsApp drops larger link previews
WCAG_MIN_CONTRAST = 4.5
# Aim a little above the WCAG floor so JPEG ringing cannot pull a card under it.
_TARGET_CONTRAST = 5.0
# A scrim even on dark photos: the gradient reads as part of the design, not as a patch.
_PHOTO_MIN_SCRIM = 0.35
# The patch under the text block eases out over this share of the card's shorter side.
_FEATHER_SHARE = 0.1


@dataclass(frozen=True)
class Preset:
    name: str
    width: int
    height: int
    padding: int
    max_lines: int
    max_size: int
    min_size: int
    # The share of the card's height the headline may take.
    headline_share: float
    label_scale: float = 1.0
    # Story viewers overlay UI at the top and bottom; keep text out of those bands.
    safe_bottom: int = 0
    safe_top: int = 0


# max_lines is generous: the box height limits short headlines to a few large lines anyway, and a
# 300-character headline (the article limit) must still fit at the smallest size without an ellipsis.
PRESETS: dict[str, Preset] = {
    "og": Preset("og", 1200, 630, 56, 5, 88, 30, 0.56),
    "square": Preset("square", 1080, 1080, 72, 8, 104, 40, 0.5, label_scale=1.3),
    # The story's headline may take most of the card below the faces: a phone shows it full screen.
    "story": Preset(
        "story", 1080, 1920, 84, 14, 140, 48, 0.62, label_scale=1.6, safe_bottom=200, safe_top=140
    ),
}


@dataclass(frozen=True)
class CardText:
    headline: str
    kicker: str
    site_name: str
    direction: Literal["ltr", "rtl"] = "ltr"
    language: str = "en"
    # The opinion layout's byline, and the photographer's credit (drawn when the theme asks).
    author: str | None = None
    credit: str | None = None


@dataclass(frozen=True)
class RenderedCard:
    preset: str
    data: bytes
    content_type: str
    extension: str
    width: int
    height: int
    contrast: float
    headline: TextBlock
    # Where the headline was drawn (left, top, right, bottom), for checks on the pixels.
    headline_box: tuple[int, int, int, int] = (0, 0, 0, 0)
    layout: str = "overlay"
    # Where the photo is drawn on the card, and the region of the photo it shows (photo pixels).
    photo_area: tuple[int, int, int, int] | None = None
    photo_crop: tuple[float, float, float, float] | None = None


def render_card(
    text: CardText,
    *,
    preset: Preset,
    theme: Theme,
    photo: Image.Image | images.Photo | None = None,
    focal: tuple[float, float] = (0.5, 0.5),
    logo: Image.Image | None = None,
    subject: Subject | None = None,
    layout: LayoutName = "overlay",
    headshot: Image.Image | None = None,
) -> RenderedCard:
    """Render one preset; photo cards are JPEG, flat branded cards PNG. Same input, same bytes.

    subject (faces, focus) decides the crop and where the text goes; without one, focal does.
    """
    # layouts builds on this module's drawing and contrast helpers, so it is imported here.
    from newscard.rendering.layouts import compose

    composed = compose(
        text,
        preset=preset,
        theme=theme,
        photo=images.as_photo(photo) if photo is not None else None,
        subject=subject if subject is not None else given(focal),
        layout=layout,
        logo=logo,
        headshot=headshot,
    )
    max_bytes = OG_MAX_BYTES if preset.name == "og" else None
    data, content_type, extension = _encode(
        composed.canvas, photographic=composed.photographic, max_bytes=max_bytes
    )
    return RenderedCard(
        preset.name,
        data,
        content_type,
        extension,
        preset.width,
        preset.height,
        composed.contrast,
        composed.headline,
        composed.headline_box,
        composed.layout,
        composed.photo_area,
        composed.photo_crop,
    )


def _encode(canvas: Image.Image, *, photographic: bool, max_bytes: int | None) -> tuple[bytes, str, str]:
    """JPEG for photos; PNG (exact, crisp edges) for flat artwork unless it would bust the budget."""
    if not photographic:
        png = images.encode_png(canvas)
        if max_bytes is None or len(png) <= max_bytes:
            return png, "image/png", "png"
    # Plain Huffman tables: the card is encoded once per publish, on the critical path (images.py).
    return images.encode_jpeg(canvas, max_bytes=max_bytes, optimize=False), "image/jpeg", "jpg"


def _capitals(text: str, language: str) -> str:
    """Upper case for the kicker; Greek drops its accents in capitals, as Greek typesetting does."""
    upper = text.upper()
    if language.lower().split("-")[0] == "el":
        decomposed = unicodedata.normalize("NFD", upper)
        upper = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in "\u0301\u0342"))
    return upper


def _branded_background(size: tuple[int, int], theme: Theme) -> Image.Image:
    """The brand colour warming towards the accent in one corner: reads as designed, compresses as PNG."""
    _width, _height = size
    down = Image.linear_gradient("L").resize(size)
    across = Image.linear_gradient("L").rotate(90).transpose(Image.Transpose.FLIP_LEFT_RIGHT).resize(size)
    diagonal = ImageChops.add(down, across, scale=2.0)
    base = Image.new("RGB", size, theme.background)
    accent = Image.new("RGB", size, theme.accent)
    # Eased so the glow stays in the corner and the text area keeps the brand colour.
    return Image.composite(accent, base, diagonal.point(lambda v: round(70 * (v / 255) ** 3)))


# --- contrast -----------------------------------------------------------------------------------


def relative_luminance_range(image: Image.Image, box: tuple[int, int, int, int]) -> tuple[float, float]:
    """WCAG relative luminance (0..1) of the darkest and the brightest pixel in box."""
    return pixels.luminance_range(image, box)


def relative_luminance_max(image: Image.Image, box: tuple[int, int, int, int]) -> float:
    """WCAG relative luminance of the brightest pixel in box (0..1)."""
    return relative_luminance_range(image, box)[1]


contrast_ratio = pixels.contrast_ratio


def hex_luminance(colour: str) -> float:
    """WCAG relative luminance of a #rrggbb colour."""
    r, g, b = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return (
        0.2126 * pixels.srgb_to_linear(r)
        + 0.7152 * pixels.srgb_to_linear(g)
        + 0.0722 * pixels.srgb_to_linear(b)
    )


def _worst_contrast(image: Image.Image, box: tuple[int, int, int, int], text_luminance: float) -> float:
    darkest, brightest = relative_luminance_range(image, box)
    worst = brightest if text_luminance > 0.5 else darkest
    return contrast_ratio(text_luminance, worst)


def _apply_scrim(
    canvas: Image.Image,
    scrim_top: int,
    text_box: tuple[int, int, int, int],
    theme: Theme,
    minimum: float,
    *,
    upward: bool = False,
) -> float:
    """Shade under the text just enough for it to reach the target contrast; return the contrast.

    A light full-width ramp from scrim_top to the top of the text (strength `minimum`, the
    design's gradient; with upward, from scrim_top below the text up to the card's top edge) plus,
    when the photo needs more, a feathered patch confined to text_box:
    a bright photo keeps its colour outside the text block instead of turning into a grey slab.
    The strength comes in closed form from one measurement of the unshaded pixels behind the
    text (rendering/pixels.py), and the contrast returned is a proven lower bound of the contrast
    against every shaded pixel behind the text (tests measure the rendered card against it).
    """
    text_luminance = hex_luminance(theme.text)
    block = (
        max(0, text_box[0]),
        max(0, text_box[1]),
        min(canvas.width, text_box[2]),
        min(canvas.height, text_box[3]),
    )
    if text_luminance > 0.5:
        colour = (0, 0, 0)
        _, brightest = pixels.luminance_range(canvas, block)
        alpha = max(minimum, pixels.darkening_for(brightest, text_luminance, _TARGET_CONTRAST))
        contrast = contrast_ratio(text_luminance, pixels.darkened_bound(brightest, alpha))
    else:
        colour = (255, 255, 255)
        minima = pixels.channel_minima(canvas, block)
        alpha = max(minimum, pixels.lightening_for(minima, text_luminance, _TARGET_CONTRAST))
        contrast = contrast_ratio(text_luminance, pixels.lightened_bound(minima, alpha))
    pixels.shade(
        canvas,
        ramp_top=scrim_top,
        block=block,
        base_alpha=minimum,
        block_alpha=alpha,
        colour=colour,
        feather=max(8, round(min(canvas.size) * _FEATHER_SHARE)),
        upward=upward,
    )
    return round(contrast, 2)


# --- drawing ------------------------------------------------------------------------------------


def draw_line(
    canvas: Image.Image,
    line: Line,
    x: float,
    baseline: float,
    size: int,
    fill: str,
    *,
    mask: pixels.InkMask | None = None,
) -> None:
    """Draw a line's runs left to right from x on a shared baseline, each with its own face.

    With mask, glyphs go into that coverage mask (composited later in one paste, in its colour)
    and only colour emoji are drawn onto the canvas here.
    """
    draw = mask.draw if mask is not None else ImageDraw.Draw(canvas)
    ink: str | int = 255 if mask is not None else fill
    dx, dy = mask.origin if mask is not None else (0, 0)  # the mask's corner on the canvas
    for run in line.runs:
        if run.face.emoji:
            _draw_emoji(canvas, run, x, baseline, size)
        elif run.text.strip():
            font = load_font(run.face, size)
            direction = "rtl" if run.rtl else "ltr"
            draw.text(
                (x - dx, baseline - dy), run.text, font=font, fill=ink, anchor="ls", direction=direction
            )
        x += run_width(run, size)


def _draw_emoji(canvas: Image.Image, run: Run, x: float, baseline: float, size: int) -> None:
    bitmap, (dx, dy) = _emoji_bitmap(run.text, run.face, size)
    canvas.paste(bitmap, (round(x + dx), round(baseline + dy)), bitmap)


@lru_cache(maxsize=256)
def _emoji_bitmap(text: str, face: Face, size: int) -> tuple[Image.Image, tuple[float, float]]:
    """Colour emoji drawn at the font's one bitmap strike, then scaled to the text size."""
    font = load_font(face, size)
    left, top, right, bottom = (round(v) for v in font.getbbox(text, anchor="ls"))
    strike = Image.new("RGBA", (max(1, right - left), max(1, bottom - top)), (0, 0, 0, 0))
    ImageDraw.Draw(strike).text((-left, -top), text, font=font, anchor="ls", embedded_color=True)
    factor = emoji_factor(size)
    scaled = strike.resize(
        (max(1, round(strike.width * factor)), max(1, round(strike.height * factor))),
        Image.Resampling.LANCZOS,
    )
    return scaled, (left * factor, top * factor)


def clear_layout_caches() -> None:
    """Forget what earlier cards measured and built (runs, widths, emoji bitmaps), not the loaded
    fonts: the benchmark calls it so every timed card typesets a headline the process has not
    seen, as the first card of a new article does."""
    for cached in (runs, run_width, text_width, dictionary_breaks):
        cached.cache_clear()
    _emoji_bitmap.cache_clear()


def _readable_on(background: str, preferred: str) -> str:
    """The theme's text colour on the accent tab if it reaches 4.5:1 there, else white or near-black."""
    behind = hex_luminance(background)
    if contrast_ratio(hex_luminance(preferred), behind) >= WCAG_MIN_CONTRAST:
        return preferred
    return max(("#ffffff", "#111111"), key=lambda ink: contrast_ratio(hex_luminance(ink), behind))


def _scaled_logo(logo: Image.Image, height: int, max_width: int) -> Image.Image:
    rgba = logo.convert("RGBA")
    scale = min(height / rgba.height, max_width / rgba.width)
    size = (max(1, round(rgba.width * scale)), max(1, round(rgba.height * scale)))
    return rgba.resize(size, Image.Resampling.LANCZOS)
