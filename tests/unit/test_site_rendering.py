"""Pure rendering of listings and the locale helpers: models in, text out."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import feedparser
import pytest

from newscard.dal.memory import DirectoryStore, MemoryStore
from newscard.models.errors import PreconditionFailed
from newscard.models.site_index import IndexEntry, SiteIndex
from newscard.rendering import i18n
from newscard.rendering.site import SiteInfo, news_language, render_feed, render_front_page, render_sitemap
from newscard.rendering.templating import json_for_script, safe_url

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
    feed = feedparser.parse(render_feed(SiteIndex(), SITE, now=NOW))
    assert feed.bozo == 0
    assert feed.entries == []
    assert feed.feed.updated == NOW.isoformat()


def test_the_feed_is_updated_at_its_newest_change() -> None:
    index = SiteIndex(
        entries=[
            entry("b", "2025-12-06T10:00:00+00:00"),
            entry(
                "a",
                "2025-12-01T10:00:00+00:00",
                updated_at=datetime.fromisoformat("2025-12-06T11:00:00+00:00"),
            ),
        ]
    )
    feed = feedparser.parse(render_feed(index, SITE, now=NOW))
    assert feed.feed.updated == "2025-12-06T11:00:00+00:00"
    assert [e.id for e in feed.entries] == [index.entries[0].url, index.entries[1].url]


def test_google_news_tags_only_for_the_last_two_days() -> None:
    index = SiteIndex(
        entries=[
            entry("fresh", "2025-12-05T12:00:00+00:00"),  # exactly two days
            entry("stale", "2025-12-05T11:59:00+00:00"),
        ]
    )
    sitemap = render_sitemap(index, SITE, now=NOW)
    fresh, stale = sitemap.split("articles/stale/")
    assert "<news:title>Headline fresh</news:title>" in fresh
    assert "news:news" not in stale


@pytest.mark.parametrize(
    ("language", "expected"), [("en", "en"), ("pt-BR", "pt"), ("zh-Hant-TW", "zh-tw"), ("zh", "zh-cn")]
)
def test_news_language_codes(language: str, expected: str) -> None:
    assert news_language(language) == expected


def test_a_teaser_in_another_language_carries_its_own_lang_and_dir() -> None:
    index = SiteIndex(entries=[entry("ar", "2025-12-06T10:00:00+00:00", language="ar", direction="rtl")])
    html = render_front_page(index, SITE)
    assert '<article class="teaser lead" lang="ar" dir="rtl">' in html


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
