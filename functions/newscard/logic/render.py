"""Article + image bytes -> every site object for it (page, cards, image renditions). Pure."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from newscard.logic.images import image_rejected_at
from newscard.models.article import Article
from newscard.models.manifest import OutputFile
from newscard.models.settings import Settings
from newscard.models.site_index import ImageVariant
from newscard.rendering import images
from newscard.rendering import renditions as responsive
from newscard.rendering.brand import Brand, make_brand
from newscard.rendering.cards import PRESETS, CardText, Preset, RenderedCard, render_card
from newscard.rendering.page import CardRef, PageContext, PageImage, render_article_page
from newscard.rendering.shaping import require_shaping

IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=60, must-revalidate"
HTML = "text/html; charset=utf-8"
# Page images are the photo's own 1/2**n reduction at most this wide (800-1600 px): enough for a
# phone at 3x and the desktop column at 2x, and never a full resample (a 2400 px photo -> 1200).
PAGE_IMAGE_MAX_WIDTH = 1600
# Listings find the hero renditions among the outputs by this name (images/<slug>/hero-<width>-<hash>.<ext>).
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


def decode_hero(article: Article, image_bytes: Mapping[str, bytes]) -> Hero:
    if article.hero is None:
        return Hero(None)
    with image_rejected_at("/hero/src", article.hero.src):
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
    image_bytes: Mapping[str, bytes],
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
    image_bytes: Mapping[str, bytes],
    settings: Settings,
    timings_ms: dict[str, float] | None = None,
    *,
    slug: str | None = None,
    brand: Brand | None = None,
) -> list[SiteObject]:
    """Cards and image renditions first, the page that references them last (card timings as render_cards,
    plus page_images: every responsive rendition).

    slug is where the registry says the article lives (fixed at first publish); by default the
    article's own. The brand's own files (logo, icons) are the caller's to publish (they are
    site-wide, not the article's); without one it is made from the settings.
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

    started = time.perf_counter()
    page_images: dict[str, PageImage] = {}
    for index, (pointer, src) in enumerate(article.image_sources()):
        if src in page_images:
            continue
        is_hero = article.hero is not None and src == article.hero.src
        name = HERO_IMAGE_NAME if is_hero else f"image-{index}"
        kinds = responsive.formats() if is_hero else responsive.body_formats()
        with image_rejected_at(pointer, src):
            if is_hero and hero is not None:
                base = images.web_rendition(hero, PAGE_IMAGE_MAX_WIDTH)
            else:
                # One body image in memory at a time: its bytes and full decode are dropped before
                # the next is fetched. A JPEG decodes straight to the reduction it needs (DCT scaling).
                source = image_bytes[src]
                info = images.inspect_image(source)
                base = images.web_rendition(
                    images.decode(source, at_least=_page_image_size(info)), PAGE_IMAGE_MAX_WIDTH
                )
                del source
            rendered = responsive.render_renditions(base, kinds=kinds)
        variants = []
        for rendition in rendered:
            key = _hashed_key(
                f"images/{slug}", f"{name}-{rendition.width}", rendition.data, rendition.extension
            )
            objects.append(
                SiteObject(
                    key,
                    rendition.data,
                    rendition.content_type,
                    IMMUTABLE,
                    "image",
                    None,
                    rendition.width,
                    rendition.height,
                )
            )
            variants.append(
                ImageVariant(
                    path=key,
                    width=rendition.width,
                    height=rendition.height,
                    content_type=rendition.content_type,
                )
            )
        page_images[src] = PageImage(tuple(variants))
    if timings_ms is not None:
        timings_ms["page_images"] = round((time.perf_counter() - started) * 1000, 1)

    context = PageContext(
        site_name=settings.site_name,
        site_url=settings.site_base_url,
        page_url=page_url(settings, slug),
        cards=cards,
        images=page_images,
        brand=brand or make_brand(settings.site_name, settings.theme, _logo_bytes(settings, image_bytes)),
        twitter_site=settings.twitter_site,
    )
    html = render_article_page(article, context).encode("utf-8")
    objects.append(SiteObject(page_key(slug), html, HTML, SHORT, "page"))
    return objects


def hero_variants(slug: str, outputs: Iterable[OutputFile]) -> list[ImageVariant]:
    """The hero's renditions (every width and format) among an article's outputs, for listings."""
    prefix = f"images/{slug}/{HERO_IMAGE_NAME}-"
    return [
        ImageVariant(path=o.key, width=o.width, height=o.height, content_type=o.content_type)
        for o in outputs
        if o.key.startswith(prefix) and o.width and o.height
    ]


def _logo_bytes(settings: Settings, image_bytes: Mapping[str, bytes]) -> bytes | None:
    key = settings.theme.logo_key
    return image_bytes.get(key) if key else None
