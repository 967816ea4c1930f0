"""Listings from the site index: front page, section pages, Atom feed, sitemap. Pure: models in, text out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from newscard.models.site_index import IndexEntry, SiteIndex
from newscard.rendering import i18n
from newscard.rendering.brand import Brand, default_brand
from newscard.rendering.templating import environment

# Generous enough that a burst of publishes (a newsroom's morning) is all on the front page.
FRONT_PAGE_SIZE = 60
SECTION_PAGE_SIZE = 100
FEED_SIZE = 100
# Google News reads articles from the last two days, at most 1,000 per sitemap.
NEWS_WINDOW = timedelta(days=2)
NEWS_MAX = 1000
SITEMAP_MAX = 50_000  # the sitemaps.org limit for one file


@dataclass(frozen=True)
class SiteInfo:
    """What listings need to know about the site itself."""

    name: str
    base_url: str  # no trailing slash
    language: str = "en"
    # The theme, logo and icons; without one, the default theme and no logo (see page_brand).
    brand: Brand | None = None
    twitter_site: str | None = None

    @property
    def direction(self) -> str:
        return i18n.direction(self.language)

    @property
    def page_brand(self) -> Brand:
        return self.brand or default_brand(self.name)


def section_path(section_slug: str) -> str:
    return f"sections/{section_slug}/"


def share_image(entries: list[IndexEntry], site: SiteInfo) -> dict[str, Any]:
    """og:image for a listing: the newest story's photo (its widest JPEG), else the site's logo or icon."""
    for entry in entries:
        if entry.image is not None:
            best = entry.image.largest_jpeg
            url = f"{site.base_url}/{best.path}"
            return {"url": url, "width": best.width, "height": best.height, "alt": entry.image.alt}
    brand = site.page_brand
    picture = brand.logo or brand.touch_icon
    return {
        "url": f"{site.base_url}/{picture.key}",
        "width": picture.width,
        "height": picture.height,
        "alt": site.name,
    }


def _page_chrome(site: SiteInfo) -> dict[str, Any]:
    """What every listing page's head and masthead need besides its entries."""
    return {
        "brand": site.page_brand,
        "twitter_site": site.twitter_site,
        "og_locale": i18n.og_locale(site.language),
    }


def render_front_page(index: SiteIndex, site: SiteInfo) -> str:
    """index.html: the lead story, the latest articles, and every section."""
    return (
        environment()
        .get_template("front.html.j2")
        .render(
            site=site,
            root="",
            canonical=f"{site.base_url}/",
            entries=index.entries[:FRONT_PAGE_SIZE],
            sections=index.sections(),
            share=share_image(index.entries, site),
            **_page_chrome(site),
        )
    )


def render_section_page(index: SiteIndex, section_slug: str, site: SiteInfo) -> str:
    """sections/<slug>/index.html: the newest articles of one section."""
    entries = index.in_section(section_slug)
    return (
        environment()
        .get_template("section.html.j2")
        .render(
            site=site,
            root="../../",
            canonical=f"{site.base_url}/{section_path(section_slug)}",
            section_name=entries[0].section if entries else section_slug,
            entries=entries[:SECTION_PAGE_SIZE],
            share=share_image(entries, site),
            **_page_chrome(site),
        )
    )


def render_feed(index: SiteIndex, site: SiteInfo, *, now: datetime) -> str:
    """feed.xml (Atom 1.0): the newest articles; `updated` is the newest change, else now."""
    entries = index.entries[:FEED_SIZE]
    updated = max((entry.last_modified for entry in entries), default=now)
    return environment().get_template("feed.xml.j2").render(site=site, entries=entries, updated=updated)


def news_language(language: str) -> str:
    """Google News wants an ISO 639 code; Chinese alone keeps its script/region (zh-cn, zh-tw)."""
    parts = language.lower().split("-")
    if parts[0] == "zh":
        return "zh-tw" if any(p in ("tw", "hk", "mo", "hant") for p in parts[1:]) else "zh-cn"
    return parts[0]


def render_sitemap(index: SiteIndex, site: SiteInfo, *, now: datetime) -> str:
    """sitemap.xml: front page, sections and articles; recent articles carry <news:news>."""
    entries = index.entries[:SITEMAP_MAX]
    # Entries are newest first, so the cap keeps the most recent.
    recent = {e.slug for e in [e for e in entries if now - e.published_at <= NEWS_WINDOW][:NEWS_MAX]}
    return (
        environment()
        .get_template("sitemap.xml.j2")
        .render(
            site=site,
            entries=entries,
            sections=[section_path(slug) for slug in index.sections()],
            recent=recent,
            news_language=news_language,
        )
    )
