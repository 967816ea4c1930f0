"""The pixel pipeline under the text: the scrim's strength bound, the confined scrim, fonts, timing."""

from __future__ import annotations

import io

import pytest
from fontTools.ttLib import TTFont
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from newscard.models.settings import Theme
from newscard.rendering import images, pixels
from newscard.rendering.cards import PRESETS, WCAG_MIN_CONTRAST, CardText, hex_luminance, render_card
from newscard.rendering.fonts import PACKAGE_FONTS

TARGET = 5.0
colours = st.tuples(st.integers(0, 255), st.integers(0, 255), st.integers(0, 255))
regions = st.lists(colours, min_size=1, max_size=24)
text_colours = st.sampled_from(["#ffffff", "#f5f5f0", "#ffe8a0", "#e0f0ff"])
dark_text_colours = st.sampled_from(["#000000", "#111111", "#202830", "#3a1010"])


def _region(values: list[tuple[int, int, int]]) -> Image.Image:
    image = Image.new("RGB", (len(values), 1))
    image.putdata(values)
    return image


def _luminances(image: Image.Image) -> list[float]:
    return [hex_luminance("#{:02x}{:02x}{:02x}".format(*p)) for p in image.get_flattened_data()]  # type: ignore[str-format]


@settings(max_examples=300, deadline=None)
@given(values=regions, text=text_colours)
def test_the_closed_form_black_scrim_reaches_the_target_on_every_pixel(
    values: list[tuple[int, int, int]], text: str
) -> None:
    # Given any pixels behind light text, and the strength derived from their brightest alone
    region = _region(values)
    text_luminance = hex_luminance(text)
    _, brightest = pixels.luminance_range(region, (0, 0, region.width, 1))
    alpha = pixels.darkening_for(brightest, text_luminance, TARGET)
    # When the region is blended toward black at that strength, as the scrim does
    shaded = Image.blend(region, Image.new("RGB", region.size), alpha)
    # Then no shaded pixel is brighter than the bound, and the text reaches the target on all
    worst = max(_luminances(shaded))
    assert worst <= pixels.darkened_bound(brightest, alpha) + 1e-9
    if alpha < 1.0:
        assert pixels.contrast_ratio(text_luminance, worst) >= TARGET


@settings(max_examples=300, deadline=None)
@given(values=regions, text=dark_text_colours)
def test_the_white_scrim_for_dark_text_reaches_the_target_on_every_pixel(
    values: list[tuple[int, int, int]], text: str
) -> None:
    region = _region(values)
    text_luminance = hex_luminance(text)
    minima = pixels.channel_minima(region, (0, 0, region.width, 1))
    alpha = pixels.lightening_for(minima, text_luminance, TARGET)
    shaded = Image.blend(region, Image.new("RGB", region.size, (255, 255, 255)), alpha)
    darkest = min(_luminances(shaded))
    assert darkest >= pixels.lightened_bound(minima, alpha) - 1e-9
    assert pixels.contrast_ratio(text_luminance, darkest) >= TARGET


def test_a_dark_photo_needs_no_more_than_the_designed_gradient() -> None:
    region = _region([(30, 40, 50), (60, 60, 60)])
    _, brightest = pixels.luminance_range(region, (0, 0, 2, 1))
    assert pixels.darkening_for(brightest, 1.0, TARGET) == 0.0


def _mean_luminance(image: Image.Image, box: tuple[int, int, int, int]) -> float:
    return sum(image.crop(box).convert("L").get_flattened_data()) / ((box[2] - box[0]) * (box[3] - box[1]))  # type: ignore[arg-type]


def test_on_a_bright_photo_the_scrim_stays_under_the_text_block() -> None:
    # Given a white photo and a story card (the text sits above the viewer's bottom band)
    preset = PRESETS["story"]
    card = render_card(
        CardText("A bright beach at noon", "Travel", "Site"),
        preset=preset,
        theme=Theme(),
        photo=Image.new("RGB", (2400, 1600), (255, 255, 255)),
    )
    rendered = Image.open(io.BytesIO(card.data)).convert("RGB")
    _left, top, right, _ = card.headline_box
    # Then the text reaches WCAG on the pixels behind it ...
    assert card.contrast >= WCAG_MIN_CONTRAST
    behind = _mean_luminance(rendered, (right - 40, top, right, top + 40))
    # ... the top of the photo is untouched, and the band under the block (the viewer's UI band)
    # and the corners keep the light gradient only, not the block's heavy shade
    assert _mean_luminance(rendered, (0, 0, preset.width, 400)) >= 250
    bottom_band = _mean_luminance(rendered, (0, preset.height - 120, preset.width, preset.height))
    assert bottom_band >= 255 * (1 - 0.35) - 6
    assert bottom_band > behind + 40  # the old full-width scrim left both equal


