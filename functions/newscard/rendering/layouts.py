"""Card layouts: where the photo, the text block and the brand go on each preset.

- overlay: the photo full bleed, the text block over it below (or above) the faces, on a scrim.
  When the faces leave no room for a readable headline, the card becomes a split card.
- split: the photo beside (og) or above (square, story) a brand-coloured text panel.
- opinion: no photo; the author's headshot and name over the headline.
- text: no photo; the headline large on the brand background.

Every layout builds the same text block (label tab, headline, site name or logo) with
``_fit_stack`` and draws it with ``_draw_stack``; contrast is measured by the scrim in cards.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from PIL import Image, ImageDraw, ImageOps

from newscard.models.settings import Theme
from newscard.rendering import images, pixels
from newscard.rendering.cards import (
    _PHOTO_MIN_SCRIM,
    CardText,
    Preset,
    _apply_scrim,
    _branded_background,
    _capitals,
    _readable_on,
    _scaled_logo,
    draw_line,
)
from newscard.rendering.fonts import font_chain
from newscard.rendering.subject import Subject, crop_focal, faces_on_card
from newscard.rendering.text import Line, TextBlock, fit_headline, fit_line

LayoutName = Literal["overlay", "split", "opinion", "text"]
LAYOUTS: tuple[LayoutName, ...] = ("overlay", "split", "opinion", "text")
# Labels drawn in the urgent style (a larger tab led by a dot), in the languages newsrooms use.
URGENT_LABELS = frozenset(
    {
        "BREAKING",
        "BREAKING NEWS",
        "LIVE",
        "URGENT",
        "JUST IN",
        "EILMELDUNG",
        "LIVE-TICKER",
        "EN DIRECT",
        "DERNIÈRE MINUTE",
        "EN VIVO",
        "ÚLTIMA HORA",
        "AO VIVO",
        "IN DIRETTA",
        "ULTIM'ORA",
        "СРОЧНО",
        "عاجل",
        "مباشر",
        "ब्रेकिंग",
        "लाइव",
        "速報",
        "快讯",
        "直播",
        "속보",
    }
)
# Faces on an overlay card need a band at least this share of the card's height for the text.
_MIN_BAND = 0.3
# Faces are kept near the top of overlay crops (share of the vertical slack above them).
_OVERLAY_HEADROOM = 0.15


@dataclass(frozen=True)
class Composition:
    """A laid-out card before encoding, and where things went (for checks on the pixels)."""

    canvas: Image.Image
    contrast: float
    headline: TextBlock
    headline_box: tuple[int, int, int, int]
    text_box: tuple[int, int, int, int]
    layout: LayoutName
    photographic: bool
    # Where the photo is drawn on the card, and the region of the photo shown (its pixels).
    photo_area: tuple[int, int, int, int] | None = None
    photo_crop: tuple[float, float, float, float] | None = None


def is_urgent(label: str) -> bool:
    return label.strip().upper() in URGENT_LABELS


def compose(
    text: CardText,
    *,
    preset: Preset,
    theme: Theme,
    photo: images.Photo | None,
    subject: Subject,
    layout: LayoutName,
    logo: Image.Image | None,
    headshot: Image.Image | None = None,
) -> Composition:
    if layout == "opinion":
        return _opinion(text, preset, theme, logo, headshot)
    if photo is None or layout == "text":
        return _text(text, preset, theme, logo)
    if layout == "split":
        return _split(text, preset, theme, photo, subject, logo)
    return _overlay(text, preset, theme, photo, subject, logo)


# --- the text block -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Stack:
    label: Line
    label_size: int
    urgent: bool
    headline: TextBlock
    site: Line
    site_size: int
    logo: Image.Image | None
    footer_height: int
    left: int
    right: int
    label_top: int
    headline_top: int
    footer_top: int

    @property
    def bottom(self) -> int:
        return self.footer_top + self.footer_height

    @property
    def text_box(self) -> tuple[int, int, int, int]:
        return (self.left, self.label_top, self.right, self.bottom)

    @property
    def headline_box(self) -> tuple[int, int, int, int]:
        return (self.left, self.headline_top, self.right, self.headline_top + self.headline.height)


def _unit(preset: Preset) -> float:
    """Labels grow on the tall presets, which are seen full-screen on a phone."""
    return preset.width / 1200 * preset.label_scale


def _fit_stack(
    text: CardText,
    preset: Preset,
    theme: Theme,
    region: tuple[int, int, int, int],
    anchor: Literal["top", "bottom", "centre"],
    max_headline: int,
    logo: Image.Image | None,
) -> _Stack:
    """Label, headline and footer fitted into region (left, top, right, bottom) and placed at anchor."""
    rtl = text.direction == "rtl"
    left, top, right, bottom = region
    width = right - left
    unit = _unit(preset)
    urgent = is_urgent(text.kicker)
    label_size = round((30 if urgent else 26) * unit)
    site_size = round(26 * unit)
    gap = round(22 * unit)
    tab_height = round(label_size * 1.6)
    mark = None
    if logo is not None:
        # The logo scales with the card, not with the site-name type: ~36 px on og, ~86 on story.
        logo_height = max(round(36 * unit), round(preset.height * 0.045))
        mark = _scaled_logo(logo, logo_height, round(width * 0.7))
    footer_height = mark.height if mark is not None else round(site_size * 1.5)
    room = (bottom - top) - (tab_height + gap) - (gap + footer_height)
    headline = fit_headline(
        text.headline,
        chain=font_chain(text.language, family=theme.font, bold=True),
        width=width,
        height=max(1, min(room, max_headline)),
        max_lines=preset.max_lines,
        max_size=preset.max_size,
        min_size=preset.min_size,
        rtl=rtl,
        language=text.language,
    )
    label_chain = font_chain(text.language, bold=True)
    pad = round(label_size * 0.5)
    dot = round(label_size * 0.9) if urgent else 0
    label = fit_line(
        _capitals(text.kicker, text.language),
        chain=label_chain,
        size=label_size,
        width=width - 2 * pad - dot,
        rtl=rtl,
    )
    site = fit_line(
        text.site_name,
        chain=font_chain(text.language, bold=False),
        size=site_size,
        width=width * 0.7,
        rtl=rtl,
    )
    total = tab_height + gap + headline.height + gap + footer_height
    if anchor == "bottom":
        start = bottom - total
    elif anchor == "top":
        start = top
    else:
        start = top + max(0, (bottom - top - total) // 2)
    headline_top = start + tab_height + gap
    return _Stack(
        label,
        label_size,
        urgent,
        headline,
        site,
        site_size,
        mark,
        footer_height,
        left,
        right,
        start,
        headline_top,
        headline_top + headline.height + gap,
    )


def _draw_stack(canvas: Image.Image, stack: _Stack, text: CardText, theme: Theme) -> None:
    draw = ImageDraw.Draw(canvas)
    rtl = text.direction == "rtl"
    left, right = stack.left, stack.right

    def x_for(width: float) -> float:
        return right - width if rtl else left

    # Label: text on an accent tab; urgent labels (BREAKING, LIVE) lead with a dot.
    size = stack.label_size
    pad, tab_height = round(size * 0.5), round(size * 1.6)
    dot = round(size * 0.9) if stack.urgent else 0
    tab_width = stack.label.width + 2 * pad + dot
    tab_left = x_for(tab_width)
    top = stack.label_top
    draw.rectangle((tab_left, top, tab_left + tab_width, top + tab_height - 1), fill=theme.accent)
    ink = _readable_on(theme.accent, theme.text)
    text_left = tab_left + pad + (0 if rtl else dot)
    if stack.urgent:
        radius = round(size * 0.22)
        centre_x = tab_left + tab_width - pad - radius if rtl else tab_left + pad + radius
        centre_y = top + tab_height / 2
        draw.ellipse((centre_x - radius, centre_y - radius, centre_x + radius, centre_y + radius), fill=ink)
    draw_line(canvas, stack.label, text_left, top + tab_height / 2 + size * 0.36, size, ink)

    # The headline and the site name share the theme's text colour: their glyphs go into one
    # coverage mask, composited onto the card in one paste (pixels.InkMask). The mask spans the
    # text block and an em around it (overhanging glyphs, deep marks), not the whole card.
    em = max(stack.headline.size, stack.site_size)
    ink_mask = pixels.InkMask(canvas, (left - em, stack.label_top - em, right + em, stack.bottom + em))
    block = stack.headline
    for index, line in enumerate(block.lines):
        baseline = stack.headline_top + index * block.line_height + block.line_height / 2 + block.size * 0.36
        draw_line(canvas, line, x_for(line.width), baseline, block.size, theme.text, mask=ink_mask)

    # Footer: the logo if the theme has one, else an accent rule and the site name.
    if stack.logo is not None:
        ink_mask.composite(theme.text)
        canvas.paste(stack.logo, (round(x_for(stack.logo.width)), stack.footer_top), stack.logo)
        return
    size = stack.site_size
    rule_width, rule_gap = max(4, round(size * 0.22)), round(size * 0.45)
    rule_left = right - rule_width if rtl else left
    footer = stack.footer_top
    draw.rectangle(
        (rule_left, footer, rule_left + rule_width - 1, footer + stack.footer_height - 1), fill=theme.accent
    )
    site_x = right - rule_width - rule_gap - stack.site.width if rtl else left + rule_width + rule_gap
    draw_line(canvas, stack.site, site_x, footer + size * 0.75 + size * 0.36, size, theme.text, mask=ink_mask)
    ink_mask.composite(theme.text)


def _column(preset: Preset) -> tuple[int, int, int, int]:
    """The card's text area: inside the padding and the story's safe bands."""
    return (
        preset.padding,
        preset.padding + preset.safe_top,
        preset.width - preset.padding,
        preset.height - preset.padding - preset.safe_bottom,
    )


# --- overlay --------------------------------------------------------------------------------------


def _overlay(
    text: CardText,
    preset: Preset,
    theme: Theme,
    photo: images.Photo,
    subject: Subject,
    logo: Image.Image | None,
) -> Composition:
    size = (preset.width, preset.height)
    focal = crop_focal(photo.size, size, subject, headroom=_OVERLAY_HEADROOM)
    faces = faces_on_card(subject, photo.size, size, focal)
    column = _column(preset)
    cap = round(preset.height * preset.headline_share)
    placed: tuple[_Stack, bool] | None = None
    if not faces:
        placed = (_fit_stack(text, preset, theme, column, "bottom", cap, logo), False)
    else:
        gap = round(preset.height * 0.02)
        below = (column[0], max(column[1], max(f[3] for f in faces) + gap), column[2], column[3])
        above = (column[0], column[1], column[2], min(column[3], min(f[1] for f in faces) - gap))
        for region, flipped in sorted(((below, False), (above, True)), key=lambda c: c[0][1] - c[0][3]):
            if region[3] - region[1] < _MIN_BAND * preset.height:
                continue
            stack = _fit_stack(text, preset, theme, region, "top" if flipped else "bottom", cap, logo)
            if not stack.headline.truncated and stack.headline.size >= preset.min_size * 1.2:
                placed = (stack, flipped)
                break
    if placed is None:  # the faces leave no room for a readable headline
        return _split(text, preset, theme, photo, subject, logo)
    stack, flipped = placed
    canvas = images.cover(photo, size, focal)
    contrast = _scrim(canvas, stack, faces, flipped, theme, preset)
    _draw_stack(canvas, stack, text, theme)
    area = (0, 0, preset.width, preset.height)
    crop = images.cover_box(photo.size, size, focal)
    _draw_credit(canvas, text, preset, area, at_bottom=flipped)
    return Composition(
        canvas, contrast, stack.headline, stack.headline_box, stack.text_box, "overlay", True, area, crop
    )


def _scrim(
    canvas: Image.Image,
    stack: _Stack,
    faces: list[tuple[int, int, int, int]],
    flipped: bool,
    theme: Theme,
    preset: Preset,
) -> float:
    """The scrim under the text block, its fade kept off the faces; above the faces, mirrored."""
    height = preset.height
    left, top, right, bottom = stack.text_box
    fade = round(height * 0.2)
    if not flipped:
        scrim_top = max([top - fade, *(f[3] for f in faces if f[3] <= top)])
        return _apply_scrim(canvas, scrim_top, (left, top, right, bottom), theme, _PHOTO_MIN_SCRIM)
    # For a block above the faces the shade runs up to the card's top edge instead, easing in
    # below the text and ending above the faces under it.
    ramp_start = min([bottom + fade, *(f[1] for f in faces if f[1] >= bottom)])
    return _apply_scrim(canvas, ramp_start, stack.text_box, theme, _PHOTO_MIN_SCRIM, upward=True)


# --- split ----------------------------------------------------------------------------------------


def _split_areas(preset: Preset, rtl: bool) -> tuple[tuple[int, int, int, int], tuple[int, int, int, int]]:
    """(photo area, text panel): side by side on the wide og card, photo above on the others."""
    width, height = preset.width, preset.height
    if width > height:
        half = width // 2
        # The photo sits where the reader's eye ends a line, so the text starts the card.
        return (
            ((0, 0, half, height), (half, 0, width, height))
            if rtl
            else (
                (width - half, 0, width, height),
                (0, 0, width - half, height),
            )
        )
    photo_height = round(height * (0.5 if height > 1.5 * width else 0.56))
    return (0, 0, width, photo_height), (0, photo_height, width, height)


def _split(
    text: CardText,
    preset: Preset,
    theme: Theme,
    photo: images.Photo,
    subject: Subject,
    logo: Image.Image | None,
) -> Composition:
    rtl = text.direction == "rtl"
    area, panel = _split_areas(preset, rtl)
    canvas = Image.new("RGB", (preset.width, preset.height), theme.background)
    target = (area[2] - area[0], area[3] - area[1])
    focal = crop_focal(photo.size, target, subject, headroom=0.5)
    canvas.paste(images.cover(photo, target, focal), area[:2])
    pad = preset.padding
    wide = preset.width > preset.height
    region = (
        panel[0] + pad,
        panel[1] + (pad if wide else round(pad * 0.8)),
        panel[2] - pad,
        panel[3] - pad - (0 if wide else preset.safe_bottom),
    )
    stack = _fit_stack(text, preset, theme, region, "centre", region[3] - region[1], logo)
    contrast = _panel_scrim(canvas, panel, stack, theme)
    _draw_stack(canvas, stack, text, theme)
    _draw_credit(canvas, text, preset, area, at_bottom=True)
    crop = images.cover_box(photo.size, target, focal)
    return Composition(
        canvas, contrast, stack.headline, stack.headline_box, stack.text_box, "split", True, area, crop
    )


def _panel_scrim(canvas: Image.Image, panel: tuple[int, int, int, int], stack: _Stack, theme: Theme) -> float:
    """Measure (and if need be shade) the flat panel alone, so the photo is never touched."""
    sub = canvas.crop(panel)
    box = (stack.left - panel[0], stack.label_top - panel[1], stack.right - panel[0], stack.bottom - panel[1])
    contrast = _apply_scrim(sub, box[1], box, theme, 0.0)
    canvas.paste(sub, panel[:2])
    return contrast


# --- text and opinion -----------------------------------------------------------------------------


def _text(text: CardText, preset: Preset, theme: Theme, logo: Image.Image | None) -> Composition:
    canvas = _branded_background((preset.width, preset.height), theme)
    column = _column(preset)
    # No photo to show: the headline may take most of the card.
    stack = _fit_stack(text, preset, theme, column, "centre", round(preset.height * 0.7), logo)
    contrast = _panel_scrim(canvas, (0, 0, preset.width, preset.height), stack, theme)
    _draw_stack(canvas, stack, text, theme)
    return Composition(canvas, contrast, stack.headline, stack.headline_box, stack.text_box, "text", False)


def _opinion(
    text: CardText, preset: Preset, theme: Theme, logo: Image.Image | None, headshot: Image.Image | None
) -> Composition:
    """Headshot and author name at the top, the headline below: a column, not a news photo."""
    canvas = _branded_background((preset.width, preset.height), theme)
    rtl = text.direction == "rtl"
    left, top, right, bottom = _column(preset)
    unit = _unit(preset)
    diameter = round(min(preset.width, preset.height) * 0.2)
    name_size = round(30 * unit)
    gap = round(22 * unit)
    head_height = max(diameter if headshot is not None else 0, round(name_size * 1.5))
    x = right - diameter if rtl else left
    if headshot is not None:
        canvas.paste(_circle(headshot, diameter, theme.accent), (x, top), _circle_mask(diameter))
    if text.author:
        name = fit_line(
            text.author,
            chain=font_chain(text.language, bold=True),
            size=name_size,
            width=(right - left) - (diameter + gap if headshot is not None else 0),
            rtl=rtl,
        )
        indent = diameter + gap if headshot is not None else 0
        name_x = right - indent - name.width if rtl else left + indent
        draw_line(canvas, name, name_x, top + head_height / 2 + name_size * 0.36, name_size, theme.text)
    region = (left, top + head_height + 2 * gap, right, bottom)
    stack = _fit_stack(text, preset, theme, region, "centre", region[3] - region[1], logo)
    contrast = _panel_scrim(canvas, (0, 0, preset.width, preset.height), stack, theme)
    _draw_stack(canvas, stack, text, theme)
    return Composition(canvas, contrast, stack.headline, stack.headline_box, stack.text_box, "opinion", False)


def _circle_mask(diameter: int) -> Image.Image:
    # Drawn at 4x and reduced: a smooth edge without a blur pass.
    big = Image.new("L", (diameter * 4, diameter * 4), 0)
    ImageDraw.Draw(big).ellipse((0, 0, diameter * 4 - 1, diameter * 4 - 1), fill=255)
    return big.resize((diameter, diameter), Image.Resampling.BOX)


def _circle(headshot: Image.Image, diameter: int, ring: str) -> Image.Image:
    face = ImageOps.fit(
        headshot.convert("RGB"), (diameter, diameter), Image.Resampling.LANCZOS, centering=(0.5, 0.4)
    )
    border = max(3, diameter // 40)
    ImageDraw.Draw(face).ellipse((0, 0, diameter - 1, diameter - 1), outline=ring, width=border)
    return face


# --- photo credit ---------------------------------------------------------------------------------


def _draw_credit(
    canvas: Image.Image,
    text: CardText,
    preset: Preset,
    area: tuple[int, int, int, int],
    *,
    at_bottom: bool,
) -> None:
    """The photographer's credit, small, in a corner of the photo on a dark tab (>= 4.5:1 on any photo)."""
    if not text.credit:
        return
    rtl = text.direction == "rtl"
    unit = _unit(preset)
    size = round(15 * unit)
    pad = round(size * 0.45)
    line = fit_line(
        text.credit,
        chain=font_chain(text.language, bold=False),
        size=size,
        width=(area[2] - area[0]) * 0.45,
        rtl=rtl,
    )
    width, height = round(line.width) + 2 * pad, round(size * 1.5)
    margin = round(12 * unit)
    x = area[0] + margin if rtl else area[2] - margin - width
    y = (
        area[3] - margin - height
        if at_bottom
        else area[1] + margin + (preset.safe_top if area[1] == 0 else 0)
    )
    # 65 % black: white text then reaches 5:1 even over a white sky.
    tab = canvas.crop((x, y, x + width, y + height))
    canvas.paste(Image.blend(tab, Image.new("RGB", tab.size, (0, 0, 0)), 0.65), (x, y))
    draw_line(canvas, line, x + pad, y + height / 2 + size * 0.36, size, "#ffffff")
