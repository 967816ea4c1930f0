"""Share cards: headline typeset over the hero image, one function per concern, bytes out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from PIL import Image, ImageDraw, ImageFont

from newscard.models.settings import Theme
from newscard.rendering import images
from newscard.rendering.fonts import HEADLINE_FONT, LABEL_FONT, SITE_FONT, load_font
from newscard.rendering.text import TextBlock, fit_headline

OG_MAX_BYTES = 300 * 1024  # WhatsApp drops larger link previews
WCAG_MIN_CONTRAST = 4.5
# Aim a little above the WCAG floor so JPEG ringing cannot pull a card under it.
_TARGET_CONTRAST = 5.0


@dataclass(frozen=True)
class Preset:
    name: str
    width: int
    height: int
    padding: int
    max_lines: int
    max_size: int
    min_size: int
    # Story viewers overlay UI at the top and bottom; keep text out of those bands.
    safe_bottom: int = 0


PRESETS: dict[str, Preset] = {
    "og": Preset("og", 1200, 630, 56, 3, 70, 34),
    "square": Preset("square", 1080, 1080, 72, 5, 92, 44),
    "story": Preset("story", 1080, 1920, 84, 6, 100, 52, safe_bottom=260),
}


@dataclass(frozen=True)
class CardText:
    headline: str
    kicker: str
    site_name: str
    direction: Literal["ltr", "rtl"] = "ltr"


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


def render_card(
    text: CardText,
    *,
    preset: Preset,
    theme: Theme,
    photo: Image.Image | None = None,
    focal: tuple[float, float] = (0.5, 0.5),
) -> RenderedCard:
    """Render one preset; photo cards are JPEG, flat branded cards PNG. Same input, same bytes."""
    size = (preset.width, preset.height)
    canvas = images.cover(photo, size, focal) if photo is not None else _branded_background(size, theme)
    layout = _layout(text, preset)
    contrast = _apply_scrim(canvas, layout.scrim_top, layout.text_box, theme)
    _draw_text(canvas, text, layout, preset, theme)
    if photo is not None:
        max_bytes = OG_MAX_BYTES if preset.name == "og" else None
        data, content_type, extension = images.encode_jpeg(canvas, max_bytes=max_bytes), "image/jpeg", "jpg"
    else:
        data, content_type, extension = images.encode_png(canvas), "image/png", "png"
    return RenderedCard(
        preset.name, data, content_type, extension, preset.width, preset.height, contrast, layout.headline
    )


@dataclass(frozen=True)
class _Layout:
    headline: TextBlock
    headline_top: int
    kicker_top: int
    kicker_size: int
    site_size: int
    site_top: int
    scrim_top: int
    text_box: tuple[int, int, int, int]


def _layout(text: CardText, preset: Preset) -> _Layout:
    unit = preset.width / 1200
    kicker_size = round(26 * unit * (1.15 if preset.name != "og" else 1))
    site_size = round(26 * unit * (1.15 if preset.name != "og" else 1))
    gap = round(22 * unit)
    bottom = preset.height - preset.padding - preset.safe_bottom
    site_top = bottom - round(site_size * 1.3)
    text_width = preset.width - 2 * preset.padding
    # The headline may use up to 62% of the card's height (less on the wide og card).
    share = 0.58 if preset.name == "og" else 0.5
    max_height = round(preset.height * share)
    headline = fit_headline(
        text.headline,
        font_path=HEADLINE_FONT,
        width=text_width,
        height=max_height,
        max_lines=preset.max_lines,
        max_size=round(preset.max_size),
        min_size=round(preset.min_size),
        direction=text.direction,
    )
    headline_top = site_top - gap - headline.height
    kicker_top = headline_top - gap - round(kicker_size * 1.6)
    scrim_top = max(0, kicker_top - round(preset.height * 0.18))
    text_box = (preset.padding, kicker_top, preset.width - preset.padding, bottom)
    return _Layout(headline, headline_top, kicker_top, kicker_size, site_size, site_top, scrim_top, text_box)


def _branded_background(size: tuple[int, int], theme: Theme) -> Image.Image:
    """A flat brand colour with a soft diagonal accent glow: reads as designed, compresses as PNG."""
    base = Image.new("RGB", size, theme.background)
    glow = Image.linear_gradient("L").rotate(45, expand=True).resize(size)
    accent = Image.new("RGB", size, theme.accent)
    return Image.composite(accent, base, glow.point(lambda v: v * 60 // 255))


def relative_luminance_max(image: Image.Image, box: tuple[int, int, int, int]) -> float:
    """WCAG relative luminance of the brightest pixel in box (0..1)."""
    region = image.crop(box)
    linear = region.point(_SRGB_TO_LINEAR_LUT * 3)
    luminance = linear.convert("L", matrix=(0.2126, 0.7152, 0.0722, 0.0))
    _, brightest = luminance.getextrema()
    # One step up, so 8-bit rounding can only overstate the background's brightness.
    return min(1.0, (float(brightest) + 1) / 255)  # type: ignore[arg-type]


def contrast_ratio(foreground: float, background: float) -> float:
    light, dark = max(foreground, background), min(foreground, background)
    return (light + 0.05) / (dark + 0.05)


def _srgb_to_linear(value: int) -> float:
    channel = value / 255
    return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4


_SRGB_TO_LINEAR_LUT = [round(_srgb_to_linear(v) * 255) for v in range(256)]


def _hex_luminance(colour: str) -> float:
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _srgb_to_linear(r) + 0.7152 * _srgb_to_linear(g) + 0.0722 * _srgb_to_linear(b)


def _apply_scrim(
    canvas: Image.Image, scrim_top: int, text_box: tuple[int, int, int, int], theme: Theme
) -> float:
    """Darken from scrim_top down, just enough for the text to reach the target contrast; return it."""
    text_luminance = _hex_luminance(theme.text)
    allowed = (text_luminance + 0.05) / _TARGET_CONTRAST - 0.05
    alpha = 0.35  # a minimum scrim even on dark photos: it reads as intentional
    for _ in range(8):
        trial = canvas.copy()
        _darken(trial, scrim_top, text_box[1], alpha)
        brightest = relative_luminance_max(trial, text_box)
        if brightest <= allowed or alpha >= 0.97:
            break
        # Linear-light darkening is at least proportional to alpha; step towards the need.
        alpha = min(0.97, max(alpha + 0.05, 1 - (1 - alpha) * allowed / brightest))
    _darken(canvas, scrim_top, text_box[1], alpha)
    return round(contrast_ratio(text_luminance, relative_luminance_max(canvas, text_box)), 2)


def _darken(canvas: Image.Image, top: int, full_from: int, alpha: float) -> None:
    """Black through a mask: transparent at top, alpha at full_from and below (smoothstep ramp)."""
    width, height = canvas.size
    ramp = max(1, full_from - top)
    column = []
    for y in range(height):
        t = 0.0 if y < top else min(1.0, (y - top) / ramp)
        eased = t * t * (3 - 2 * t)
        column.append(round(255 * alpha * eased))
    mask = Image.new("L", (1, height))
    mask.putdata(column)
    canvas.paste((0, 0, 0), (0, 0, width, height), mask.resize((width, height), Image.Resampling.NEAREST))


def _draw_text(canvas: Image.Image, text: CardText, layout: _Layout, preset: Preset, theme: Theme) -> None:
    draw = ImageDraw.Draw(canvas)
    rtl = text.direction == "rtl"
    left, right = preset.padding, preset.width - preset.padding
    # Raqm infers direction for LTR text; RTL must be explicit (and needs Raqm).
    direction = text.direction if rtl else None

    def x_for(width: float) -> float:
        return right - width if rtl else left

    kicker_font = load_font(LABEL_FONT, layout.kicker_size)
    kicker = _fit_line(text.kicker.upper(), kicker_font, right - left - 40, direction)
    kicker_width = kicker_font.getlength(kicker, direction=direction)
    pad_x, pad_y = round(layout.kicker_size * 0.5), round(layout.kicker_size * 0.3)
    box_left = x_for(kicker_width + 2 * pad_x)
    draw.rectangle(
        (
            box_left,
            layout.kicker_top,
            box_left + kicker_width + 2 * pad_x,
            layout.kicker_top + round(layout.kicker_size * 1.6) - 1,
        ),
        fill=theme.accent,
    )
    draw.text(
        (box_left + pad_x, layout.kicker_top + pad_y),
        kicker,
        font=kicker_font,
        fill=theme.text,
        direction=direction,
    )

    headline_font = load_font(layout.headline.font_path, layout.headline.size)
    for index, line in enumerate(layout.headline.lines):
        width = headline_font.getlength(line, direction=direction)
        y = layout.headline_top + index * layout.headline.line_height
        draw.text((x_for(width), y), line, font=headline_font, fill=theme.text, direction=direction)

    site_font = load_font(SITE_FONT, layout.site_size)
    site_width = site_font.getlength(text.site_name, direction=direction)
    # A short accent rule on the leading edge, then the site name beside it.
    rule_width, rule_gap = 6, 12
    rule_left = right - rule_width if rtl else left
    draw.rectangle(
        (rule_left, layout.site_top + 4, rule_left + rule_width - 1, layout.site_top + layout.site_size + 8),
        fill=theme.accent,
    )
    site_x = right - rule_width - rule_gap - site_width if rtl else left + rule_width + rule_gap
    draw.text((site_x, layout.site_top), text.site_name, font=site_font, fill=theme.text, direction=direction)


def _fit_line(text: str, font: ImageFont.FreeTypeFont, width: float, direction: str | None) -> str:
    """One line, shortened with an ellipsis if it does not fit."""
    if font.getlength(text, direction=direction) <= width:
        return text
    while text and font.getlength(text + "…", direction=direction) > width:
        text = text[:-1]
    return text.rstrip(" ,;:") + "…"
