"""Card layouts (overlay, split, opinion, text), labels, per-article overrides, theme settings, and
dictionary hyphenation."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from PIL import Image, ImageChops

from newscard.logic.render import card_layout, card_text, decode_hero, render_cards
from newscard.logic.validation import parse_article
from newscard.models.errors import ArticleRejected, ConfigurationError
from newscard.models.settings import Settings, Theme
from newscard.rendering.cards import PRESETS, WCAG_MIN_CONTRAST, CardText, render_card
from newscard.rendering.fonts import font_chain
from newscard.rendering.hyphenation import syllable_breaks
from newscard.rendering.layouts import LAYOUTS, is_urgent
from newscard.rendering.text import fit_headline
from tests.conftest import SEED

THEME = Theme()
ENV = {
    "ARTICLES_BUCKET": "layout-articles",
    "SITE_BUCKET": "layout-site",
    "STATE_TABLE": "layout-state",
    "SITE_BASE_URL": "https://news.example.com",
    "SITE_NAME": "The Layout Ledger",
}
SETTINGS = Settings.from_env(ENV)


def _jpeg(colour: tuple[int, int, int], size: tuple[int, int] = (1600, 1000)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG", quality=92)
    return buffer.getvalue()


def _article(**changes: Any) -> Any:
    document = json.loads(SEED.read_text())
    document["hero"] = {"src": "assets/hero.jpg", "alt": "A blue photo", "credit": "Jane Roe/Agency"}
    document.update(changes)
    return parse_article(json.dumps(document).encode())


def _pixels(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data)).convert("RGB")


def _count(image: Image.Image, box: tuple[int, int, int, int], test: Any) -> int:
    return sum(1 for p in image.crop(box).get_flattened_data() if test(p))  # type: ignore[arg-type]


# --- hyphenation ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "word"),
    [
        ("de", "Genehmigungszuständigkeitsverordnung"),
        ("de", "Bundesverfassungsgerichtsentscheidung"),
        ("en", "Counterrevolutionaries"),
        ("nl", "Arbeidsongeschiktheidsverzekering"),
    ],
)
def test_long_words_break_at_syllables_with_a_hyphen(language: str, word: str) -> None:
    # Given a compound too long for the line even at the smallest size
    block = fit_headline(
        f"{word} gilt",
        chain=font_chain(language),
        width=520,
        height=2000,
        max_lines=8,
        max_size=90,
        min_size=60,
        language=language,
    )
    # Then it is broken, every line ends in a hyphen at a dictionary break, nowhere else
    assert block.words_broken and not block.truncated
    allowed = set(syllable_breaks(word, language))
    broken = [text for text in block.texts if text.endswith("-")]
    assert len(broken) >= 2, block.texts
    offset = 0
    for text in broken:
        offset += len(text) - 1
        assert offset in allowed, (text, block.texts)
    assert (
        "".join(t.removesuffix("-") for t in broken) + " ".join(block.texts[len(broken) :]) == f"{word} gilt"
    )
    assert all(line.width <= 520 for line in block.lines)


def test_a_language_without_a_dictionary_still_breaks_between_characters() -> None:
    word = "अन्तर्राष्ट्रीयकरणप्रक्रियाविश्लेषण"
    block = fit_headline(
        word,
        chain=font_chain("hi"),
        width=300,
        height=2000,
        max_lines=8,
        max_size=80,
        min_size=60,
        language="hi",
    )
    assert len(block.lines) > 1 and all(line.width <= 300 for line in block.lines)
    assert "".join(block.texts) == word  # Devanagari takes no hyphen


# --- layouts --------------------------------------------------------------------------------------


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_every_layout_renders_every_preset_with_readable_contrast(layout: Any, preset: str) -> None:
    photo = Image.new("RGB", (2400, 1600), (250, 250, 240))  # a bright photo: the hard case
    card = render_card(
        CardText(
            "Parliament passes the budget after a night of talks", "Politics", "Site", author="A. Writer"
        ),
        preset=PRESETS[preset],
        theme=THEME,
        photo=photo,
        layout=layout,
    )
    assert card.layout == layout
    assert card.contrast >= WCAG_MIN_CONTRAST
    assert card.headline.lines and not card.headline.truncated
    assert (card.content_type == "image/jpeg") == (layout in ("overlay", "split"))
    assert _pixels(card.data).size == (PRESETS[preset].width, PRESETS[preset].height)


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_split_puts_the_photo_and_the_text_panel_apart(preset: str) -> None:
    card = render_card(
        CardText("Split", "News", "Site"),
        preset=PRESETS[preset],
        theme=THEME,
        photo=Image.new("RGB", (2000, 2000), (230, 30, 30)),
        layout="split",
    )
    assert card.photo_area is not None
    image = _pixels(card.data)
    left, top, right, bottom = card.photo_area
    # The photo area is the photo (red), the headline is outside it on the panel
    assert _count(image, (left + 8, top + 8, left + 40, top + 40), lambda p: p[0] > 180 and p[1] < 80) > 900
    h = card.headline_box
    assert h[2] <= left or h[0] >= right or h[3] <= top or h[1] >= bottom


def test_the_opinion_layout_shows_the_headshot_and_the_author() -> None:
    headshot = Image.new("RGB", (600, 800), (255, 0, 255))
    text = CardText("We must rethink housing", "Opinion", "Site", author="Jane Doe")
    with_face = _pixels(
        render_card(text, preset=PRESETS["square"], theme=THEME, layout="opinion", headshot=headshot).data
    )
    without = _pixels(render_card(text, preset=PRESETS["square"], theme=THEME, layout="opinion").data)
    magenta = lambda p: p[0] > 200 and p[1] < 60 and p[2] > 200  # noqa: E731
    assert _count(with_face, (0, 0, 1080, 400), magenta) > 20_000
    assert _count(without, (0, 0, 1080, 1080), magenta) == 0


def test_breaking_and_live_get_the_urgent_label_style() -> None:
    assert is_urgent("BREAKING") and is_urgent("Live") and is_urgent("Eilmeldung") and is_urgent("عاجل")
    assert not is_urgent("World")
    accent = lambda p: p[0] > 180 and p[1] < 40 and p[2] < 70  # noqa: E731 (the theme's red)

    def tab_pixels(label: str) -> int:
        card = render_card(
            CardText("Headline", label, "Site"), preset=PRESETS["og"], theme=THEME, layout="text"
        )
        return _count(_pixels(card.data), (0, 0, 1200, 630), accent)

    # Same letters, larger tab with a dot: more accent ink
    assert tab_pixels("LIVE") > tab_pixels("LIFE") * 1.1


def test_the_logo_scales_with_the_preset() -> None:
    logo = Image.new("RGBA", (800, 100), (255, 0, 255, 255))  # a wide wordmark
    heights = {}
    for name in ("og", "story"):
        card = render_card(
            CardText("Logo", "News", "Site"), preset=PRESETS[name], theme=THEME, layout="text", logo=logo
        )
        red, green, blue = _pixels(card.data).split()
        magenta = ImageChops.multiply(
            ImageChops.multiply(red.point(lambda v: 255 * (v > 200)), green.point(lambda v: 255 * (v < 60))),
            blue.point(lambda v: 255 * (v > 200)),
        )
        box = magenta.getbbox()
        assert box is not None
        heights[name] = box[3] - box[1]
    assert heights["og"] >= 34 and heights["story"] >= 2 * heights["og"]


def test_the_story_card_uses_its_height_for_a_long_headline() -> None:
    headline = ("Parliament votes on sweeping reform of pensions, housing and energy subsidies " * 3)[:230]
    card = render_card(
        CardText(headline, "News", "Site"),
        preset=PRESETS["story"],
        theme=THEME,
        photo=Image.new("RGB", (2000, 3000), (20, 40, 60)),
    )
    top, bottom = card.headline_box[1], card.headline_box[3]
    assert bottom - top >= 0.4 * 1920 and card.headline.size >= 72
    assert 1920 - bottom < 0.25 * 1920  # no empty lower third


# --- per-article overrides and theme settings ------------------------------------------------------


def _render(article: Any, settings: Settings = SETTINGS, **images: bytes) -> list[Any]:
    image_bytes = {
        "assets/hero.jpg": _jpeg((30, 60, 200)),
        **{f"assets/{k}.jpg": v for k, v in images.items()},
    }
    return render_cards(article, decode_hero(article, image_bytes), settings, image_bytes)


def test_card_headline_and_label_replace_the_article_headline_and_section() -> None:
    article = _article(card={"headline": "Short social headline", "label": "LIVE"})
    text = card_text(article, SETTINGS, None)
    assert (text.headline, text.kicker) == ("Short social headline", "LIVE")
    og = _render(article)[0]
    assert " ".join(og.headline.texts) == "Short social headline"


def test_card_image_replaces_the_hero_on_cards() -> None:
    article = _article(
        card={"image": {"src": "assets/red.jpg", "alt": "Red", "focal_point": {"x": 0.5, "y": 0.5}}}
    )
    og = _render(article, red=_jpeg((220, 20, 20)))[0]
    image = _pixels(og.data)
    r, _, b = image.getpixel((600, 40))  # type: ignore[misc]
    assert r > 150 and b < 80


def test_the_layout_comes_from_the_article_then_the_section_then_the_default() -> None:
    settings = Settings.from_env({**ENV, "CARD_SECTION_LAYOUTS": "World=split, Opinion=opinion"})
    world = _article(section="World")
    assert card_layout(world, settings, True) == "split"
    assert card_layout(_article(section="world"), settings, True) == "split"  # section names ignore case
    assert card_layout(_article(section="Sport"), settings, True) == "overlay"
    assert card_layout(_article(section="Sport"), settings, False) == "text"
    assert card_layout(_article(section="World", card={"layout": "text"}), settings, True) == "text"
    assert {c.layout for c in _render(world, settings)} == {"split"}


def test_an_invalid_section_layout_setting_names_the_variable() -> None:
    with pytest.raises(ConfigurationError, match="CARD_SECTION_LAYOUTS"):
        Settings.from_env({**ENV, "CARD_SECTION_LAYOUTS": "World=fancy"})
    with pytest.raises(ConfigurationError, match="CARD_SECTION_LAYOUTS"):
        Settings.from_env({**ENV, "CARD_SECTION_LAYOUTS": "split"})


def test_the_photo_credit_is_drawn_only_when_the_theme_asks() -> None:
    article = _article()
    assert card_text(article, SETTINGS, "Jane Roe/Agency").credit is None
    credited = Settings.from_env({**ENV, "CARD_PHOTO_CREDIT": "true"})
    assert card_text(article, credited, "Jane Roe/Agency").credit == "Jane Roe/Agency"
    plain, with_credit = (_pixels(_render(article, s)[0].data) for s in (SETTINGS, credited))
    corner = (800, 0, 1200, 80)
    dark = lambda p: sum(p) < 160  # noqa: E731
    assert _count(with_credit, corner, dark) > _count(plain, corner, dark) + 1000


def test_the_opinion_layout_uses_the_authors_headshot_from_the_article() -> None:
    article = _article(
        card={"layout": "opinion"},
        authors=[{"name": "Jane Doe", "image": "assets/jane.jpg"}],
    )
    square = _render(article, jane=_jpeg((255, 0, 255), (400, 500)))[1]
    assert square.layout == "opinion"
    magenta = lambda p: p[0] > 200 and p[1] < 60 and p[2] > 200  # noqa: E731
    assert _count(_pixels(square.data), (0, 0, 1080, 400), magenta) > 10_000


@pytest.mark.parametrize(
    ("card", "loc"),
    [
        ({"headline": "x" * 121}, "/card/headline"),
        ({"headline": "Bad \u202e order"}, "/card/headline"),
        ({"label": "L" * 25}, "/card/label"),
        ({"label": ""}, "/card/label"),
        ({"layout": "fancy"}, "/card/layout"),
        ({"image": {"src": "file:///etc/passwd", "alt": "x"}}, "/card/image/src"),
        ({"image": {"src": "assets/../secret.jpg", "alt": "x"}}, "/card/image/src"),
        ({"image": {"src": "assets/a.jpg"}}, "/card/image/alt"),
        (
            {"image": {"src": "assets/a.jpg", "alt": "x", "focal_point": {"x": 2, "y": 0}}},
            "/card/image/focal_point/x",
        ),
        ({"focal_points": {"banner": {"x": 0.5, "y": 0.5}}}, "/card/focal_points/banner"),
        ({"focal_points": {"og": {"x": 0.5, "y": -1}}}, "/card/focal_points/og/y"),
        ({"focal_points": {"og": {"x": 0.5}}}, "/card/focal_points/og/y"),
        ({"focal_points": []}, "/card/focal_points"),
        ({"colour": "red"}, "/card/colour"),
        ("big", "/card"),
    ],
)
def test_hostile_card_fields_are_rejected_with_located_errors(card: Any, loc: str) -> None:
    with pytest.raises(ArticleRejected) as caught:
        _article(card=card)
    problems = {p.loc: p.msg for p in caught.value.problems}
    assert loc in problems, problems
    assert problems[loc] and "Input should" not in problems[loc]


def test_a_hostile_headshot_src_is_rejected_at_its_author() -> None:
    with pytest.raises(ArticleRejected) as caught:
        _article(authors=[{"name": "A", "image": "http://169.254.169.254/latest"}])
    assert [p.loc for p in caught.value.problems] == ["/authors/0/image"]
