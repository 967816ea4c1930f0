"""Listings: paginated front and section pages, archive pages, Atom feed, sitemaps. Pure: models in, text out.

Where things live (site-relative):
- front page `index.html`, then `page/2/index.html` ... ; section `sections/<s>/`, `sections/<s>/page/2/`
- archive `archive/` (months), `archive/2026/11/` (days of a month), `archive/2026/11/30/` (a day's stories)
- `sitemap.xml`: a sitemap index over `sitemaps/pages.xml`, `sitemaps/news.xml` (Google News, last
  48 hours) and one `sitemaps/<day>.xml` per day with articles, each URL with its lastmod
- `feed.xml`: Atom, the newest FEED_SIZE entries with their images
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from newscard.models.site_index import IndexEntry
from newscard.rendering import i18n
from newscard.rendering.brand import Brand, default_brand
from newscard.rendering.templating import environment

# Newest-first listings show PAGES pages of PAGE_SIZE teasers; older stories are in the archive.
PAGE_SIZE = 20
PAGES = 5
FEED_SIZE = 50
# Google News reads articles from the last two days, at most 1,000 per sitemap.
NEWS_WINDOW = timedelta(days=2)
NEWS_MAX = 1000
SITEMAP_MAX = 50_000  # the sitemaps.org limit for one file (and for one index)

FRONT_BASE = ""
ARCHIVE_BASE = "archive/"


@dataclass(frozen=True)
class SiteInfo:
    """What listings need to know about the site itself."""

    name: str
    base_url: str  # no trailing slash
    language: str = "en"
    # The theme, logo and icons; without one, the default theme and no logo (see page_brand).
    brand: Brand | None = None
    twitter_site: str | None = None

    # Section slugs in the order the front page's navigation shows them; others follow by name.
    section_order: tuple[str, ...] = ()

    @property
    def direction(self) -> str:
        return i18n.direction(self.language)

    @property
    def page_brand(self) -> Brand:
        return self.brand or default_brand(self.name)


@dataclass(frozen=True)
class Pagination:
    """Where a page sits in its listing: page `number` of `count`, the listing's first page at `base`."""

    base: str
    number: int = 1
    count: int = 1
    # The archive day that continues the listing after its last page (site-relative directory).
    older: str | None = None

    def path(self, number: int) -> str:
        return page_dir(self.base, number)


@dataclass(frozen=True)
class FrontContent:
    pinned: Sequence[IndexEntry] = ()
    entries: Sequence[IndexEntry] = ()
    sections: dict[str, str] = field(default_factory=dict)


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


def page_dir(base: str, number: int) -> str:
    """The directory of page `number` of the listing whose first page is at `base`."""
    return base if number == 1 else f"{base}page/{number}/"


def day_dir(day: str) -> str:
    """archive/2026/11/30/ for the day 2026-11-30."""
    return f"{ARCHIVE_BASE}{day.replace('-', '/')}/"


def month_dir(month: str) -> str:
    return f"{ARCHIVE_BASE}{month.replace('-', '/')}/"


def day_sitemap_key(day: str) -> str:
    return f"sitemaps/{day}.xml"


NEWS_SITEMAP_KEY = "sitemaps/news.xml"
PAGES_SITEMAP_KEY = "sitemaps/pages.xml"


def _root(directory: str) -> str:
    """The relative way back to the site root from a page in `directory`."""
    return "../" * directory.count("/")


def ordered_sections(sections: dict[str, str], order: Sequence[str]) -> dict[str, str]:
    """Configured order first, then the rest by display name (case-insensitive), slug breaking ties."""
    rank = {slug: index for index, slug in enumerate(order)}
    keys = sorted(sections, key=lambda s: (rank.get(s, len(rank)), sections[s].casefold(), s))
    return {slug: sections[slug] for slug in keys}


def _page(
    template: str, directory: str, site: SiteInfo, *, shown: Sequence[IndexEntry] = (), **context: object
) -> str:
    """A listing page; its og:image is the newest shown story's photo (or the site's logo)."""
    return (
        environment()
        .get_template(template)
        .render(
            site=site,
            root=_root(directory),
            canonical=f"{site.base_url}/{directory}",
            share=share_image(list(shown), site),
            **_page_chrome(site),
            **context,
        )
    )


