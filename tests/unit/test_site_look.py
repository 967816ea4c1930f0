"""The site's look and head: theme and brand files, responsive renditions, head and feed image tags."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import feedparser
import pytest
from PIL import Image

from newscard.devstack import DevStack
from newscard.models.errors import ConfigurationError
from newscard.models.settings import Settings, Theme
from newscard.rendering import renditions
from newscard.rendering.brand import make_brand, palette, readable_on
from newscard.rendering.cards import contrast_ratio, hex_luminance
from tests.conftest import ENVIRONMENT, EXAMPLES, SITE_DOCUMENTS
from tests.sitehttp import build, with_example_assets


def png(size: tuple[int, int], colour: tuple[int, int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", size, colour).save(buffer, "PNG")
    return buffer.getvalue()


# --- theme and brand ------------------------------------------------------------------------------


@pytest.mark.parametrize("accent", ["#d6002a", "#ffcc00", "#00ff00", "#ffffff", "#000000", "#1e90ff"])
def test_the_page_accent_is_the_themes_darkened_only_as_far_as_readable_text_needs(accent: str) -> None:
    colours = palette(Theme(accent=accent))
    # links and kickers on the white page reach WCAG AA whatever the brand colour
    assert contrast_ratio(hex_luminance(colours.accent), hex_luminance("#ffffff")) >= 4.5
    # and a colour that already reads is used unchanged; borders always get the theme's own colour
    if contrast_ratio(hex_luminance(accent), 1.0) >= 4.5:
        assert colours.accent == accent.lower()
    assert colours.rule == accent.lower()


def test_the_masthead_keeps_the_themes_colours_or_falls_back_to_a_readable_ink() -> None:
    assert palette(Theme(background="#14213d", text="#ffffff")).band_text == "#ffffff"
    unreadable = palette(Theme(background="#ffffff", text="#fefefe"))
    assert contrast_ratio(hex_luminance(unreadable.band_text), 1.0) >= 4.5
    assert readable_on("#ffffff", "#ffff00") != "#ffff00"


def test_without_a_logo_the_favicon_is_the_sites_initial_on_the_accent() -> None:
    brand = make_brand("ελληνική Εφημερίς", Theme(accent="#0055aa"), None)
    assert brand.logo is None
    icon = Image.open(io.BytesIO(brand.icon.data))
    assert icon.size == (64, 64) and brand.touch_icon.width == 180
    colours = icon.convert("RGB").getcolors(64 * 64) or []
    # mostly the accent, with the initial drawn in a readable ink over it
    dominant = max(colours)[1]
    assert dominant == (0x00, 0x55, 0xAA)
    assert len(colours) > 2
    assert brand.icon.key.startswith("brand/icon-") and brand.icon.key.endswith(".png")


def test_with_a_logo_the_header_copy_and_icons_are_made_from_it_and_named_by_content() -> None:
    red_logo = png((600, 150), (200, 0, 0, 255))
    blue_logo = png((600, 150), (0, 0, 200, 255))
    brand = make_brand("Gazette", Theme(), red_logo)
    assert brand.logo is not None
    assert (brand.logo.width, brand.logo.height) == (320, 80)  # 40 CSS px tall at 2x
    icon = Image.open(io.BytesIO(brand.touch_icon.data)).convert("RGB")
    assert icon.getpixel((90, 90)) == (200, 0, 0)  # the logo in the middle
    assert icon.getpixel((1, 1)) == (0x14, 0x21, 0x3D)  # on the theme background
    again, other = make_brand("Gazette", Theme(), red_logo), make_brand("Gazette", Theme(), blue_logo)
    assert again.logo is not None and other.logo is not None
    assert again.logo.key == brand.logo.key and again.icon.data == brand.icon.data  # deterministic
    assert other.logo.key != brand.logo.key and other.icon.key != brand.icon.key  # content-addressed


@pytest.fixture(scope="module")
def themed_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    assets = with_example_assets(tmp_path_factory.mktemp("assets"))
    (assets / "assets" / "logo.png").write_bytes(png((400, 100), (250, 250, 250, 255)))
    root = tmp_path_factory.mktemp("themed")
    documents = {name: SITE_DOCUMENTS[name] for name in ("seed", "rtl", "culture", "older")}
    slugs = build(
        root,
        documents,
        assets,
        THEME_ACCENT="#007a5e",
        THEME_BACKGROUND="#002b36",
        THEME_TEXT="#fdf6e3",
        THEME_FONT="serif",
        THEME_LOGO_KEY="assets/logo.png",
        TWITTER_SITE="gazette_news",
    )
    return root, slugs


def pages(root: Path, slugs: dict[str, str]) -> dict[str, str]:
    return {
        "article": (root / "articles" / slugs["seed"] / "index.html").read_text(),
        "front": (root / "index.html").read_text(),
        "section": (root / "sections" / "culture" / "index.html").read_text(),
    }


@pytest.mark.parametrize("name", ["article", "front", "section"])
def test_every_page_carries_the_theme_logo_favicon_and_head_tags(
    themed_site: tuple[Path, dict[str, str]], name: str
) -> None:
    root, slugs = themed_site
    html = pages(root, slugs)[name]
    # the theme's colours and headline family in the page CSS
    assert "--accent:#007a5e" in html and "--band:#002b36" in html and "--band-ink:#fdf6e3" in html
    assert "--head:var(--serif)" in html
    # the logo's site copy in the masthead and a favicon made from it, both served from the site
    brand_files = sorted(p.name for p in (root / "brand").iterdir())
    assert [f.split("-")[0] for f in brand_files] == ["icon", "logo", "touch"]
    for file in brand_files:
        assert f"brand/{file}" in html
    assert 'rel="icon"' in html and 'rel="apple-touch-icon"' in html
    # large previews in Discover, the newsroom's X account, a share image on every page
    assert '<meta name="robots" content="max-image-preview:large">' in html
    assert '<meta name="twitter:site" content="@gazette_news">' in html
    assert '<meta property="og:image" content="https://news.example.com/' in html


def test_listings_share_the_newest_storys_photo_and_the_feed_carries_images(
    themed_site: tuple[Path, dict[str, str]],
) -> None:
    root, slugs = themed_site
    front = pages(root, slugs)["front"]
    hero = sorted((root / "images" / slugs["seed"]).glob("hero-1200-*.jpg"))
    assert len(hero) == 1
    assert (
        f'<meta property="og:image" content="https://news.example.com/images/{slugs["seed"]}/{hero[0].name}">'
        in front
    )
    feed = feedparser.parse((root / "feed.xml").read_text())
    assert feed.bozo == 0
    by_link = {entry.link: entry for entry in feed.entries}
    seed = by_link[f"https://news.example.com/articles/{slugs['seed']}/"]
    (enclosure,) = seed.enclosures
    assert enclosure["type"] == "image/jpeg" and enclosure["href"].endswith(hero[0].name)
    assert seed.media_content[0]["url"] == enclosure["href"]
    older = by_link[f"https://news.example.com/articles/{slugs['older']}/"]
    assert older.enclosures == []  # no hero, no image


def test_the_json_ld_publisher_has_the_logo_copy(themed_site: tuple[Path, dict[str, str]]) -> None:
    root, slugs = themed_site
    html = pages(root, slugs)["article"]
    payload = html.split('<script type="application/ld+json">')[1].split("</script>")[0]
    publisher = json.loads(payload)["publisher"]
    logo = next((root / "brand").glob("logo-*.png"))
    assert publisher["logo"]["url"] == f"https://news.example.com/brand/{logo.name}"
    assert (publisher["logo"]["width"], publisher["logo"]["height"]) == (320, 80)


# --- responsive renditions ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (2400, [400, 800, 1200]),
        (1200, [400, 800, 1200]),
        (1000, [400, 800, 1000]),
        (640, [400, 640]),
        (300, [300]),
    ],
)
def test_rendition_widths_never_upscale(source: int, expected: list[int]) -> None:
    assert renditions.rendition_widths(source) == expected


def test_renditions_come_in_webp_and_jpeg_on_every_machine_with_the_jpeg_fallback_last() -> None:
    # The same set whether or not this Pillow has an AVIF encoder (the Lambda build has none).
    expected = ("image/webp", "image/jpeg")
    assert renditions.formats() == expected
    photo = Image.open(EXAMPLES / "assets" / "starmer-macron-merz.jpg").convert("RGB")
    made = renditions.render_renditions(photo)
    assert {(r.width, r.content_type) for r in made} == {(w, t) for w in (400, 800, 1200) for t in expected}
    for rendition in made:
        decoded = Image.open(io.BytesIO(rendition.data))
        assert decoded.size == (rendition.width, rendition.height)
        assert decoded.get_format_mimetype() == rendition.content_type
        assert rendition.height == round(1067 * rendition.width / 1600)
    # smaller and modern formats are smaller than the JPEG of the same width
    by = {(r.width, r.content_type): len(r.data) for r in made}
    assert by[(1200, "image/webp")] < by[(1200, "image/jpeg")]
    assert by[(400, "image/jpeg")] < by[(1200, "image/jpeg")]
    # and the same photo always gives the same bytes (content-addressed keys stay put)
    assert [r.data for r in renditions.render_renditions(photo)] == [r.data for r in made]


def test_the_article_page_offers_srcset_sizes_and_loads_the_hero_first(
    themed_site: tuple[Path, dict[str, str]],
) -> None:
    root, slugs = themed_site
    html = pages(root, slugs)["article"]
    hero_tag = html.split('<figure class="hero">')[1].split("</figure>")[0]
    assert 'fetchpriority="high"' in hero_tag and 'loading="lazy"' not in hero_tag
    assert '<source type="image/webp" srcset="' in hero_tag and "sizes=" in hero_tag
    assert " 400w" in hero_tag and " 1200w" in hero_tag and 'width="1200" height="800"' in hero_tag
    body_figure = html.split("<figure>")[1].split("</figure>")[0]
    assert 'loading="lazy"' in body_figure and "fetchpriority" not in body_figure
    front = pages(root, slugs)["front"]
    grid = front.split('<ul class="teasers">')[1]
    # grid teasers are thumbnails: nothing wider than 800 px offered there
    assert " 1200w" not in grid and " 400w" in grid


# --- settings and newscard dev ---------------------------------------------------------------------


@pytest.mark.parametrize(("value", "expected"), [("newsroom", "@newsroom"), ("@news_room", "@news_room")])
def test_twitter_site_is_one_handle(value: str, expected: str) -> None:
    assert Settings.from_env({**ENVIRONMENT, "TWITTER_SITE": value}).twitter_site == expected


def test_an_invalid_twitter_site_names_the_variable() -> None:
    with pytest.raises(ConfigurationError, match="TWITTER_SITE"):
        Settings.from_env({**ENVIRONMENT, "TWITTER_SITE": "not a handle!"})


def test_newscard_dev_takes_theme_and_site_settings_from_the_environment(monkeypatch: Any) -> None:
    stack = DevStack(names={"ArticlesBucket": "a-dev", "SiteBucket": "s-dev", "SiteStateTable": "t-dev"})
    defaults = stack.function_environment()
    overrides = {
        "THEME_ACCENT": "#123456",
        "THEME_BACKGROUND": "#000000",
        "THEME_TEXT": "#eeeeee",
        "THEME_FONT": "serif",
        "THEME_LOGO_KEY": "assets/logo.png",
        "SITE_NAME": "Local Gazette",
        "SITE_LANGUAGE": "de",
        "TWITTER_SITE": "@local",
    }
    for name, value in overrides.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("ARTICLES_BUCKET", "someone-elses-bucket")
    resolved = stack.function_environment()
    assert {name: resolved[name] for name in overrides} == overrides
    # resources stay the stack's own, and unset variables keep the template defaults
    assert resolved["ARTICLES_BUCKET"] == "a-dev"
    assert resolved["ASSET_HOSTS"] == defaults["ASSET_HOSTS"]
    assert defaults["SITE_NAME"] != "Local Gazette"
