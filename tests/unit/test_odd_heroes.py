"""Heroes of any size render: the crop box stays inside the photo whatever the rounding, slivers
have no subject to find, and a panorama's face search stays within a bounded working size."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from newscard.models.settings import Theme
from newscard.rendering import images, subject
from newscard.rendering.cards import PRESETS, CardText, render_card

TEXT = CardText("Council approves new budget after a long night of talks", "City", "The Gazette")


@given(
    width=st.integers(1, 8000),
    height=st.integers(1, 8000),
    preset=st.sampled_from(sorted(PRESETS)),
    focal=st.tuples(st.floats(0, 1), st.floats(0, 1)),
)
def test_the_cover_box_stays_inside_the_photo(
    width: int, height: int, preset: str, focal: tuple[float, float]
) -> None:
    frame = PRESETS[preset]
    left, top, right, bottom = images.cover_box((width, height), (frame.width, frame.height), focal)
    assert 0 <= left <= right <= width and 0 <= top <= bottom <= height


@pytest.mark.parametrize("size", [(1500, 844), (3000, 1688), (1600, 900), (800, 450)])
@pytest.mark.parametrize("layout", ["overlay", "split"])
def test_a_photo_whose_crop_rounds_over_its_edge_makes_every_card(size: tuple[int, int], layout: str) -> None:
    photo = Image.new("RGB", size, (70, 90, 120))
    for preset in PRESETS.values():
        card = render_card(TEXT, preset=preset, theme=Theme(), photo=photo, layout=layout)
        assert card.data[:2] == b"\xff\xd8"


@pytest.mark.parametrize("size", [(1, 1), (2, 300), (3000, 60), (60, 3000), (4, 4)])
def test_a_sliver_of_a_photo_has_its_subject_in_the_middle_and_still_makes_cards(
    size: tuple[int, int],
) -> None:
    photo = Image.new("RGB", size, (200, 40, 40))
    found = subject.find_subject(photo)
    assert found.focus == (0.5, 0.5) or all(0 <= value <= 1 for value in found.focus)
    for preset in PRESETS.values():
        card = render_card(TEXT, preset=preset, theme=Theme(), photo=photo, subject=found)
        assert card.data[:2] == b"\xff\xd8"


def test_a_panoramas_face_search_never_builds_an_image_larger_than_its_working_size(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    largest: list[int] = [0]
    real_new = Image.new

    def recording_new(mode: str, size: tuple[int, int], *args: Any, **kwargs: Any) -> Image.Image:
        largest[0] = max(largest[0], size[0] * size[1])
        return real_new(mode, size, *args, **kwargs)

    monkeypatch.setattr(subject.Image, "new", recording_new)
    panorama = real_new("RGB", (14000, 700), (90, 110, 80))
    subject.find_subject(panorama)
    assert largest[0] <= 4096 * 4096  # not the 14000 x 14000 letterbox (600 MB) it once was
