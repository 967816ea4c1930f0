"""Pixel work for cards: WCAG luminance, the scrim under the text block, and its strength.

The scrim's strength comes from one measurement of the unshaded text region, in closed form:
darkening every channel by a factor k maps a pixel's linear luminance y to at most
lin(k * lin^-1(y)), because that map is concave in y (Jensen over the three channels), so the
brightest pixel, read as a grey of the same luminance, bounds every pixel after the shade. No
trial blends of the frame, and the one measurement after the shade (the contrast a card reports)
only confirms it. The shade composites a colour through a gradient mask once per pixel: a light
full-width ramp (the design's minimum) plus, only where the text block needs more, a feathered
patch confined to the block, so a bright photo keeps its colour outside it. The mask is built
band by band from one-pixel strips, never at the card's size (see shade).
"""

from __future__ import annotations

from functools import lru_cache

from PIL import Image, ImageChops, ImageColor, ImageDraw

# sRGB transfer function (IEC 61966-2-1), as WCAG 2 defines relative luminance.
_A = 0.055
_GAMMA = 2.4
_TOE = 0.04045
_TOE_SLOPE = 12.92


def srgb_to_linear(channel: float) -> float:
    """An sRGB channel value 0..1 to linear light 0..1."""
    return channel / _TOE_SLOPE if channel <= _TOE else ((channel + _A) / (1 + _A)) ** _GAMMA


def linear_to_srgb(value: float) -> float:
    """Linear light 0..1 to the sRGB channel value 0..1 (the inverse of srgb_to_linear)."""
    value = min(1.0, max(0.0, value))
    if value <= _TOE / _TOE_SLOPE:
        return value * _TOE_SLOPE
    return float((1 + _A) * value ** (1 / _GAMMA) - _A)


_LINEAR_LUT = [round(srgb_to_linear(v / 255) * 255) for v in range(256)]
_WCAG_WEIGHTS = (0.2126, 0.7152, 0.0722)


def luminance_range(image: Image.Image, box: tuple[int, int, int, int]) -> tuple[float, float]:
    """WCAG relative luminance (0..1) of the darkest and the brightest pixel in box.

    One pass over the box's pixels (linearise by table, weight, extrema); rounded one 8-bit step
    outward, so rounding can only understate the contrast.
    """
    linear = _region(image, box).point(_LINEAR_LUT * 3)
    luminance = linear.convert("L", matrix=(*_WCAG_WEIGHTS, 0.0))
    darkest, brightest = (float(v) for v in luminance.getextrema())  # type: ignore[arg-type]
    return max(0.0, (darkest - 1) / 255), min(1.0, (brightest + 1) / 255)


def channel_minima(image: Image.Image, box: tuple[int, int, int, int]) -> tuple[float, float, float]:
    """The darkest value (0..1) of each of R, G and B in box."""
    extrema = _region(image, box).getextrema()
    red, green, blue = (band[0] / 255 for band in extrema)  # type: ignore[index]
    return red, green, blue


def _region(image: Image.Image, box: tuple[int, int, int, int]) -> Image.Image:
    """box of image; the image itself when box is all of it (Pillow's crop would copy it)."""
    return image if box == (0, 0, *image.size) else image.crop(box)


def contrast_ratio(foreground: float, background: float) -> float:
    light, dark = max(foreground, background), min(foreground, background)
    return (light + 0.05) / (dark + 0.05)


