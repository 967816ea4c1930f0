"""The article page (Jinja2): models in, HTML out; every value escaped for its context."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from newscard.models.article import Article, ParagraphBlock, slugify
from newscard.models.site_index import ImageVariant
from newscard.rendering import i18n
from newscard.rendering.brand import Brand
from newscard.rendering.renditions import JPEG
from newscard.rendering.templating import environment, json_for_script, safe_url
from newscard.rendering.text import clusters, tokens

__all__ = ["CardRef", "PageContext", "PageImage", "json_for_script", "render_article_page"]

DESCRIPTION_MAX = 200
# Google shows at most 110 characters of a NewsArticle headline.
JSONLD_HEADLINE_MAX = 110
# Spaces and the punctuation a clipped text does not end on before its ellipsis (Latin and CJK).
_CLIP_TRAILING = " \u3000,;:.、，。"


@dataclass(frozen=True)
class CardRef:
    """A published card as the page's meta tags need it."""

    preset: str
    url: str
    width: int
    height: int
    content_type: str


@dataclass(frozen=True)
class PageImage:
    """An article image's web renditions (every width and format), addressed relative to the site root."""

    variants: tuple[ImageVariant, ...]
    # CSS object-position of the photo's subject ("44% 24%"), where a layout crops the image.
    position: str | None = None

    @property
    def widest(self) -> ImageVariant:
        return max(self.variants, key=lambda v: (v.content_type == JPEG, v.width))

    @property
    def width(self) -> int:
        return self.widest.width

    @property
    def height(self) -> int:
        return self.widest.height


@dataclass(frozen=True)
class PageContext:
    site_name: str
    site_url: str
    page_url: str
    cards: dict[str, CardRef]
    images: dict[str, PageImage]  # article src -> renditions
    brand: Brand
    twitter_site: str | None = None


def _clip(text: str, limit: int) -> str:
    """At most `limit` characters; a longer text is cut and ends in '…'.

    It is cut at the last break between words that keeps at least half the limit, else between two
    characters. The breaks are the card headlines' (text.tokens): spaces, between any two CJK
    characters, and the dictionary word boundaries of Thai, Lao, Khmer and Burmese, which are written
    without spaces and would otherwise go back to their first space (a word or two). A cut between
    characters never parts a letter from its marks (Thai vowels and tone marks) or an emoji sequence.
    """
    if len(text) <= limit:
        return text
    budget = limit - 1  # the ellipsis takes the last character
    kept = ""
    # Twice the limit is context enough: ICU finds the same word boundaries there as in the whole text.
    for word in tokens(text[: 2 * limit]):
        if len(kept) + len(word.rstrip()) > budget:
            break
        kept += word
    if len(kept.rstrip()) < limit // 2:
        kept = ""
        for cluster in clusters(text[:limit]):
            if len(kept) + len(cluster) > budget:
                break
            kept += cluster
    return kept.rstrip(_CLIP_TRAILING) + "…"


def description(article: Article) -> str:
    """The standfirst, or the opening of the first paragraph, for search and share snippets."""
    if article.dek:
        return article.dek
    first = next((b.text for b in article.body if isinstance(b, ParagraphBlock)), article.headline)
    return _clip(first, DESCRIPTION_MAX)


def card_alt(article: Article) -> str:
    """The share card shows the headline over the hero photo: say both (see research/share-card-peers)."""
    if article.hero is None:
        return article.headline
    return f"{article.headline} — {article.hero.alt}"


def canonical_url(article: Article, context: PageContext) -> str:
    return safe_url(article.canonical_url or context.page_url)


def publisher_jsonld(brand: Brand, site_url: str) -> dict[str, Any]:
    """The newsroom as schema.org sees it: a NewsMediaOrganization (an Organization) with its logo."""
    publisher: dict[str, Any] = {
        "@type": "NewsMediaOrganization",
        "name": brand.site_name,
        "url": site_url + "/",
    }
    # Google wants a logo for the publisher; without one the touch icon (initial on the accent) stands in.
    logo = brand.logo or brand.touch_icon
    publisher["logo"] = {
        "@type": "ImageObject",
        "url": f"{site_url}/{logo.key}",
        "width": logo.width,
        "height": logo.height,
    }
    return publisher


def news_article_jsonld(article: Article, context: PageContext) -> dict[str, Any]:
    """schema.org NewsArticle with the fields Google's article guidelines ask for."""
    publisher = publisher_jsonld(context.brand, context.site_url)
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": _clip(article.headline, JSONLD_HEADLINE_MAX),
        "description": description(article),
        "datePublished": article.published_at.isoformat(),
        "dateModified": article.last_modified.isoformat(),
        "inLanguage": article.language,
        "articleSection": article.section,
        "mainEntityOfPage": {"@type": "WebPage", "@id": canonical_url(article, context)},
        "url": canonical_url(article, context),
        "publisher": publisher,
        # Without named authors the newsroom itself is the author, as Google's guidelines allow.
        "author": [
            {"@type": "Person", "name": a.name, **({"url": safe_url(a.url)} if a.url else {})}
            for a in article.authors
        ]
        or [publisher],
    }
    # Google prefers several aspect ratios (16:9-ish, 1:1, tall): the cards are exactly that; the
    # clean photo (no headline over it) goes alongside, for surfaces that crop their own.
    images = [
        {"@type": "ImageObject", "url": card.url, "width": card.width, "height": card.height}
        for card in context.cards.values()
    ]
    if article.hero is not None and article.hero.src in context.images:
        photo = context.images[article.hero.src].widest
        images.append(
            {
                "@type": "ImageObject",
                "url": f"{context.site_url}/{photo.path}",
                "width": photo.width,
                "height": photo.height,
            }
        )
    if images:
        data["image"] = images
    if article.tags:
        data["keywords"] = list(article.tags)
    return data


def render_article_page(article: Article, context: PageContext) -> str:
    """The complete, self-contained HTML document for one article."""
    template = environment().get_template("article.html.j2")
    return template.render(
        article=article,
        ctx=context,
        og_card=context.cards.get("og"),
        og_locale=i18n.og_locale(article.language),
        canonical=canonical_url(article, context),
        description=description(article),
        image_alt=card_alt(article),
        section_path=f"sections/{slugify(article.section)}/",
        author_separators=i18n.list_separators(len(article.authors), article.language),
        jsonld=news_article_jsonld(article, context),
        brand=context.brand,
        twitter_site=context.twitter_site,
    )
