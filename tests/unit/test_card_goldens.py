"""Golden cards: the seed article and one headline per script, compared with a tolerance.

Goldens are stored at half size (small in git, still enough to show a missing glyph or a wrong
line break). Regenerate after an intended change with ``NEWSCARD_UPDATE_GOLDENS=1 pytest -k golden``
and look at every file before committing. On failure, actual, expected and a diff image are
written to tests/golden/actual/.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from newscard.logic.render import decode_hero, render_cards
from newscard.logic.validation import parse_article
from newscard.models.settings import Settings
from tests.conftest import EXAMPLES, SEED

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "cards"
ACTUAL = GOLDEN.parent / "actual"
UPDATE = os.environ.get("NEWSCARD_UPDATE_GOLDENS") == "1"
# Mean absolute difference per channel (0-255), and the share of pixels allowed to differ a lot.
MAX_MEAN_DIFFERENCE = 1.5
MAX_CHANGED_SHARE = 0.001

SETTINGS = Settings.model_validate(
    {
        "ARTICLES_BUCKET": "golden-articles",
        "SITE_BUCKET": "golden-site",
        "STATE_TABLE": "golden-state",
        "SITE_BASE_URL": "https://news.example.com",
        "SITE_NAME": "The Golden Gazette",
    }
)
SCRIPTS = ["ar", "el", "emoji", "he", "hi", "ja", "ko", "ru", "th", "zh"]
# Every layout in Latin, Arabic, Devanagari and CJK (overlay is the default, covered above).
LAYOUT_SCRIPTS = {
    "seed": SEED,
    **{name: EXAMPLES / "multilingual" / f"{name}.json" for name in ("ar", "hi", "ja")},
}
CASES = (
    [("seed", SEED, preset, None) for preset in ("og", "square", "story")]
    + [(name, EXAMPLES / "multilingual" / f"{name}.json", "og", None) for name in SCRIPTS]
    + [
        (name, path, preset, layout)
        for layout in ("split", "opinion", "text")
        for name, path in LAYOUT_SCRIPTS.items()
        for preset in ("og", "story")
    ]
)
HEADSHOT = "assets/starmer-macron-merz.jpg"  # stands in for a columnist's headshot


def _cards(path: Path, layout: str | None) -> dict[str, bytes]:
    document = json.loads(path.read_text())
    if layout is not None:
        document["card"] = {"layout": layout}
    if layout == "opinion":
        document["authors"] = [{"name": "Amira Haddad", "image": HEADSHOT}]
    article = parse_article(json.dumps(document).encode())
    images = {}
    for _, src in article.image_sources() + article.card_image_sources():
        images[src] = (EXAMPLES / src).read_bytes()
    hero = decode_hero(article, images)
    return {card.preset: card.data for card in render_cards(article, hero, SETTINGS, images)}


def _half(data: bytes) -> Image.Image:
    with Image.open(io.BytesIO(data)) as card:
        return card.convert("RGB").resize((card.width // 2, card.height // 2), Image.Resampling.BOX)


@pytest.mark.parametrize(
    ("name", "path", "preset", "layout"),
    CASES,
    ids=[f"{n}-{p}" if layout is None else f"{n}-{layout}-{p}" for n, _, p, layout in CASES],
)
def test_card_matches_its_golden_image(name: str, path: Path, preset: str, layout: str | None) -> None:
    name = name if layout is None else f"{name}-{layout}"
    actual = _half(_cards(path, layout)[preset])
    golden = GOLDEN / f"{name}-{preset}.png"
    if UPDATE:
        golden.parent.mkdir(parents=True, exist_ok=True)
        actual.save(golden, optimize=True)
        pytest.skip(f"wrote {golden.name}")
    expected = Image.open(golden).convert("RGB")
    assert expected.size == actual.size
    diff = ImageChops.difference(actual, expected)
    histogram = diff.convert("L").histogram()
    pixels = actual.width * actual.height
    mean = sum((index % 256) * count for index, count in enumerate(diff.histogram())) / (pixels * 3)
    changed = sum(histogram[48:]) / pixels
    if mean > MAX_MEAN_DIFFERENCE or changed > MAX_CHANGED_SHARE:
        ACTUAL.mkdir(parents=True, exist_ok=True)
        actual.save(ACTUAL / f"{name}-{preset}.actual.png")
        expected.save(ACTUAL / f"{name}-{preset}.expected.png")
        diff.point(lambda v: min(255, v * 4)).save(ACTUAL / f"{name}-{preset}.diff.png")
    assert mean <= MAX_MEAN_DIFFERENCE, f"mean difference {mean:.2f}; see {ACTUAL}"
    assert changed <= MAX_CHANGED_SHARE, f"{changed:.2%} of pixels changed a lot; see {ACTUAL}"
