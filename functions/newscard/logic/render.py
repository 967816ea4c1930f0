"""Article + image bytes -> every site object for it (page, cards, image renditions). Pure."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Literal

from newscard.models.article import Article
from newscard.models.settings import Settings
from newscard.rendering import images
from newscard.rendering.cards import PRESETS, CardText, render_card
from newscard.rendering.page import CardRef, PageContext, PageImage, render_article_page

IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=60, must-revalidate"
HTML = "text/html; charset=utf-8"
HERO_WIDTH = 1600
# Listings find the hero rendition among the outputs by this name (images/<slug>/hero-<hash>.jpg).
HERO_IMAGE_NAME = "hero"
BODY_IMAGE_WIDTH = 1200


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


def render_article(article: Article, image_bytes: dict[str, bytes], settings: Settings) -> list[SiteObject]:
    """Cards and image renditions first, the page that references them last."""
    slug = article.resolved_slug
    theme = settings.theme
    objects: list[SiteObject] = []

    hero = None
    focal = (0.5, 0.5)
    if article.hero is not None:
        data = image_bytes[article.hero.src]
        info = images.inspect_image(data)
        needed = [(p.width, p.height) for p in PRESETS.values()]
        needed.append(
            (min(HERO_WIDTH, info.width), round(info.height * min(HERO_WIDTH, info.width) / info.width))
        )
        hero = images.decode(data, at_least=images.cover_source_size(info.width, info.height, needed))
        if article.hero.focal_point is not None:
            focal = (article.hero.focal_point.x, article.hero.focal_point.y)

    text = CardText(article.headline, article.section, settings.site_name, article.direction)
    cards: dict[str, CardRef] = {}
    for preset in PRESETS.values():
        card = render_card(text, preset=preset, theme=theme, photo=hero, focal=focal)
        key = _hashed_key(f"cards/{slug}", preset.name, card.data, card.extension)
        objects.append(
            SiteObject(
                key, card.data, card.content_type, IMMUTABLE, "card", preset.name, card.width, card.height
            )
        )
        cards[preset.name] = CardRef(
            preset.name, site_url(settings, key), card.width, card.height, card.content_type
        )

    renditions: dict[str, PageImage] = {}
    for index, (_, src) in enumerate(article.image_sources()):
        if src in renditions:
            continue
        is_hero = article.hero is not None and src == article.hero.src
        width = HERO_WIDTH if is_hero else BODY_IMAGE_WIDTH
        if is_hero and hero is not None:
            picture = images.fit_within(hero, width)
        else:
            info = images.inspect_image(image_bytes[src])
            target = min(width, info.width)
            picture = images.fit_within(
                images.decode(image_bytes[src], at_least=(target, round(info.height * target / info.width))),
                width,
            )
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