def test_an_already_dark_photo_is_shaded_by_the_design_gradient_only() -> None:
    preset = PRESETS["og"]
    photo = Image.new("RGB", (2400, 1600), (60, 60, 60))
    card = render_card(CardText("Night", "News", "Site"), preset=preset, theme=Theme(), photo=photo)
    rendered = Image.open(io.BytesIO(card.data)).convert("L")
    # 35 % toward black under the text, nothing at the top
    assert abs(rendered.getpixel((preset.width - 10, preset.height - 10)) - round(60 * 0.65)) <= 3  # type: ignore[operator]
    assert abs(rendered.getpixel((preset.width // 2, 5)) - 60) <= 3  # type: ignore[operator]


def test_bundled_truetype_fonts_ship_without_hinting_programs() -> None:
    # Hinting changes no visible pixel at card sizes but is most of the glyph time
    # (scripts/dehint_fonts.py strips it; a font added without running it fails here).
    for path in sorted(PACKAGE_FONTS.glob("*.ttf")):
        font = TTFont(str(path), lazy=True)
        assert not any(tag in font for tag in ("fpgm", "prep", "cvt ")), path.name


def test_one_decode_serves_every_preset_and_the_page_image() -> None:
    photo = images.Photo(Image.new("RGB", (2400, 1600), (120, 90, 60)))
    for preset in PRESETS.values():
        images.cover(photo, (preset.width, preset.height))
    images.web_rendition(photo, 1600)
    # Only the 1/2 level was ever computed (og and the page image), from the one decode
    assert sorted(photo._levels) == [1, 2]


def test_a_flat_shade_by_table_matches_pillows_masked_paste_to_the_byte() -> None:
    # Given every 8-bit value in each channel
    values = Image.frombytes("RGB", (256, 1), bytes(v for v in range(256) for _ in range(3)))
    for colour in ((0, 0, 0), (255, 255, 255), (10, 200, 77)):
        for level in range(256):
            # When it is shaded through a flat mask by Pillow's paste, and by the table
            pasted = values.copy()
            pasted.paste(Image.new("RGB", values.size, colour), (0, 0), Image.new("L", values.size, level))
            # Then both give the same bytes
            assert values.point(pixels._blend_table(level, colour)).tobytes() == pasted.tobytes(), (
                colour,
                level,
            )


@pytest.mark.parametrize("upward", [False, True])
@pytest.mark.parametrize("colour", [(0, 0, 0), (255, 255, 255)])
def test_the_block_gets_its_level_and_the_far_side_the_flat_base_shade(
    upward: bool, colour: tuple[int, int, int]
) -> None:
    # Given a grey card and a block in its middle, shaded down (or up) from the block
    grey = (120, 120, 120)
    canvas = Image.new("RGB", (300, 400), grey)
    block, feather = (60, 150, 240, 250), 20
    pixels.shade(
        canvas,
        ramp_top=100 if not upward else 300,
        block=block,
        base_alpha=0.35,
        block_alpha=0.6,
        colour=colour,
        feather=feather,
        upward=upward,
    )

    def blended(alpha: float) -> tuple[int, ...]:
        probe = Image.new("RGB", (1, 1), grey)
        level = pixels._mask_level(alpha)
        probe.paste(Image.new("RGB", (1, 1), colour), (0, 0), Image.new("L", (1, 1), level))
        return probe.getpixel((0, 0))  # type: ignore[return-value]

    # Then every pixel of the block is at exactly the block's strength, the whole block
    left, top, right, bottom = block
    assert canvas.crop(block).getcolors() == [((right - left) * (bottom - top), blended(0.6))]
    # ... beyond the feather on the shaded side the flat base shade spans the full width
    far = (0, bottom + feather, 300, 400) if not upward else (0, 0, 300, top - feather)
    assert canvas.crop(far).getcolors() == [(300 * (far[3] - far[1]), blended(0.35))]
    # ... and on the other side, before the ramp begins, the photo is untouched
    near = (0, 0, 300, 100) if not upward else (0, 300, 300, 400)
    assert canvas.crop(near).getcolors() == [(300 * 100, grey)]


def test_ink_composited_band_by_band_equals_one_paste_through_the_whole_coverage() -> None:
    # Given a ragged block of lines (long, short, a gap, a mark far out) in a coverage mask
    photo = Image.effect_noise((600, 400), 60).convert("RGB")
    canvas, reference = photo.copy(), photo.copy()
    ink = pixels.InkMask(canvas, (20, 10, 580, 390))
    ink.draw.rectangle((0, 0, 500, 30), fill=255)
    ink.draw.rectangle((0, 45, 90, 70), fill=200)
    ink.draw.ellipse((300, 200, 340, 240), fill=128)
    ink.draw.point((559, 379), fill=255)
    coverage = ink.mask.copy()
    # When it is composited in the text colour
    ink.composite("#f5e0a0")
    # Then the card is what one paste through the whole coverage gives
    reference.paste(Image.new("RGB", coverage.size, (0xF5, 0xE0, 0xA0)), (20, 10), coverage)
    assert canvas.tobytes() == reference.tobytes()