def render_front_page(content: FrontContent, site: SiteInfo, page: Pagination) -> str:
    """index.html (and page/N/): pinned lead stories on page 1, then the latest, and every section."""
    return _page(
        "front.html.j2",
        page.path(page.number),
        site,
        shown=[*(content.pinned if page.number == 1 else ()), *content.entries],
        pinned=list(content.pinned) if page.number == 1 else [],
        entries=list(content.entries),
        sections=ordered_sections(content.sections, site.section_order),
        page=page,
    )


def render_section_page(
    entries: Sequence[IndexEntry], section_name: str, site: SiteInfo, page: Pagination
) -> str:
    """sections/<slug>/ (and page/N/): one section's stories, newest first."""
    return _page(
        "section.html.j2",
        page.path(page.number),
        site,
        shown=entries,
        section_name=section_name,
        entries=list(entries),
        page=page,
    )


def render_archive_day(entries: Sequence[IndexEntry], day: str, site: SiteInfo) -> str:
    """archive/YYYY/MM/DD/: every story of one (UTC) day, in the order they were published."""
    moment = datetime.fromisoformat(day)
    return _page(
        "archive_day.html.j2",
        day_dir(day),
        site,
        shown=entries,
        entries=list(entries),
        day=moment,
        month_link=month_dir(day[:7]),
    )


def render_archive_month(days: Sequence[str], month: str, site: SiteInfo) -> str:
    """archive/YYYY/MM/: the days of one month that have stories, linking to each day's page."""
    return _page(
        "archive_month.html.j2",
        month_dir(month),
        site,
        month=datetime.fromisoformat(f"{month}-01"),
        days=[(datetime.fromisoformat(day), day_dir(day)) for day in days],
    )


def render_archive_index(months: Sequence[str], site: SiteInfo) -> str:
    """archive/: every month with stories, newest first."""
    return _page(
        "archive_index.html.j2",
        ARCHIVE_BASE,
        site,
        months=[(datetime.fromisoformat(f"{month}-01"), month_dir(month)) for month in months],
    )


def render_feed(entries: Sequence[IndexEntry], site: SiteInfo, *, now: datetime) -> str:
    """feed.xml (Atom 1.0): the newest articles with their images; `updated` is the newest change or now."""
    shown = list(entries[:FEED_SIZE])
    updated = max((entry.last_modified for entry in shown), default=now)
    return environment().get_template("feed.xml.j2").render(site=site, entries=shown, updated=updated)


def news_language(language: str) -> str:
    """Google News wants an ISO 639 code; Chinese alone keeps its script/region (zh-cn, zh-tw)."""
    parts = language.lower().split("-")
    if parts[0] == "zh":
        return "zh-tw" if any(p in ("tw", "hk", "mo", "hant") for p in parts[1:]) else "zh-cn"
    return parts[0]


def render_news_sitemap(entries: Sequence[IndexEntry], site: SiteInfo, *, now: datetime) -> str:
    """sitemaps/news.xml: Google News, the articles of the last 48 hours (newest first, at most 1,000)."""
    recent = [entry for entry in entries if now - entry.published_at <= NEWS_WINDOW][:NEWS_MAX]
    return (
        environment()
        .get_template("news_sitemap.xml.j2")
        .render(site=site, entries=recent, news_language=news_language)
    )


def render_urlset(entries: Sequence[IndexEntry], site: SiteInfo) -> str:
    """sitemaps/<day>.xml: one day's articles, each with its lastmod."""
    return environment().get_template("sitemap.xml.j2").render(site=site, entries=list(entries[:SITEMAP_MAX]))


def render_pages_sitemap(sections: Sequence[str], site: SiteInfo) -> str:
    """sitemaps/pages.xml: the front page, each section's first page and the archive."""
    paths = ["", *(section_path(slug) for slug in sections), ARCHIVE_BASE]
    return environment().get_template("pages_sitemap.xml.j2").render(site=site, paths=paths)


def render_sitemap_index(days: Sequence[str], site: SiteInfo) -> str:
    """sitemap.xml: the index over every sitemap file. Without lastmod (optional in the protocol), so
    it changes only when a day gains its first article or loses its last, not on every publish."""
    keys = [PAGES_SITEMAP_KEY, NEWS_SITEMAP_KEY, *(day_sitemap_key(day) for day in days)][:SITEMAP_MAX]
    return environment().get_template("sitemap_index.xml.j2").render(site=site, keys=keys)
