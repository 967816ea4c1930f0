"""The article page (Jinja2): models in, HTML out; every value escaped for its context."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from newscard.models.article import Article


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
    """A web rendition of an article image, addressed relative to the page."""

    src: str
    width: int
    height: int


@dataclass(frozen=True)
class PageContext:
    site_name: str
    site_url: str
    page_url: str
    cards: dict[str, CardRef]
    images: dict[str, PageImage]  # article src -> rendition


def json_for_script(value: Any) -> Markup:
    """JSON safe inside <script>: no '</script>' or '<!--' break-out, no HTML entities needed."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return Markup(text)  # noqa: S704 - escaped above for the script context


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("newscard.rendering", "templates"),
        autoescape=select_autoescape(["html", "j2"], default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["json_for_script"] = json_for_script
    return env


def news_article_jsonld(article: Article, context: PageContext) -> dict[str, Any]:
    """schema.org NewsArticle with the fields Google's article guidelines ask for."""
    images = [card.url for card in context.cards.values()]
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.headline[:110],
        "datePublished": article.published_at.isoformat(),
        "dateModified": article.last_modified.isoformat(),
        "inLanguage": article.language,
        "articleSection": article.section,
        "mainEntityOfPage": {"@type": "WebPage", "@id": context.page_url},
        "url": context.page_url,
        "publisher": {"@type": "Organization", "name": context.site_name, "url": context.site_url + "/"},
    }
    if images:
        data["image"] = images
    if article.dek:
        data["description"] = article.dek
    if article.authors:
        data["author"] = [
            {"@type": "Person", "name": a.name, **({"url": a.url} if a.url else {})} for a in article.authors
        ]
    if article.tags:
        data["keywords"] = list(article.tags)
    return data


def render_article_page(article: Article, context: PageContext) -> str:
    """The complete, self-contained HTML document for one article."""
    template = _environment().get_template("article.html.j2")
    return template.render(
        article=article,
        ctx=context,
        og_card=context.cards.get("og"),
        canonical=article.canonical_url or context.page_url,
        jsonld=news_article_jsonld(article, context),
    )
