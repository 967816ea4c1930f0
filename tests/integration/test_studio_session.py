"""The studio's work without HTTP: the same validation and cards as publishing, and only changed cards."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from newscard.cli import _local_settings
from newscard.dal.memory import DirectoryStore, MemoryStore
from newscard.logic.images import ImageLoader
from newscard.logic.publish import Publisher
from newscard.models.article import Article
from newscard.rendering.images import ImageProblem
from newscard.studio.locate import locate_lines, member_offsets
from newscard.studio.session import PAGE_ONLY_FIELDS, Studio
from tests.conftest import EXAMPLES, SEED, jpeg_bytes

HAS_CARD_OPTIONS = "card" in Article.model_fields
needs_card_options = pytest.mark.skipif(
    not HAS_CARD_OPTIONS, reason="needs the `card` field of SPEC 9 (issue 13) in the article model"
)


@pytest.fixture
def studio() -> Iterator[Studio]:
    instance = Studio(_local_settings(None, None), DirectoryStore(EXAMPLES))
    yield instance
    instance.close()


def seed(**changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(SEED.read_text())
    document.update(changes)
    return document


def text(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False)


def digests(studio: Studio, document: dict[str, Any], theme: object = None) -> dict[str, str]:
    preview = studio.preview(text(document), theme)
    assert preview.problems == []
    return {preset: card["digest"] for preset, card in preview.cards.items()}


def problems(studio: Studio, source: str, theme: object = None) -> list[tuple[str, str, int | None]]:
    preview = studio.preview(source, theme)
    assert preview.cards == {} and preview.page is None
    return [(p["loc"], p["msg"], p["line"]) for p in preview.problems]


def test_cards_are_the_bytes_publishing_previews(studio: Studio) -> None:
    """The studio draws with the renderer the API's /preview uses: byte for byte the same cards."""
    preview = studio.preview(SEED.read_text())
    publisher = Publisher(
        site=MemoryStore(), images=ImageLoader(DirectoryStore(EXAMPLES)), settings=studio.settings
    )
    for preset, card in preview.cards.items():
        rendered = studio.card(preset, card["digest"])
        assert rendered is not None
        assert rendered.data == publisher.preview(SEED.read_bytes(), preset).data
        assert (rendered.width, rendered.height) == (card["width"], card["height"])
        assert card["url"] == f"/cards/{preset}/{card['digest']}"


def test_the_page_preview_is_the_site_template_with_images_the_studio_serves(studio: Studio) -> None:
    preview = studio.preview(SEED.read_text())
    assert preview.page is not None
    assert "<h1" in preview.page and "US Russia Overtures" in preview.page
    assert set(preview.images) == {"assets/european-leaders.jpg", "assets/starmer-macron-merz.jpg"}
    for src, url in preview.images.items():
        assert url in preview.page
        served = studio.image(url.rsplit("/", 1)[1])
        assert served == ((EXAMPLES / src).read_bytes(), "image/jpeg")
    assert preview.share == {
        "title": "US Russia Overtures Deepen European Fears Over Future of Alliance",
        "description": seed()["dek"],
        "site_name": "Newscard",
        "domain": "localhost",
        "alt": f"{seed()['headline']} — {seed()['hero']['alt']}",
    }
    assert preview.env == [
        "THEME_ACCENT=#d6002a",
        "THEME_BACKGROUND=#14213d",
        "THEME_TEXT=#ffffff",
        "THEME_FONT=sans",
    ]


@pytest.mark.parametrize(
    "change",
    [
        {"dek": "A different standfirst entirely."},
        {"body": [{"type": "paragraph", "text": "Only this paragraph now."}]},
        {"tags": ["Elsewhere"]},
        {"slug": "another-slug"},
        {"canonical_url": "https://example.org/story"},
        {"published_at": "2024-01-01T00:00:00+00:00", "updated_at": "2025-12-07T10:00:00+01:00"},
        {"hero": {**seed()["hero"], "caption": "Another caption"}},
    ],
    ids=lambda change: "+".join(change),
)
def test_page_only_edits_keep_every_card(studio: Studio, change: dict[str, Any]) -> None:
    """Editing what no card shows renders nothing; rendering anyway proves the card bytes agree."""
    assert set(change) - {"hero"} <= PAGE_ONLY_FIELDS
    before = digests(studio, seed())
    assert digests(studio, seed(**change)) == before
    publisher = Publisher(
        site=MemoryStore(), images=ImageLoader(DirectoryStore(EXAMPLES)), settings=studio.settings
    )
    changed = text(seed(**change)).encode()
    assert publisher.preview(changed, "og").data == publisher.preview(SEED.read_bytes(), "og").data


