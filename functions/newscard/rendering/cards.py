"""Share cards: headline typeset over the hero image, one function per concern, bytes out."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from PIL import Image, ImageChops, ImageDraw

from newscard.models.settings import Theme
from newscard.rendering import images, pixels
from newscard.rendering.fonts import Face, font_chain, load_font
from newscard.rendering.text import Line, Run, TextBlock, emoji_factor, fit_headline, fit_line, run_width

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


# max_lines is generous: the box height limits short headlines to a few large lines anyway, and a
# 300-character headline (the article limit) must still fit at the smallest size without an ellipsis.
PRESETS: dict[str, Preset] = {
    "og": Preset("og", 1200, 630, 56, 5, 88, 30, 0.56),
    "square": Preset("square", 1080, 1080, 72, 8, 104, 40, 0.5, label_scale=1.3),
    "story": Preset("story", 1080, 1920, 84, 10, 140, 48, 0.55, label_scale=1.6, safe_bottom=260),
}


@dataclass(frozen=True)
class CardText:
    headline: str
    kicker: str
    site_name: str
    direction: Literal["ltr", "rtl"] = "ltr"
    language: str = "en"


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


def render_card(
    text: CardText,
    *,
    preset: Preset,
    theme: Theme,
    photo: Image.Image | images.Photo | None = None,
    focal: tuple[float, float] = (0.5, 0.5),
    logo: Image.Image | None = None,
) -> RenderedCard:
    """Render one preset; photo cards are JPEG, flat branded cards PNG. Same input, same bytes."""
    size = (preset.width, preset.height)
    canvas = images.cover(photo, size, focal) if photo is not None else _branded_background(size, theme)
    layout = _layout(text, preset, theme)
    minimum = _PHOTO_MIN_SCRIM if photo is not None else 0.0
    contrast = _apply_scrim(canvas, layout.scrim_top, layout.text_box, theme, minimum)
    _draw_text(canvas, text, layout, preset, theme, logo)
    max_bytes = OG_MAX_BYTES if preset.name == "og" else None
    data, content_type, extension = _encode(canvas, photographic=photo is not None, max_bytes=max_bytes)
    box = (preset.padding, layout.headline_top, preset.width - preset.padding, layout.site_top)
    return RenderedCard(
        preset.name,
        data,
        content_type,
        extension,
        preset.width,
        preset.height,
        contrast,
        layout.headline,
        box,
    )


def _encode(canvas: Image.Image, *, photographic: bool, max_bytes: int | None) -> tuple[bytes, str, str]:
    """JPEG for photos; PNG (exact, crisp edges) for flat artwork unless it would bust the budget."""
    if not photographic:
        png = images.encode_png(canvas)
        if max_bytes is None or len(png) <= max_bytes:
            return png, "image/png", "png"
    # Plain Huffman tables: the card is encoded once per publish, on the critical path (images.py).
    return images.encode_jpeg(canvas, max_bytes=max_bytes, optimize=False), "image/jpeg", "jpg"


@dataclass(frozen=True)
class _Layout:
    headline: TextBlock
    headline_top: int
    kicker: Line
    kicker_top: int
    kicker_size: int
    site: Line
    site_size: int
    site_top: int
    scrim_top: int
    text_box: tuple[int, int, int, int]


def _layout(text: CardText, preset: Preset, theme: Theme) -> _Layout:
    rtl = text.direction == "rtl"
    # Labels grow on the tall presets, which are seen full-screen on a phone.
    unit = preset.width / 1200 * preset.label_scale
    kicker_size = site_size = round(26 * unit)
    gap = round(22 * unit)
    bottom = preset.height - preset.padding - preset.safe_bottom
    site_top = bottom - round(site_size * 1.5)
    text_width = preset.width - 2 * preset.padding
    bold = font_chain(text.language, family=theme.font, bold=True)
    headline = fit_headline(
        text.headline,
        chain=bold,
        width=text_width,
        height=round(preset.height * preset.headline_share),
        max_lines=preset.max_lines,
        max_size=preset.max_size,
        min_size=preset.min_size,
        rtl=rtl,
    )
    label_chain = font_chain(text.language, bold=True)
    kicker_pad = round(kicker_size * 0.5)
    kicker = fit_line(
        _capitals(text.kicker, text.language),
        chain=label_chain,
        size=kicker_size,
        width=text_width - 2 * kicker_pad,
        rtl=rtl,
    )
    site = fit_line(
        text.site_name,
        chain=font_chain(text.language, bold=False),
        size=site_size,
        width=text_width * 0.7,
        rtl=rtl,
    )
    headline_top = site_top - gap - headline.height
    kicker_top = headline_top - gap - round(kicker_size * 1.6)
    scrim_top = max(0, kicker_top - round(preset.height * 0.2))
    text_box = (preset.padding, kicker_top, preset.width - preset.padding, bottom)
    return _Layout(
        headline,
        headline_top,
        kicker,
        kicker_top,
        kicker_size,
        site,
        site_size,
        site_top,
        scrim_top,
        text_box,
    )


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
    canvas: Image.Image, scrim_top: int, text_box: tuple[int, int, int, int], theme: Theme, minimum: float
) -> float:
    """Shade under the text just enough for it to reach the target contrast; return the contrast.

    A light full-width ramp from scrim_top to the top of the text (strength `minimum`, the
    design's gradient) plus, when the photo needs more, a feathered patch confined to text_box:
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
    behind = canvas.crop(block)
    whole = (0, 0, behind.width, behind.height)
    if text_luminance > 0.5:
        colour = (0, 0, 0)
        _, brightest = pixels.luminance_range(behind, whole)
        alpha = max(minimum, pixels.darkening_for(brightest, text_luminance, _TARGET_CONTRAST))
        contrast = contrast_ratio(text_luminance, pixels.darkened_bound(brightest, alpha))
    else:
        colour = (255, 255, 255)
        minima = pixels.channel_minima(behind, whole)
        alpha = max(minimum, pixels.lightening_for(minima, text_luminance, _TARGET_CONTRAST))
        contrast = contrast_ratio(text_luminance, pixels.lightened_bound(minima, alpha))
    pixels.shade(
        canvas,
        ramp=(scrim_top, block[1]),
        block=block,
        base_alpha=minimum,
        block_alpha=alpha,
        colour=colour,
        feather=max(8, round(min(canvas.size) * _FEATHER_SHARE)),
        behind_block=behind,
    )
    return round(contrast, 2)


# --- drawing ------------------------------------------------------------------------------------


def _draw_text(
    canvas: Image.Image,
    text: CardText,
    layout: _Layout,
    preset: Preset,
    theme: Theme,
    logo: Image.Image | None,
) -> None:
    """Tabs and rules straight onto the canvas; all text of one colour into one mask, one paste."""
    draw = ImageDraw.Draw(canvas)
    rtl = text.direction == "rtl"
    left, right = preset.padding, preset.width - preset.padding
    inks: dict[str, pixels.InkMask] = {}

    def ink(colour: str) -> pixels.InkMask:
        return inks.setdefault(colour, pixels.InkMask(canvas))

    def x_for(width: float) -> float:
        return right - width if rtl else left

    # Section kicker: text on an accent tab.
    size = layout.kicker_size
    pad_x, tab_height = round(size * 0.5), round(size * 1.6)
    tab_left = x_for(layout.kicker.width + 2 * pad_x)
    draw.rectangle(
        (
            tab_left,
            layout.kicker_top,
            tab_left + layout.kicker.width + 2 * pad_x,
            layout.kicker_top + tab_height - 1,
        ),
        fill=theme.accent,
    )
    kicker_ink = _readable_on(theme.accent, theme.text)
    draw_line(
        canvas,
        layout.kicker,
        tab_left + pad_x,
        layout.kicker_top + tab_height / 2 + size * 0.36,
        size,
        kicker_ink,
        mask=ink(kicker_ink),
    )

    block = layout.headline
    for index, line in enumerate(block.lines):
        baseline = layout.headline_top + index * block.line_height + block.line_height / 2 + block.size * 0.36
        draw_line(canvas, line, x_for(line.width), baseline, block.size, theme.text, mask=ink(theme.text))

    # Footer: the logo if the theme has one, else an accent rule and the site name.
    size = layout.site_size
    if logo is not None:
        mark = _scaled_logo(logo, round(size * 1.5), round((right - left) * 0.4))
        canvas.paste(mark, (round(x_for(mark.width)), layout.site_top), mark)
    else:
        rule_width, rule_gap = max(4, round(size * 0.22)), round(size * 0.45)
        rule_left = right - rule_width if rtl else left
        draw.rectangle(
            (rule_left, layout.site_top, rule_left + rule_width - 1, layout.site_top + round(size * 1.5) - 1),
            fill=theme.accent,
        )
        site_x = right - rule_width - rule_gap - layout.site.width if rtl else left + rule_width + rule_gap
        site_baseline = layout.site_top + size * 0.75 + size * 0.36
        draw_line(canvas, layout.site, site_x, site_baseline, size, theme.text, mask=ink(theme.text))
    for colour, mask in inks.items():
        mask.composite(colour)


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
    for run in line.runs:
        if run.face.emoji:
            _draw_emoji(canvas, run, x, baseline, size)
        elif run.text.strip():
            font = load_font(run.face, size)
            direction = "rtl" if run.rtl else "ltr"
            draw.text((x, baseline), run.text, font=font, fill=ink, anchor="ls", direction=direction)
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
