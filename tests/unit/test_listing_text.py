"""Text on pages in any script: bylines isolated for bidi, snippets clipped where the script breaks,
listing pages in the site's direction, listing navigation styled for touch."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import pytest

from newscard.models.article import Article
from newscard.models.site_index import IndexEntry
from newscard.rendering.brand import default_brand
from newscard.rendering.page import (
    DESCRIPTION_MAX,
    JSONLD_HEADLINE_MAX,
    PageContext,
    description,
    news_article_jsonld,
    render_article_page,
)
from newscard.rendering.site import (
    FrontContent,
    Pagination,
    SiteInfo,
    render_archive_day,
    render_archive_index,
    render_archive_month,
    render_front_page,
    render_section_page,
)
from tests.conftest import seed_document
from tests.unit.test_site_rendering import entry as listing_entry

SITE = SiteInfo("The Gazette", "https://news.example.com")
ARABIC_SITE = SiteInfo("الجريدة", "https://news.example.com", language="ar")
CONTEXT = PageContext(
    site_name="The Gazette",
    site_url="https://news.example.com",
    page_url="https://news.example.com/articles/a/",
    cards={},
    images={},
    brand=default_brand("The Gazette"),
)
# No spaces between Thai words: the only space is after the dateline ("Bangkok –").
THAI = (
    "กรุงเทพฯ – นายกรัฐมนตรีประกาศมาตรการกระตุ้นเศรษฐกิจใหม่มูลค่าห้าแสนล้านบาทเพื่อช่วยเหลือประชาชน"
    "ทั่วประเทศไทยในปีนี้และยังจะเพิ่มเงินช่วยเหลือให้แก่ผู้สูงอายุอีกด้วยโดยจะเริ่มตั้งแต่เดือนหน้าเป็นต้นไป"
    "ตามที่คณะรัฐมนตรีได้อนุมัติไว้แล้วเมื่อวันอังคารที่ผ่านมาซึ่งเป็นข่าวดีสำหรับประชาชนจำนวนมาก"
)


def entry(slug: str, **changes: object) -> IndexEntry:
    return listing_entry(slug, "2026-03-05T09:00:00+00:00", **changes)


def article(**changes: Any) -> Article:
    """The seed article without images (no renditions needed), with the changes."""
    values: dict[str, Any] = {"hero": None, "dek": None, "body": [{"type": "paragraph", "text": "Text."}]}
    return Article.model_validate(seed_document(**(values | changes)))


def meta_line(html: str) -> str:
    return str(re.findall(r'<p class="meta">(.*?)</p>', html)[0])


# --- bylines: each name isolated, so names in another script keep their order and the date its own --


def test_teaser_bylines_isolate_each_name_and_keep_the_languages_own_glue() -> None:
    # Given an English teaser by a Latin and an Arabic name, and a German one by a Hebrew name
    english = entry("en", authors=["Jane Doe", "محمد علي"])
    german = entry("de", language="de", authors=["דוד כהן", "Anna Schmidt"])

    # When the front page lists them
    html = render_front_page(FrontContent(entries=[english, german]), SITE, Pagination(base=""))
    lead, teaser = re.findall(r'<p class="meta">(.*?)</p>', html)

    # Then each name is its own bidi isolate, joined by the language's conjunction, before the date
    assert lead.startswith("<bdi>Jane Doe</bdi> and <bdi>محمد علي</bdi> · <time ")
    assert teaser.startswith("<bdi>דוד כהן</bdi> und <bdi>Anna Schmidt</bdi> · <time ")


def test_a_teaser_by_three_is_listed_as_cldr_lists_three() -> None:
    html = render_front_page(
        FrontContent(entries=[entry("a", authors=["A & B", "C", "D"])]), SITE, Pagination(base="")
    )
    assert meta_line(html).startswith("<bdi>A &amp; B</bdi>, <bdi>C</bdi>, and <bdi>D</bdi> · ")


def test_the_date_beside_a_byline_is_isolated_too() -> None:
    html = render_front_page(FrontContent(entries=[entry("a")]), SITE, Pagination(base=""))
    assert ".meta time,.byline time{unicode-bidi:isolate}" in html


def test_the_article_byline_isolates_each_name_linked_or_not() -> None:
    page = render_article_page(
        article(authors=[{"name": "Jane Doe", "url": "https://example.com/jane"}, {"name": "محمد علي"}]),
        CONTEXT,
    )
    assert (
        '<span class="authors"><bdi><a href="https://example.com/jane" rel="author">Jane Doe</a></bdi>'
        " and <bdi>محمد علي</bdi></span>"
    ) in page


# --- snippets: cut where the script allows, not back to the last space ----------------------------


def test_a_thai_description_without_a_dek_keeps_most_of_its_length() -> None:
    text = description(article(language="th", body=[{"type": "paragraph", "text": THAI}]))
    assert text.endswith("…")
    assert DESCRIPTION_MAX // 2 <= len(text) <= DESCRIPTION_MAX
    assert THAI.startswith(text[:-1])
    # never between a consonant and its vowel or tone mark
    assert unicodedata.category(THAI[len(text) - 1]) not in ("Mn", "Mc")


def test_a_thai_json_ld_headline_is_clipped_near_googles_limit() -> None:
    headline = "ด่วน! " + THAI[11:160]
    data = news_article_jsonld(article(language="th", headline=headline), CONTEXT)
    assert JSONLD_HEADLINE_MAX // 2 <= len(data["headline"]) <= JSONLD_HEADLINE_MAX
    assert headline.startswith(data["headline"][:-1])


def test_chinese_is_cut_between_any_two_characters_not_back_to_a_latin_words_space() -> None:
    text = "据 Reuters 报道，" + "国务院新闻办公室今天举行发布会，介绍了今年前三季度国民经济运行情况。" * 10
    clipped = description(article(language="zh", body=[{"type": "paragraph", "text": text}]))
    # (a comma stays with the character before it: kinsoku, as in the card headlines)
    assert DESCRIPTION_MAX - 2 <= len(clipped) <= DESCRIPTION_MAX
    assert text.startswith(clipped[:-1])


def test_spaced_text_is_cut_between_words_and_a_long_word_inside_rather_than_dropped() -> None:
    words = "The harbour reopened on Monday, " * 10
    clipped = description(article(body=[{"type": "paragraph", "text": words}]))
    kept = clipped.removesuffix("…")
    assert DESCRIPTION_MAX - 12 <= len(clipped) <= DESCRIPTION_MAX
    assert words.startswith(kept) and words[len(kept)] in " ,"  # at the end of a word

    long_word = "Read it at https://example.com/" + "x" * 300
    assert len(description(article(body=[{"type": "paragraph", "text": long_word}]))) == DESCRIPTION_MAX


@pytest.mark.parametrize(
    "cluster",
    ["ที่", "स्ते", "👩\u200d👩\u200d👧\u200d👦", "e\u0301"],
    ids=["thai-vowel-and-tone", "devanagari-conjunct", "emoji-zwj-sequence", "combining-accent"],
)
def test_a_cut_between_characters_never_splits_a_cluster(cluster: str) -> None:
    clipped = description(article(body=[{"type": "paragraph", "text": cluster * 200}]))
    assert len(clipped) <= DESCRIPTION_MAX
    assert len(clipped[:-1]) % len(cluster) == 0


# --- archive pages follow the site's direction, as the front and section pages do ----------------


@pytest.mark.parametrize(
    "page",
    [
        lambda: render_archive_index(["2026-03"], ARABIC_SITE),
        lambda: render_archive_month(["2026-03-05"], "2026-03", ARABIC_SITE),
        lambda: render_archive_day([entry("a", language="ar")], "2026-03-05", ARABIC_SITE),
    ],
    ids=["index", "month", "day"],
)
def test_archive_pages_of_a_right_to_left_site_are_right_to_left(page: Any) -> None:
    assert '<html lang="ar" dir="rtl">' in page()


# --- a section named in another language says so -------------------------------------------------


def test_a_section_named_in_another_language_carries_its_lang_and_dir() -> None:
    stories = [entry("a", language="ar", direction="rtl", section="الاقتصاد", section_slug="economy")]
    html = render_section_page(stories, "الاقتصاد", SITE, Pagination(base="sections/economy/"))
    assert '<h1 class="page-title" lang="ar" dir="rtl">الاقتصاد</h1>' in html
    # but where its stories are in several languages, the name's is not known: the page's it is
    mixed = [entry("a", language="de"), entry("b")]
    html = render_section_page(mixed, "World", SITE, Pagination(base="sections/world/"))
    assert '<h1 class="page-title">World</h1>' in html


def test_the_page_number_after_a_foreign_section_name_stays_in_the_sites_language() -> None:
    stories = [entry("a", language="ar", direction="rtl", section="الاقتصاد", section_slug="economy")]
    html = render_section_page(
        stories, "الاقتصاد", SITE, Pagination(base="sections/economy/", number=2, count=2)
    )
    assert '>الاقتصاد · <span lang="en" dir="ltr">Page 2</span></h1>' in html


# --- listing navigation is styled: a row of 44 px targets, the current page marked ---------------


def test_pagination_archive_lists_and_breadcrumbs_have_touch_sized_styles() -> None:
    html = render_archive_month(["2026-03-05"], "2026-03", SITE)
    rules = dict(re.findall(r"^([^{}\n]+)\{([^{}]*)\}$", html, re.M))
    assert "list-style:none" in rules[".pagination ul"] and "flex-wrap:wrap" in rules[".pagination ul"]
    assert "min-height:2.75rem" in rules[".pagination a"] and "min-width:2.75rem" in rules[".pagination a"]
    assert "background:var(--accent)" in rules[".pagination a[aria-current]"]
    assert "list-style:none" in rules[".archive-list"]
    assert "min-height:2.75rem" in rules[".archive-list a"]
    assert "min-height:2.75rem" in rules[".breadcrumbs a"]
