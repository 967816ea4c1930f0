"""Pure rendering of listings and the locale helpers: models in, text out."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import feedparser
import pytest

from newscard.dal.memory import DirectoryStore, MemoryStore
from newscard.models.errors import PreconditionFailed
from newscard.models.site_index import IndexEntry, ListingImage
from newscard.rendering import i18n
from newscard.rendering.site import (
    FrontContent,
    Pagination,
    SiteInfo,
    news_language,
    render_feed,
    render_front_page,
    render_news_sitemap,
    render_sitemap_index,
    render_urlset,
)
from newscard.rendering.templating import drop_non_xml, json_for_script, safe_url

SITE = SiteInfo("The Gazette", "https://news.example.com")
NOW = datetime.fromisoformat("2025-12-07T12:00:00+00:00")


def entry(slug: str, published: str, **changes: object) -> IndexEntry:
    values: dict[str, object] = {
        "slug": slug,
        "url": f"https://news.example.com/articles/{slug}/",
        "path": f"articles/{slug}/",
        "headline": f"Headline {slug}",
        "section": "World",
        "section_slug": "world",
        "language": "en",
        "published_at": datetime.fromisoformat(published),
    }
    values.update(changes)
    return IndexEntry.model_validate(values)


def test_an_empty_site_still_has_a_valid_feed_updated_now() -> None:
    feed = feedparser.parse(render_feed([], SITE, now=NOW))
    assert feed.bozo == 0
    assert feed.entries == []
    assert feed.feed.updated == NOW.isoformat()


def test_the_feed_is_updated_at_its_newest_change() -> None:
    entries = [
        entry("b", "2025-12-06T10:00:00+00:00"),
        entry(
            "a",
            "2025-12-01T10:00:00+00:00",
            updated_at=datetime.fromisoformat("2025-12-06T11:00:00+00:00"),
        ),
    ]
    feed = feedparser.parse(render_feed(entries, SITE, now=NOW))
    assert feed.feed.updated == "2025-12-06T11:00:00+00:00"
    assert [e.id for e in feed.entries] == [entries[0].url, entries[1].url]


def test_feed_entries_carry_their_image() -> None:
    image = ListingImage(path="images/a/hero-1280.jpg", width=1280, height=720, alt="A harbour")
    feed = feedparser.parse(
        render_feed([entry("a", "2025-12-06T10:00:00+00:00", image=image)], SITE, now=NOW)
    )
    assert feed.bozo == 0
    (item,) = feed.entries
    assert item.media_thumbnail == [
        {"url": f"{SITE.base_url}/images/a/hero-1280.jpg", "width": "1280", "height": "720"}
    ]
    assert [(link.rel, link.type) for link in item.links if link.rel == "enclosure"] == [
        ("enclosure", "image/jpeg")
    ]


def test_google_news_tags_only_for_the_last_two_days() -> None:
    entries = [
        entry("fresh", "2025-12-05T12:00:00+00:00"),  # exactly two days
        entry("stale", "2025-12-05T11:59:00+00:00"),
    ]
    sitemap = render_news_sitemap(entries, SITE, now=NOW)
    assert "<news:title>Headline fresh</news:title>" in sitemap
    assert "articles/stale/" not in sitemap


def test_sitemaps_are_well_formed_with_lastmod_per_url_and_an_index_over_them() -> None:
    from lxml import etree

    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    urlset = etree.fromstring(
        render_urlset(
            [entry("a", "2025-12-05T12:00:00+01:00"), entry("b&c", "2025-12-05T13:00:00+00:00")], SITE
        ).encode()
    )
    assert urlset.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}urlset"
    urls = urlset.findall("s:url", ns)
    assert [u.findtext("s:loc", namespaces=ns) for u in urls] == [
        "https://news.example.com/articles/a/",
        "https://news.example.com/articles/b&c/",
    ]
    lastmods = [datetime.fromisoformat(str(u.findtext("s:lastmod", namespaces=ns))) for u in urls]
    assert lastmods[0] == datetime.fromisoformat("2025-12-05T12:00:00+01:00")
    index = etree.fromstring(render_sitemap_index(["2025-12-04", "2025-12-05"], SITE).encode())
    assert index.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}sitemapindex"
    assert [s.findtext("s:loc", namespaces=ns) for s in index.findall("s:sitemap", ns)] == [
        "https://news.example.com/sitemaps/pages.xml",
        "https://news.example.com/sitemaps/news.xml",
        "https://news.example.com/sitemaps/2025-12-04.xml",
        "https://news.example.com/sitemaps/2025-12-05.xml",
    ]


@pytest.mark.parametrize(
    ("language", "expected"), [("en", "en"), ("pt-BR", "pt"), ("zh-Hant-TW", "zh-tw"), ("zh", "zh-cn")]
)
def test_news_language_codes(language: str, expected: str) -> None:
    assert news_language(language) == expected


def test_a_teaser_in_another_language_carries_its_own_lang_and_dir() -> None:
    entries = [entry("ar", "2025-12-06T10:00:00+00:00", language="ar", direction="rtl")]
    html = render_front_page(FrontContent(entries=entries), SITE, Pagination(base=""))
    assert '<article class="teaser lead" lang="ar" dir="rtl">' in html


def test_teasers_show_time_as_well_as_date_in_the_article_language() -> None:
    entries = [entry("a", "2025-12-06T10:05:00+01:00", language="fr")]
    html = render_front_page(FrontContent(entries=entries), SITE, Pagination(base=""))
    assert ">6 déc. 2025, 10:05</time>" in html


def test_dates_and_name_lists_follow_the_language() -> None:
    moment = datetime.fromisoformat("2025-12-06T09:00:00+00:00")
    assert (
        i18n.format_timestamp(moment, "en") == "December 6, 2025, 9:00\u202fAM UTC"
    )  # CLDR: narrow no-break space
    assert i18n.format_timestamp(moment, "fr") == "6 décembre 2025, 09:00 UTC"
    assert "ديسمبر" in i18n.format_timestamp(moment, "ar")
    assert i18n.format_timestamp(moment, "xx") == i18n.format_timestamp(moment, "en")  # unknown: English
    assert i18n.format_names(["A", "B", "C"], "en") == "A, B, and C"
    assert i18n.list_separators(3, "de") == [", ", " und ", ""]
    assert (i18n.og_locale("en"), i18n.og_locale("pt-BR"), i18n.og_locale("ar")) == (
        "en_US",
        "pt_BR",
        "ar_EG",
    )


def test_json_for_script_cannot_close_the_script_and_round_trips() -> None:
    value = {"a": "</script><!-- & \u2028 '\""}
    text = str(json_for_script(value))
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == value


def test_safe_url_keeps_valid_urls_and_encodes_what_a_url_may_not_hold() -> None:
    assert safe_url("https://a.example/p%20q?x=1&y=[2]#f") == "https://a.example/p%20q?x=1&y=[2]#f"
    assert safe_url('https://a.example/"><x') == "https://a.example/%22%3E%3Cx"


@pytest.mark.parametrize("make", [lambda tmp: MemoryStore(), lambda tmp: DirectoryStore(tmp)])
def test_stores_put_is_compare_and_swap(make: object, tmp_path: Path) -> None:
    store = make(tmp_path)  # type: ignore[operator]
    first = store.put("k/x.json", b"1", content_type="application/json", if_none_match=True)
    with pytest.raises(PreconditionFailed):
        store.put("k/x.json", b"2", content_type="application/json", if_none_match=True)
    second = store.put("k/x.json", b"2", content_type="application/json", if_match=first)
    with pytest.raises(PreconditionFailed):
        store.put("k/x.json", b"3", content_type="application/json", if_match=first)
    with pytest.raises(PreconditionFailed):
        store.put("missing", b"3", content_type="application/json", if_match=first)
    assert store.get("k/x.json").body == b"2"
    assert store.etag("k/x.json") == store.get("k/x.json").etag == second
    assert store.etag("nothing") is None


def _xml_char(code: int) -> bool:
    """XML 1.0's Char production."""
    return (
        code in (0x9, 0xA, 0xD)
        or 0x20 <= code <= 0xD7FF
        or 0xE000 <= code <= 0xFFFD
        or 0x10000 <= code <= 0x10FFFF
    )


def test_every_template_output_keeps_exactly_the_code_points_xml_allows() -> None:
    every = "".join(map(chr, range(0x110000)))
    assert drop_non_xml(every) == "".join(char for char in every if _xml_char(ord(char)))
    assert drop_non_xml("plain text") == "plain text"