def _mask_level(alpha: float) -> int:
    """The 8-bit mask value that shades at least alpha (rounding up never weakens a scrim)."""
    return min(255, max(0, -int(-alpha * 255 // 1)))


def darkening_for(brightest: float, text_luminance: float, target: float) -> float:
    """The black scrim strength (0..1, on the mask's 8-bit steps) at which light text on a region
    whose brightest pixel has luminance `brightest` reaches `target` contrast.

    Scaling every channel by k leaves no pixel brighter than a grey of luminance `brightest`
    scaled by k (the concavity argument in the module docstring): solved for k in closed form,
    then checked against darkened_bound, which also counts the blend's rounding.
    """
    allowed = (text_luminance + 0.05) / target - 0.05
    if allowed <= 0:
        return 1.0
    if darkened_bound(brightest, 0.0) <= allowed:
        return 0.0
    factor = max(0.0, (linear_to_srgb(allowed) - 1 / 255) / linear_to_srgb(brightest))
    level = _mask_level(1 - factor)
    while level < 255 and darkened_bound(brightest, level / 255) > allowed:
        level += 1
    return level / 255


def lightening_for(minima: tuple[float, float, float], text_luminance: float, target: float) -> float:
    """The white scrim strength (0..1, on the mask's 8-bit steps) at which dark text reaches target.

    Blending toward white raises each channel c to c + a(1 - c), at least its region minimum's
    image, so the luminance of those raised minima bounds every pixel from below.
    """
    needed = (text_luminance + 0.05) * target - 0.05
    if lightened_bound(minima, 0.0) >= needed:
        return 0.0
    if lightened_bound(minima, 1.0) < needed:
        return 1.0
    low, high = 0, 255
    while high - low > 1:  # the smallest mask level that reaches the target
        middle = (low + high) // 2
        low, high = (low, middle) if lightened_bound(minima, middle / 255) >= needed else (middle, high)
    return high / 255


def _smoothstep_byte(t: float) -> int:
    """round(255 * smoothstep(t)) for t in 0..1: the 8-bit value of every eased mask edge."""
    return round(255 * (t * t * (3 - 2 * t)))


@lru_cache(maxsize=64)
def _falloff(feather: int) -> bytes:
    """The eased edge by distance from a patch: byte d is the mask at d pixels out (255 at 0),
    for d = 0..feather - 1; from feather on it is 0."""
    return bytes(_smoothstep_byte(1 - distance / feather) for distance in range(feather))


def _smoothstep_profile(length: int, start: int, end: int, feather: int) -> bytes:
    """255 inside start..end, easing to 0 over feather pixels on either side (smoothstep).

    Built from the cached edge table by slices: a per-pixel Python loop over a story's width and
    height cost ~2 ms a card, and every card has a new text block, so nothing caches the result.
    """
    end = max(start, end)
    profile = bytearray(length)
    profile[max(0, start) : max(0, min(length, end))] = b"\xff" * (max(0, min(length, end)) - max(0, start))
    if feather > 0:
        edge = _falloff(feather)
        for distance in range(1, feather):
            if 0 <= start - distance < length:
                profile[start - distance] = edge[distance]
            if 0 <= end - 1 + distance < length:
                profile[end - 1 + distance] = edge[distance]
    return bytes(profile)


def _ramp_column(rows: range, ramp_top: int, ramp_full: int) -> bytes:
    """0 above ramp_top, easing in (smoothstep) to 255 at ramp_full, 255 below: one byte per row."""
    span = max(1, ramp_full - ramp_top)
    return bytes(
        255 if y >= ramp_full else _smoothstep_byte(max(0.0, (y - ramp_top) / span)) if y > ramp_top else 0
        for y in rows
    )


@lru_cache(maxsize=256)
def _scale_table(level: int) -> bytes:
    """A mask value v scaled to the 8-bit strength level, as a 256-entry translation table."""
    return bytes((v * level + 127) // 255 for v in range(256))


@lru_cache(maxsize=256)
def _screen_table(base_level: int, extra_level: int) -> bytes:
    """The patch's unscaled value v -> the screen of the flat base shade and v scaled to the
    extra shade, computed by Pillow's own screen so every pixel matches a masked composite."""
    scaled = Image.frombytes("L", (256, 1), _scale_table(extra_level))
    return ImageChops.screen(Image.new("L", (256, 1), base_level), scaled).tobytes()


@lru_cache(maxsize=64)
def _blend_table(level: int, colour: tuple[int, int, int]) -> list[int]:
    """Each channel's value v -> v composited toward colour through a mask of this level, rounded
    as Pillow's masked paste rounds (Paste.c: BLEND, DIV255), so a flat region shaded through
    Image.point matches the paste to the byte; the table is ~40 % cheaper per pixel than the paste."""
    table = []
    for channel in colour:
        for value in range(256):
            total = value * (255 - level) + channel * level + 128
            table.append(((total >> 8) + total) >> 8)
    return table


def _stretched(values: bytes, size: tuple[int, int], *, vertical: bool) -> Image.Image:
    """A one-pixel strip stretched along its other axis: NEAREST copies (every filter would give
    the same pixels, bicubic at ~3 ms per story-sized mask)."""
    strip = Image.frombytes("L", (1, len(values)) if vertical else (len(values), 1), values)
    return strip.resize(size, Image.Resampling.NEAREST)


def darkened_bound(brightest: float, alpha: float) -> float:
    """The most luminous any pixel of a region whose brightest pixel is `brightest` can be after
    a black shade of strength alpha (see the module docstring; one 8-bit step for rounding)."""
    grey = linear_to_srgb(brightest)
    return srgb_to_linear(min(1.0, (1 - alpha) * grey + 1 / 255))


def lightened_bound(minima: tuple[float, float, float], alpha: float) -> float:
    """The least luminous any pixel of a region with these channel minima can be after a white
    shade of strength alpha (one 8-bit step for rounding)."""
    raised = (max(0.0, c + alpha * (1 - c) - 1 / 255) for c in minima)
    return sum(w * srgb_to_linear(v) for w, v in zip(_WCAG_WEIGHTS, raised, strict=True))


def shade(
    canvas: Image.Image,
    *,
    ramp_top: int,
    block: tuple[int, int, int, int],
    base_alpha: float,
    block_alpha: float,
    colour: tuple[int, int, int],
    feather: int,
    upward: bool = False,
) -> None:
    """Shade the canvas in place toward colour: base_alpha over the full width from the block's
    top down (eased in from ramp_top), or with upward from its bottom up to the card's top edge
    (eased in from ramp_top below the block), and inside block (feathered by `feather` px) as much
    more as makes block_alpha there. Pixels above the ramp and outside the patch stay untouched.

    The mask is screen(base ramp, patch), the patch being across(x) * down(y). Each band of rows
    gets only the work its mask needs: where the patch is zero the mask is the ramp alone (a
    stretched column); beside the block it is a function of x alone (a stretched row through a
    table, with the block itself at block_alpha); only the feather's rows above and below the
    block go through a full two-dimensional mask. Where the mask is one level (the block itself,
    and the flat base shade below the feather) the blend is a per-channel table, not a masked
    paste. Every pixel is composited once, and nothing is built at the card's full size.
    """
    base_alpha = min(base_alpha, block_alpha)
    level = _mask_level(block_alpha)
    if level <= 0:
        return
    width, height = canvas.size
    left, top, right, bottom = block
    if upward:  # the same shade worked out on the card mirrored top to bottom; only pastes flip
        top, bottom, ramp_top = height - bottom, height - top, height - ramp_top
    region_top = max(0, min(ramp_top, top - feather))
    # Shades compose multiplicatively: (1 - base)(1 - extra) = 1 - block_alpha under the text.
    extra = 1 - (1 - level / 255) / (1 - base_alpha) if base_alpha < 1 else 0.0
    base_level, extra_level = _mask_level(base_alpha), _mask_level(max(0.0, extra))
    ramp_rows = _scale_table(base_level)
    beside = _screen_table(base_level, extra_level)  # rows where the ramp is at full strength
    across = _smoothstep_profile(width, left, right, feather)
    down = _smoothstep_profile(height, top, bottom, feather)

    def placed(box: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
        return (box[0], height - box[3], box[2], height - box[1]) if upward else box

    def paste(box: tuple[int, int, int, int], mask: Image.Image) -> None:
        if upward:
            mask = mask.transpose(Image.Transpose.FLIP_TOP_BOTTOM)
        canvas.paste(_solid(mask.size, colour), placed(box)[:2], mask)

    def flat(box: tuple[int, int, int, int], mask_level: int) -> None:
        """box shaded by one mask level: a per-channel table instead of a masked paste (same bytes)."""
        if box[2] > box[0] and box[3] > box[1]:
            box = placed(box)
            canvas.paste(canvas.crop(box).point(_blend_table(mask_level, colour)), box[:2])

    def patch(y0: int, y1: int) -> Image.Image:
        """The unscaled patch over rows y0..y1 at the full width."""
        size = (width, y1 - y0)
        return ImageChops.multiply(
            _stretched(across, size, vertical=False), _stretched(down[y0:y1], size, vertical=True)
        )

    # Above the block: the ramp alone until the patch's feather begins, then ramp and patch.
    feather_top = min(top, max(region_top, top - feather + 1))
    column = _ramp_column(range(region_top, top), ramp_top, top).translate(ramp_rows)
    if feather_top > region_top:
        paste(
            (0, region_top, width, feather_top),
            _stretched(column[: feather_top - region_top], (width, feather_top - region_top), vertical=True),
        )
    if top > feather_top:
        size = (width, top - feather_top)
        mask = ImageChops.screen(
            _stretched(column[feather_top - region_top :], size, vertical=True),
            patch(feather_top, top).point(list(_scale_table(extra_level))),
        )
        paste((0, feather_top, width, top), mask)
    # The block's rows: a function of x alone, the block itself at exactly block_alpha (screening
    # two rounded levels could land one step under it, and the contrast bound assumes it).
    # Inside the block the level is flat; only the feathered strips beside it vary with x.
    if bottom > top:
        flat((left, top, right, bottom), level)
        row = across.translate(beside)
        for start, end in ((0, left), (right, width)):
            if end > start:
                paste(
                    (start, top, end, bottom),
                    _stretched(row[start:end], (end - start, bottom - top), vertical=False),
                )
    # Below the block: the patch's feather, then the flat base shade to the edge.
    feather_bottom = min(height, max(bottom, bottom + feather - 1))
    if feather_bottom > bottom:
        paste((0, bottom, width, feather_bottom), patch(bottom, feather_bottom).point(list(beside)))
    if base_level > 0:
        flat((0, feather_bottom, width, height), base_level)


# Rows per band of the ink composite, a fraction of a headline's line: 32 and 64 measured alike on
# story headlines; at 16 the per-band calls start to eat what the smaller boxes save.
_INK_BAND = 32


class InkMask:
    """Text of one colour over a canvas: glyphs are rasterised into one coverage mask, then
    composited in one paste over the inked bounding box (not a blend per run or per line).

    The mask covers only region (the text block with a margin, clipped to the canvas), not the
    whole card: drawing goes through `origin`, the region's top-left corner on the canvas.
    """

    def __init__(self, canvas: Image.Image, region: tuple[int, int, int, int] | None = None) -> None:
        left, top, right, bottom = region if region is not None else (0, 0, *canvas.size)
        left, top = max(0, left), max(0, top)
        right, bottom = max(left + 1, min(canvas.width, right)), max(top + 1, min(canvas.height, bottom))
        self.canvas = canvas
        self.origin = (left, top)
        self.mask = Image.new("L", (right - left, bottom - top))
        self.draw = ImageDraw.Draw(self.mask)

    def composite(self, fill: str | tuple[int, int, int]) -> None:
        """Paste the colour through the coverage, band by band of rows, each band over its own
        inked box: a ragged block of lines leaves much of one bounding box empty (short lines,
        the gaps between lines), and the masked paste costs the same per pixel inked or not."""
        box = self.mask.getbbox()
        if box is None:
            return
        colour = ImageColor.getrgb(fill) if isinstance(fill, str) else fill
        left, top, right, bottom = box
        for band_top in range(top, bottom, _INK_BAND):
            band = self.mask.crop((left, band_top, right, min(bottom, band_top + _INK_BAND)))
            inked = band.getbbox()
            if inked is not None:
                coverage = band.crop(inked)
                corner = (self.origin[0] + left + inked[0], self.origin[1] + band_top + inked[1])
                self.canvas.paste(_solid(coverage.size, colour), corner, coverage)


def _solid(size: tuple[int, int], colour: tuple[int, ...]) -> Image.Image:
    """A flat image to paste through a mask: Pillow blends an image through a mask about 40 %
    faster than it fills a colour through one (its colour fill checks the mode per byte)."""
    return Image.new("RGB", size, colour)
