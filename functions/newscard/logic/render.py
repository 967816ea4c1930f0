"""Article + image bytes -> every site object for it (page, cards, image renditions). Pure."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from newscard.models.article import Article
from newscard.models.settings import Settings
from newscard.rendering import images
from newscard.rendering.cards import PRESETS, CardText, Preset, RenderedCard, render_card
from newscard.rendering.page import CardRef, PageContext, PageImage, render_article_page
from newscard.rendering.shaping import require_shaping

IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=60, must-revalidate"
HTML = "text/html; charset=utf-8"
# Page images are the photo's own 1/2**n reduction at most this wide (800-1600 px): enough for a
# phone at 3x and the desktop column at 2x, and never a full resample (a 2400 px photo -> 1200).
PAGE_IMAGE_MAX_WIDTH = 1600
# Listings find the hero rendition among the outputs by this name (images/<slug>/hero-<hash>.jpg).
HERO_IMAGE_NAME = "hero"

# Fail at start (handler init), not on the first Arabic headline, if Raqm shaping is unavailable.
require_shaping()


@dataclass(frozen=True)
class SiteObject:
    """One object to write to the site bucket, with the headers it is served with."""

    key: str
    body: bytes
    content_type: str
    cache_control: str
    role: Literal["page", "card", "image"]
    preset: str | None = None
    width: int | None = None
    height: int | None = None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()


def page_key(slug: str) -> str:
    return f"articles/{slug}/index.html"


def manifest_key(slug: str) -> str:
    return f"articles/{slug}/manifest.json"


def site_url(settings: Settings, key: str) -> str:
    return f"{settings.site_base_url}/{key}"


def page_url(settings: Settings, slug: str) -> str:
    return f"{settings.site_base_url}/articles/{slug}/"


def _hashed_key(prefix: str, name: str, data: bytes, extension: str) -> str:
    digest = hashlib.sha256(data).hexdigest()[:16]
    return f"{prefix}/{name}-{digest}.{extension}"


@dataclass(frozen=True)
class Hero:
    """The hero decoded once, at the smallest scale every card and the page rendition need."""

    image: images.Photo | None
    focal: tuple[float, float] = (0.5, 0.5)


def decode_hero(article: Article, image_bytes: dict[str, bytes]) -> Hero:
    if article.hero is None:
        return Hero(None)
    data = image_bytes[article.hero.src]
    info = images.inspect_image(data)
    needed = [(p.width, p.height) for p in PRESETS.values()]
    needed.append(_page_image_size(info))
    image = images.decode(data, at_least=images.cover_source_size(info.width, info.height, needed))
    point = article.hero.focal_point
    return Hero(images.Photo(image), (point.x, point.y) if point is not None else (0.5, 0.5))


def _page_image_size(info: images.ImageInfo) -> tuple[int, int]:
    factor = images.reduction_factor(info.width, PAGE_IMAGE_MAX_WIDTH)
    return (info.width // factor, info.height // factor)


def render_cards(
    article: Article,
    hero: Hero,
    settings: Settings,
    image_bytes: dict[str, bytes],
    *,
    presets: Iterable[Preset] = PRESETS.values(),
    timings_ms: dict[str, float] | None = None,
) -> list[RenderedCard]:
    """One card per preset, in PRESETS order; the theme's logo if it was loaded with the images.

    With timings_ms, each preset's render time is recorded there as card_<preset> (milliseconds):
    returned as data so the caller, not the renderer, decides how to log or emit it.
    """
    theme = settings.theme
    logo_bytes = image_bytes.get(theme.logo_key) if theme.logo_key else None
    logo = images.decode(logo_bytes, keep_alpha=True) if logo_bytes else None
    text = CardText(
        article.headline, article.section, settings.site_name, article.direction, article.language
    )
    cards = []
    for preset in presets:
        started = time.perf_counter()
        cards.append(
            render_card(text, preset=preset, theme=theme, photo=hero.image, focal=hero.focal, logo=logo)
        )
        if timings_ms is not None:
            timings_ms[f"card_{preset.name}"] = round((time.perf_counter() - started) * 1000, 1)
    return cards


def render_article(
    article: Article,
    image_bytes: dict[str, bytes],
    settings: Settings,
    timings_ms: dict[str, float] | None = None,
    *,
    slug: str | None = None,
) -> list[SiteObject]:
    """Cards and image renditions first, the page that references them last (card timings as render_cards).

    slug is where the registry says the article lives (fixed at first publish); by default the
    article's own.
    """
    slug = slug or article.resolved_slug
    objects: list[SiteObject] = []

    decoded = decode_hero(article, image_bytes)
    hero = decoded.image
    cards: dict[str, CardRef] = {}
    for card in render_cards(article, decoded, settings, image_bytes, timings_ms=timings_ms):
        key = _hashed_key(f"cards/{slug}", card.preset, card.data, card.extension)
        objects.append(
            SiteObject(
                key, card.data, card.content_type, IMMUTABLE, "card", card.preset, card.width, card.height
            )
        )
        cards[card.preset] = CardRef(
            card.preset, site_url(settings, key), card.width, card.height, card.content_type
        )

    renditions: dict[str, PageImage] = {}
    for index, (_, src) in enumerate(article.image_sources()):
        if src in renditions:
            continue
        is_hero = article.hero is not None and src == article.hero.src
        if is_hero and hero is not None:
            picture = images.web_rendition(hero, PAGE_IMAGE_MAX_WIDTH)
        else:
            # A JPEG decodes straight to the reduction it needs (libjpeg's DCT scaling).
            info = images.inspect_image(image_bytes[src])
            body_image = images.decode(image_bytes[src], at_least=_page_image_size(info))
            picture = images.web_rendition(body_image, PAGE_IMAGE_MAX_WIDTH)
        data = images.encode_jpeg(picture, quality=82)
        key = _hashed_key(f"images/{slug}", HERO_IMAGE_NAME if is_hero else f"image-{index}", data, "jpg")
        objects.append(
            SiteObject(key, data, "image/jpeg", IMMUTABLE, "image", None, picture.width, picture.height)
        )
        # The page lives at articles/<slug>/index.html; relative links keep a local copy browsable.
        renditions[src] = PageImage(f"../../{key}", picture.width, picture.height)

    context = PageContext(
        site_name=settings.site_name,
        site_url=settings.site_base_url,
        page_url=page_url(settings, slug),
        cards=cards,
        images=renditions,
    )
    html = render_article_page(article, context).encode("utf-8")
    objects.append(SiteObject(page_key(slug), html, HTML, SHORT, "page"))
    return objects


def hero_image_key(slug: str, keys: list[str]) -> str | None:
    """The hero rendition's key among an article's outputs, if it has one."""
    prefix = f"images/{slug}/{HERO_IMAGE_NAME}-"
    return next((key for key in keys if key.startswith(prefix)), None)