@pytest.mark.parametrize(
    "change",
    [
        {"headline": "A new headline"},
        {"section": "World"},
        {"language": "de"},
        {"hero": {**seed()["hero"], "focal_point": {"x": 0.1, "y": 0.9}}},
        {"hero": None},
    ],
    ids=["headline", "section", "language", "focal", "no-hero"],
)
def test_card_edits_change_every_card(studio: Studio, change: dict[str, Any]) -> None:
    before = digests(studio, seed())
    document = {key: value for key, value in seed(**change).items() if value is not None}
    after = digests(studio, document)
    assert all(after[preset] != before[preset] for preset in before)


def test_theme_controls_change_the_cards_and_the_variables_to_set(studio: Studio) -> None:
    before = digests(studio, seed())
    theme = {"accent": "#00aa55", "background": "#000000", "text": "#ffffee", "font": "serif"}
    preview = studio.preview(text(seed()), theme)
    assert all(card["digest"] != before[preset] for preset, card in preview.cards.items())
    assert preview.env == [
        "THEME_ACCENT=#00aa55",
        "THEME_BACKGROUND=#000000",
        "THEME_TEXT=#ffffee",
        "THEME_FONT=serif",
    ]
    # The flat (no photo) card is drawn on the chosen background colour (near its corner).
    flat = studio.preview(text({k: v for k, v in seed().items() if k != "hero"}), theme)
    card = studio.card("og", flat.cards["og"]["digest"])
    assert card is not None
    corner = Image.open(io.BytesIO(card.data)).convert("RGB").getpixel((3, 3))
    assert isinstance(corner, tuple) and max(corner) < 16, corner


@needs_card_options
def test_one_presets_focal_point_re_renders_that_card_only(studio: Studio) -> None:
    before = digests(studio, seed())
    after = digests(studio, seed(card={"focal_points": {"square": {"x": 0.2, "y": 0.3}}}))
    assert after["square"] != before["square"]
    assert after["og"] == before["og"] and after["story"] == before["story"]


@needs_card_options
def test_card_options_change_the_cards(studio: Studio) -> None:
    before = digests(studio, seed())
    after = digests(studio, seed(card={"label": "BREAKING", "layout": "text"}))
    assert all(after[preset] != before[preset] for preset in before)


def test_card_options_are_reported_at_card_until_the_model_has_them(studio: Studio) -> None:
    source = text(seed(card={"label": "BREAKING"}))
    preview = studio.preview(source)
    if HAS_CARD_OPTIONS:
        assert preview.problems == []
    else:
        line = source.split("\n").index('  "card": {') + 1
        assert [(p["loc"], p["line"]) for p in preview.problems] == [("/card", line)]


def test_problems_are_located_at_their_line(studio: Studio) -> None:
    document = seed()
    del document["body"][8]["alt"]
    document["published_at"] = "yesterday"
    source = text(document)
    lines = source.split("\n")
    found = problems(studio, source)
    assert [(loc, line) for loc, _, line in found] == [
        ("/published_at", next(i for i, line in enumerate(lines, 1) if '"published_at"' in line)),
        # the missing member: its object's line, the image block's `{`
        ("/body/8/alt", next(i for i, line in enumerate(lines, 1) if "starmer-macron-merz" in line) - 2),
    ]
    assert "images need alt text" in found[1][1]


def test_a_syntax_error_points_at_its_line(studio: Studio) -> None:
    source = text(seed()).replace('"section":', '"section"', 1)
    (found,) = problems(studio, source)
    assert found[0] == "/" and "not valid JSON" in found[1]
    assert found[2] == next(i for i, line in enumerate(source.split("\n"), 1) if '"section"' in line)


@pytest.mark.parametrize(
    ("src", "message"),
    [
        ("assets/../../etc/passwd", "must be a file under assets/"),
        ("/etc/passwd", "must be a file under assets/"),
        ("assets/./european-leaders.jpg", "must be a file under assets/"),
        ("file:///etc/passwd", "must be a file under assets/"),
        ("http://169.254.169.254/latest", "must be a file under assets/"),
        ("https://example.com/photo.jpg", "not enabled here"),
        ("assets/missing.jpg", "was not found"),
        ("assets/README.md", "not a JPEG, PNG or WebP"),
    ],
)
def test_image_sources_follow_publishing_rules(studio: Studio, src: str, message: str) -> None:
    source = text(seed(hero={"src": src, "alt": "x"}))
    found = problems(studio, source)
    assert [loc for loc, _, _ in found] == ["/hero/src"]
    assert message in found[0][1]


def test_a_symlink_out_of_the_assets_folder_is_not_followed(tmp_path: Path) -> None:
    secret = tmp_path / "secret.jpg"
    secret.write_bytes(jpeg_bytes((40, 30)))
    root = tmp_path / "site"
    (root / "assets").mkdir(parents=True)
    (root / "assets" / "leak.jpg").symlink_to(secret)
    studio = Studio(_local_settings(None, None), DirectoryStore(root))
    try:
        body = [{"type": "paragraph", "text": "Text."}]
        found = problems(studio, text(seed(hero={"src": "assets/leak.jpg", "alt": "x"}, body=body)))
    finally:
        studio.close()
    assert found == [("/hero/src", "the image assets/leak.jpg was not found", found[0][2])]


