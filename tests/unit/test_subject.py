"""Cards find their subject: real face photos placed off-centre in wide and tall frames keep the face
whole in every preset's crop and out from under the headline; saliency, focal points and per-preset
crops decide when there is no face or when an editor says so."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest
from PIL import Image, ImageDraw

from newscard.logic.render import decode_hero, render_cards
from newscard.logic.validation import parse_article
from newscard.models.settings import Settings, Theme
from newscard.rendering import subject
from newscard.rendering.cards import PRESETS, CardText, RenderedCard, render_card
from tests.conftest import SEED

skimage_data = pytest.importorskip("skimage.data")
cbook = pytest.importorskip("matplotlib.cbook")

THEME = Theme()
SETTINGS = Settings.model_validate(
    {
        "ARTICLES_BUCKET": "subject-articles",
        "SITE_BUCKET": "subject-site",
        "STATE_TABLE": "subject-state",
        "SITE_BASE_URL": "https://news.example.com",
        "SITE_NAME": "The Subject Times",
    }
)
HEADLINE = "Astronaut returns to Earth after a record six months aboard the station, doctors say"
Box = tuple[float, float, float, float]


def _astronaut() -> Image.Image:
    return Image.fromarray(skimage_data.astronaut())


def _hopper() -> Image.Image:
    with cbook.get_sample_data("grace_hopper.jpg") as handle:
        return Image.open(handle).convert("RGB")


# The faces in the original photos (brows to chin, normalised), checked by eye: the ground truth.
PHOTOS: dict[str, tuple[Callable[[], Image.Image], Box]] = {
    "astronaut": (_astronaut, (0.34, 0.14, 0.54, 0.34)),
    "hopper": (_hopper, (0.32, 0.21, 0.72, 0.55)),
}


def _backdrop(size: tuple[int, int]) -> Image.Image:
    """A plain outdoor-ish backdrop with some texture, so the canvas is not a flat colour."""
    canvas = Image.new("RGB", size, (96, 118, 84))
    draw = ImageDraw.Draw(canvas)
    for x in range(0, size[0], 60):
        draw.line((x, 0, x + size[1] // 3, size[1]), fill=(104, 124, 90), width=9)
    return canvas


# (canvas size, photo height, where its top-left goes): wide and tall frames, off-centre.
PLACEMENTS = {
    "wide-right": ((2400, 1350), 700, (1600, 500)),
    "wide-left-top": ((2400, 1350), 900, (60, 0)),
    "tall-top-left": ((1080, 1920), 560, (0, 40)),
    "tall-bottom-right": ((1080, 1920), 620, (520, 1250)),
    "square-corner": ((1600, 1600), 600, (950, 80)),
}


def _case(photo: str, placement: str) -> tuple[Image.Image, Box]:
    """The photo pasted into a larger frame, and where its face is in that frame (pixels)."""
    make, face = PHOTOS[photo]
    size, height, (x, y) = PLACEMENTS[placement]
    original = make()
    width = round(original.width * height / original.height)
    canvas = _backdrop(size)
    canvas.paste(original.resize((width, height), Image.Resampling.LANCZOS), (x, y))
    box = (x + face[0] * width, y + face[1] * height, x + face[2] * width, y + face[3] * height)
    return canvas, box


def _on_card(card: RenderedCard, box: Box) -> Box:
    """A box in photo pixels, where the card drew it (card pixels)."""
    assert card.photo_area is not None and card.photo_crop is not None
    left, top, right, _ = card.photo_crop
    scale = (card.photo_area[2] - card.photo_area[0]) / (right - left)
    return (
        card.photo_area[0] + (box[0] - left) * scale,
        card.photo_area[1] + (box[1] - top) * scale,
        card.photo_area[0] + (box[2] - left) * scale,
        card.photo_area[1] + (box[3] - top) * scale,
    )


def _inside(inner: Box, outer: Box, slack: float = 0.5) -> bool:
    return (
        inner[0] >= outer[0] - slack
        and inner[1] >= outer[1] - slack
        and inner[2] <= outer[2] + slack
        and inner[3] <= outer[3] + slack
    )


def _overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _iou(a: Box, b: Box) -> float:
    inter = max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    area = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / area


@pytest.fixture(scope="module", autouse=True)
def _detector_installed() -> None:
    if not subject.detector_available():
        pytest.skip("the face detector runtime (numpy, ai-edge-litert) is not installed")


# --- the detector finds the face where it was put -------------------------------------------------


@pytest.mark.parametrize("placement", sorted(PLACEMENTS))
@pytest.mark.parametrize("photo", sorted(PHOTOS))
def test_the_face_is_found_where_the_photo_was_placed(photo: str, placement: str) -> None:
    canvas, truth = _case(photo, placement)
    found = subject.find_subject(canvas)
    assert found.source == "faces"
    width, height = canvas.size
    boxes = [(b[0] * width, b[1] * height, b[2] * width, b[3] * height) for b in found.faces]
    assert max(_iou(box, truth) for box in boxes) > 0.4, boxes


# --- faces stay whole and uncovered in every preset ------------------------------------------------


@pytest.mark.parametrize("preset", sorted(PRESETS))
@pytest.mark.parametrize("placement", sorted(PLACEMENTS))
@pytest.mark.parametrize("photo", sorted(PHOTOS))
def test_the_face_is_whole_in_the_crop_and_no_headline_covers_it(
    photo: str, placement: str, preset: str
) -> None:
    # Given a face photo placed off-centre in a bigger frame, and no focal point
    canvas, truth = _case(photo, placement)
    found = subject.find_subject(canvas)
    # When the preset's card is rendered with the detected subject
    card = render_card(
        CardText(HEADLINE, "Science", "Site"),
        preset=PRESETS[preset],
        theme=THEME,
        photo=canvas,
        subject=found,
    )
    # Then the true face box lies whole inside the part of the photo the card shows
    assert card.photo_crop is not None
    assert _inside(truth, card.photo_crop), (truth, card.photo_crop, card.layout)
    # And on the card the face and the headline do not overlap
    face = _on_card(card, truth)
    assert not _overlaps(face, card.headline_box), (face, card.headline_box, card.layout)
    assert card.headline.lines and not card.headline.truncated
    assert card.contrast >= 4.5


def _group() -> tuple[Image.Image, list[Box]]:
    """Two people side by side in a 16:9 frame, at different sizes (a group shot)."""
    canvas = _backdrop((2400, 1350))
    truths = []
    for (make, face), height, (x, y) in (
        (PHOTOS["hopper"], 820, (300, 250)),
        (PHOTOS["astronaut"], 640, (1350, 420)),
    ):
        original = make()
        width = round(original.width * height / original.height)
        canvas.paste(original.resize((width, height), Image.Resampling.LANCZOS), (x, y))
        truths.append((x + face[0] * width, y + face[1] * height, x + face[2] * width, y + face[3] * height))
    return canvas, truths


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_in_a_group_shot_no_headline_covers_any_face(preset: str) -> None:
    canvas, truths = _group()
    found = subject.find_subject(canvas)
    assert len(found.faces) == 2
    card = render_card(
        CardText(HEADLINE, "Science", "Site"),
        preset=PRESETS[preset],
        theme=THEME,
        photo=canvas,
        subject=found,
    )
    assert card.photo_crop is not None
    # The largest face is always whole; both are on the wide card
    assert _inside(truths[0], card.photo_crop)
    if preset == "og":
        assert _inside(truths[1], card.photo_crop)
    # No face, whole or cut by the crop, lies under the headline
    for truth in truths:
        assert not _overlaps(_on_card(card, truth), card.headline_box), (truth, card.layout)


def test_one_detection_serves_every_preset(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given an article whose hero has no focal point
    canvas, _ = _case("astronaut", "wide-right")
    buffer = io.BytesIO()
    canvas.save(buffer, "JPEG", quality=90)
    document = json.loads(SEED.read_text())
    document["hero"] = {"src": "assets/astronaut.jpg", "alt": "An astronaut"}
    article = parse_article(json.dumps(document).encode())
    calls: list[tuple[int, int]] = []
    real = subject.find_subject

    def counting(photo: Any) -> subject.Subject:
        calls.append(photo.size)
        return real(photo)

    monkeypatch.setattr(subject, "find_subject", counting)
    images = {"assets/astronaut.jpg": buffer.getvalue()}
    # When the hero is decoded and its three cards rendered
    hero = decode_hero(article, images)
    cards = render_cards(article, hero, SETTINGS, images)
    # Then the detector ran once, and every card was cropped from what it found
    assert len(calls) == 1 and len(cards) == 3
    assert hero.subject.source == "faces"


# --- fallbacks and overrides -----------------------------------------------------------------------


def _no_face_photo() -> Image.Image:
    """A red balloon (saturated, edged) off-centre on a flat grey sky, no faces."""
    photo = Image.new("RGB", (2400, 1200), (150, 155, 160))
    ImageDraw.Draw(photo).ellipse((1900, 250, 2250, 650), fill=(220, 30, 40), outline=(60, 0, 0), width=8)
    return photo


def test_without_a_face_the_saliency_map_finds_the_subject() -> None:
    photo = _no_face_photo()
    found = subject.find_subject(photo)
    assert found.source == "saliency" and not found.faces
    x, y = found.focus
    assert 1800 / 2400 < x < 2350 / 2400 and 150 / 1200 < y < 750 / 1200
    # And the square card, centred on it, shows the balloon
    card = render_card(
        CardText("Balloon", "News", "Site"), preset=PRESETS["square"], theme=THEME, photo=photo, subject=found
    )
    assert card.photo_crop is not None and card.photo_crop[0] <= 1900 and card.photo_crop[2] >= 2250


def test_without_the_detector_runtime_cards_fall_back_to_saliency() -> None:
    # Given a process in which the layer's runtime cannot be imported (as on a stack without it)
    code = (
        "import sys; sys.modules['ai_edge_litert'] = None\n"
        "from PIL import Image\n"
        "from newscard.rendering import subject\n"
        "from newscard.models.settings import Theme\n"
        "from newscard.rendering.cards import PRESETS, CardText, render_card\n"
        "photo = Image.new('RGB', (2400, 1200), (150, 155, 160))\n"
        "from PIL import ImageDraw; ImageDraw.Draw(photo).ellipse((200, 250, 550, 650), fill=(220, 30, 40))\n"
        "found = subject.find_subject(photo)\n"
        "card = render_card(CardText('x', 'y', 'z'), preset=PRESETS['og'], theme=Theme(),"
        " photo=photo, subject=found)\n"
        "print(subject.detector_available(), found.source, round(found.focus[0], 2), len(card.data) > 1000)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    available, source, x, rendered = result.stdout.split()
    # Then the card is still rendered, around the salient point
    assert (available, source, rendered) == ("False", "saliency", "True")
    assert float(x) < 0.3


def _article(**changes: Any) -> tuple[Any, dict[str, bytes]]:
    canvas, _ = _case("hopper", "wide-left-top")
    buffer = io.BytesIO()
    canvas.save(buffer, "JPEG", quality=90)
    document = json.loads(SEED.read_text())
    document["hero"] = {"src": "assets/hopper.jpg", "alt": "Grace Hopper"}
    document.update(changes)
    return parse_article(json.dumps(document).encode()), {"assets/hopper.jpg": buffer.getvalue()}


def _crop_centre(card: RenderedCard, size: tuple[int, int]) -> tuple[float, float]:
    assert card.photo_crop is not None
    left, top, right, bottom = card.photo_crop
    return ((left + right) / 2 / size[0], (top + bottom) / 2 / size[1])


def test_an_explicit_focal_point_wins_over_the_faces() -> None:
    article, images = _article(
        hero={"src": "assets/hopper.jpg", "alt": "Grace Hopper", "focal_point": {"x": 0.9, "y": 0.5}}
    )
    hero = decode_hero(article, images)
    assert hero.subject.source == "focal_point" and not hero.subject.faces
    square = render_cards(article, hero, SETTINGS, images, presets=[PRESETS["square"]])[0]
    # The square crop of a 16:9 frame is centred as close to x=0.9 as the frame allows
    assert _crop_centre(square, (2400, 1350))[0] > 0.7


def test_a_per_preset_focal_point_wins_for_that_preset_only() -> None:
    article, images = _article(card={"focal_points": {"square": {"x": 1.0, "y": 0.5}}})
    hero = decode_hero(article, images)
    og, square, story = render_cards(article, hero, SETTINGS, images)
    assert _crop_centre(square, (2400, 1350))[0] > 0.7  # the editor's crop: the right edge
    assert _crop_centre(story, (2400, 1350))[0] < 0.3  # the others follow the face, on the left
    assert og.photo_crop is not None


def test_detection_is_deterministic() -> None:
    canvas, _ = _case("astronaut", "tall-bottom-right")
    first = subject.find_subject(canvas)
    subject._detector.cache_clear()
    assert subject.find_subject(canvas) == first


# --- the page uses the same subject ----------------------------------------------------------------


def test_a_very_tall_hero_is_cropped_on_the_page_around_its_subject() -> None:
    # Given a portrait hero (1080x1920) with the face near the bottom, and no focal point
    canvas, truth = _case("astronaut", "tall-bottom-right")
    buffer = io.BytesIO()
    canvas.save(buffer, "JPEG", quality=90)
    document = json.loads(SEED.read_text())
    document["hero"] = {"src": "assets/tall.jpg", "alt": "An astronaut"}
    document["body"] = [{"type": "paragraph", "text": "Text."}]
    article = parse_article(json.dumps(document).encode())
    # When the article is rendered
    from newscard.logic.render import render_article

    objects = render_article(article, {"assets/tall.jpg": buffer.getvalue()}, SETTINGS)
    hero = next(o for o in objects if o.role == "image")
    page = next(o for o in objects if o.role == "page").body.decode()
    # Then the page's hero is 4:5, not 9:16, and still shows the face whole
    assert hero.width is not None and hero.height is not None
    assert hero.height == round(hero.width * 5 / 4)
    with Image.open(io.BytesIO(hero.body)) as picture:
        assert picture.size == (hero.width, hero.height)
    scale = hero.width / canvas.width
    shown_top = canvas.height * scale - hero.height  # the crop sits at the bottom: the face is there
    assert truth[1] * scale >= shown_top - 1 and truth[3] * scale <= canvas.height * scale
    # And the subject's point is there for CSS crops (object-position), on the page and in the manifest
    assert hero.focus is not None and 0.5 < hero.focus[0] < 1 and 0.5 < hero.focus[1] < 1
    assert f"object-position:{round(hero.focus[0] * 100)}% {round(hero.focus[1] * 100)}%" in page
