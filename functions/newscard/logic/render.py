"""Article + image bytes -> every site object for it (page, cards, image renditions). Pure."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from PIL import Image

from newscard.logic.images import image_rejected_at
from newscard.models.article import Article, Card, FocalPoint
from newscard.models.manifest import OutputFile
from newscard.models.settings import Settings
from newscard.models.site_index import ImageVariant
from newscard.rendering import images, subject
from newscard.rendering import renditions as responsive
from newscard.rendering.brand import Brand, make_brand
from newscard.rendering.cards import PRESETS, CardText, Preset, RenderedCard, render_card
from newscard.rendering.layouts import LayoutName
from newscard.rendering.page import CardRef, PageContext, PageImage, render_article_page
from newscard.rendering.shaping import require_shaping
from newscard.rendering.subject import Subject

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
    # The subject's point in the image (0..1), for CSS object-position where a page crops it.
    focus: tuple[float, float] | None = None

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
    """A photo decoded once, at the smallest scale every card and the page rendition need, and
    its subject (the editor's focal point, else the faces or salient point found in it), which
    every preset crops from."""

    image: images.Photo | None
    focal: tuple[float, float] = (0.5, 0.5)
    subject: Subject = field(default_factory=Subject)


def decode_hero(article: Article, image_bytes: Mapping[str, bytes]) -> Hero:
    if article.hero is None:
        return Hero(None)
    with image_rejected_at("/hero/src", article.hero.src):
        return _decode_photo(image_bytes[article.hero.src], article.hero.focal_point, with_page=True)


def _decode_photo(data: bytes, point: FocalPoint | None, *, with_page: bool) -> Hero:
    info = images.inspect_image(data)
    needed = [(p.width, p.height) for p in PRESETS.values()]
    if with_page:
        needed.append(_page_image_size(info))
    image = images.Photo(
        images.decode(data, at_least=images.cover_source_size(info.width, info.height, needed))
    )
    if point is not None:
        focal = (point.x, point.y)
        return Hero(image, focal, subject.given(focal))
    # Only here, for photos without a focal point, is the face detector loaded and run.
    found = subject.find_subject(image)
    return Hero(image, found.focus, found)


def _page_image_size(info: images.ImageInfo) -> tuple[int, int]:
    factor = images.reduction_factor(info.width, PAGE_IMAGE_MAX_WIDTH)
    return (info.width // factor, info.height // factor)


def card_layout(article: Article, settings: Settings, has_photo: bool) -> LayoutName:
    """card.layout, else the theme's layout for the section, else overlay (text without a photo)."""
    if article.card is not None and article.card.layout is not None:
        return article.card.layout
    chosen = settings.theme.layout_for(article.section)
    if chosen is not None:
        return chosen
    return "overlay" if has_photo else "text"


def with_card_layout(article: Article, layout: str) -> Article:
    """The article with card.layout set (re-validated), for galleries and previews of one layout."""
    card = article.card.model_dump(exclude_none=True) if article.card is not None else {}
    return article.model_copy(update={"card": Card.model_validate({**card, "layout": layout})})


def card_text(article: Article, settings: Settings, credit: str | None) -> CardText:
    """What the cards say: the social headline and label when the editor gave them."""
    card = article.card
    return CardText(
        (card.headline if card is not None and card.headline else None) or article.headline,
        (card.label if card is not None and card.label else None) or article.section,
        settings.site_name,
        article.direction,
        article.language,
        author=", ".join(a.name for a in article.authors[:2]) or None,
        credit=credit if settings.theme.card_credit else None,
    )


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

    The photo is card.image when the editor gave one, else the hero; card.focal_points[preset]
    overrides the crop of that preset alone. With timings_ms, each preset's render time is
    recorded there as card_<preset> (milliseconds).
    """
    theme = settings.theme
    logo_bytes = image_bytes.get(theme.logo_key) if theme.logo_key else None
    logo = images.decode(logo_bytes, keep_alpha=True) if logo_bytes else None
    card = article.card
    credit = article.hero.credit if article.hero is not None else None
    photo = hero
    if card is not None and card.image is not None:
        with image_rejected_at("/card/image/src", card.image.src):
            photo = _decode_photo(image_bytes[card.image.src], card.image.focal_point, with_page=False)
        credit = None  # the hero's credit is not this photo's
    headshot = _headshot(article, image_bytes)
    text = card_text(article, settings, credit)
    layout = card_layout(article, settings, photo.image is not None)
    cards = []
    for preset in presets:
        started = time.perf_counter()
        point = card.focal_points.get(preset.name) if card is not None else None  # type: ignore[call-overload]
        cards.append(
            render_card(
                text,
                preset=preset,
                theme=theme,
                photo=photo.image,
                subject=subject.given((point.x, point.y)) if point is not None else photo.subject,
                layout=layout,
                logo=logo,
                headshot=headshot,
            )
        )
        if timings_ms is not None:
            timings_ms[f"card_{preset.name}"] = round((time.perf_counter() - started) * 1000, 1)
    return cards


def _headshot(article: Article, image_bytes: Mapping[str, bytes]) -> Image.Image | None:
    """The first author's headshot (for the opinion layout), small: it is drawn ~200 px wide."""
    index, author = next(((i, a) for i, a in enumerate(article.authors) if a.image is not None), (0, None))
    if author is None or author.image is None or author.image not in image_bytes:
        return None
    with image_rejected_at(f"/authors/{index}/image", author.image):
        return images.decode(image_bytes[author.image], at_least=(400, 400))


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
        focus = None
        with image_rejected_at(pointer, src):
            if is_hero and hero is not None:
                base, focus = page_hero(hero, decoded.subject)
            else:
                # One body image in memory at a time: its bytes and full decode are dropped before
                # the next is fetched. A JPEG decodes straight to the reduction it needs (DCT scaling).
                source = image_bytes[src]
                info = images.inspect_image(source)
                base = images.web_rendition(
                    images.decode(source, at_least=_page_image_size(info)), PAGE_IMAGE_MAX_WIDTH
                )
                del source
            rendered = responsive.render_renditions(base)
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
                    focus,
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
        page_images[src] = PageImage(tuple(variants), object_position(focus))
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


# A hero taller than this (height / width) is cropped on the page, around its subject: a portrait
# photo would otherwise push the whole article below the first screen.
PAGE_HERO_MAX_ASPECT = 5 / 4


def page_hero(photo: images.Photo, found: Subject) -> tuple[Image.Image, tuple[float, float]]:
    """The hero's page rendition, cropped to 4:5 around its subject when taller, and the subject's
    point in that rendition (for object-position where listings crop it further)."""
    picture = images.web_rendition(photo, PAGE_IMAGE_MAX_WIDTH)
    width, height = picture.size
    if height <= width * PAGE_HERO_MAX_ASPECT:
        return picture, found.focus
    target = (width, round(width * PAGE_HERO_MAX_ASPECT))
    focal = subject.crop_focal((width, height), target, found, headroom=0.5)
    left, top, _, _ = images.cover_box((width, height), target, focal)
    cropped = picture.crop((round(left), round(top), round(left) + target[0], round(top) + target[1]))
    y = min(1.0, max(0.0, (found.focus[1] * height - round(top)) / target[1]))
    return cropped, (found.focus[0], y)


def object_position(focus: tuple[float, float] | None) -> str | None:
    """CSS object-position for a subject point, e.g. '44% 24%'."""
    if focus is None:
        return None
    return f"{round(focus[0] * 100)}% {round(focus[1] * 100)}%"


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