def test_theme_problems_name_the_variable(studio: Studio) -> None:
    theme = {"accent": "red", "font": "comic", "logo_key": "assets/../secrets.png"}
    found = {loc: msg for loc, msg, line in problems(studio, text(seed()), theme)}
    assert found == {
        "THEME_LOGO_KEY": "must be a file under assets/, like assets/logo.png",
        "THEME_ACCENT": "must be a colour written like #d6002a",
        "THEME_FONT": "must be sans or serif",
    }
    found = {loc: msg for loc, msg, _ in problems(studio, text(seed()), {"logo_key": "assets/nope.png"})}
    assert found == {"THEME_LOGO_KEY": "the image assets/nope.png was not found"}
    assert problems(studio, text(seed()), ["not", "an", "object"])[0][:2] == ("theme", "must be an object")


def test_an_uploaded_image_is_kept_in_memory_and_usable_as_hero_and_logo(studio: Studio) -> None:
    photo = jpeg_bytes((1600, 900), (200, 40, 40))
    uploaded = studio.upload(photo, "Our Photo (final).JPG")
    assert uploaded["src"].startswith("assets/studio/our-photo-final-") and uploaded["src"].endswith(".jpg")
    assert (uploaded["width"], uploaded["height"]) == (1600, 900)
    assert not any(EXAMPLES.rglob("our-photo-final-*"))  # nothing written to --assets
    preview = studio.preview(text(seed(hero={"src": uploaded["src"], "alt": "A red field"})))
    assert preview.problems == []

    logo = io.BytesIO()
    Image.new("RGBA", (300, 80), (255, 255, 255, 255)).save(logo, "PNG")
    logo_key = studio.upload(logo.getvalue(), "logo.png")["src"]
    with_logo = studio.preview(text(seed()), {"logo_key": logo_key})
    assert with_logo.problems == []
    assert f"THEME_LOGO_KEY={logo_key}" in with_logo.env
    assert with_logo.cards["og"]["digest"] != studio.preview(text(seed())).cards["og"]["digest"]


def test_uploads_must_be_images_within_limits(studio: Studio) -> None:
    with pytest.raises(ImageProblem, match="not a JPEG, PNG or WebP"):
        studio.upload(b"<svg xmlns='http://www.w3.org/2000/svg'/>", "logo.svg")
    gif = io.BytesIO()
    Image.new("RGB", (10, 10)).save(gif, "GIF")
    with pytest.raises(ImageProblem, match="GIF"):
        studio.upload(gif.getvalue(), "anim.gif")


def test_hostile_text_is_escaped_in_the_page_and_share_fields(studio: Studio) -> None:
    headline = "</script><script>window.__pwned=true</script><img src=x onerror=alert(1)>"
    preview = studio.preview(text(seed(headline=headline)))
    assert preview.page is not None and preview.share is not None
    assert "<script>window.__pwned" not in preview.page and "<img src=x" not in preview.page
    assert preview.share["title"] == headline  # plain text: the page sets it with textContent


def test_oversized_and_malformed_documents_are_problems_not_crashes(studio: Studio) -> None:
    huge = text(seed(dek="x" * (1024 * 1024)))
    assert "the limit is 1,048,576" in problems(studio, huge)[0][1]
    assert problems(studio, "[1, 2]")[0][:2] == ("/", "the document must be a JSON object ({...})")
    assert "nested too deeply" in problems(studio, "[" * 100 + "]" * 100)[0][1]
    assert problems(studio, "")[0][0] == "/"


def test_superseded_renders_are_cancelled_and_answer_none(studio: Studio) -> None:
    first = studio.preview(text(seed(headline="One")))
    studio.supersede(keep=set())
    for preset, card in first.cards.items():
        # either it was already rendering (and finishes) or it was dropped from the queue
        rendered = studio.card(preset, card["digest"])
        assert rendered is None or rendered.preset == preset
    assert studio.card("og", "0" * 32) is None


def test_member_offsets_and_lines() -> None:
    source = '{\n  "a": {"b/c": [1, {"d": "x\\"y"}]},\n  "e": null\n}'
    offsets = member_offsets(source)
    assert source[offsets["/a"] :].startswith('"a"')
    assert source[offsets["/a/b/c/1/d"] :].startswith('"d"')
    assert source[offsets["/e"] :].startswith('"e"')
    locs = ["/e", "/a/zzz", "/q", "", "THEME_ACCENT", "theme"]
    assert locate_lines(source, locs) == [3, 2, None, None, None, None]
    assert locate_lines("{\n\n  oops\n}", ["", "/x"]) == [3, 3]
    assert member_offsets("not json") == {}
