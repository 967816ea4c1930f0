"""Language tags downstream of the article model: writing direction, Babel locales and catalogs,
and the listing navigation's words."""

from __future__ import annotations

import pytest

from newscard.models.article import text_direction
from newscard.models.errors import ConfigurationError
from newscard.models.settings import Settings
from newscard.rendering import i18n
from tests.conftest import ENVIRONMENT

CATALOG_TAGS = sorted(
    path.parent.parent.name.replace("_", "-") for path in i18n.LOCALE_DIR.glob("*/LC_MESSAGES/newscard.mo")
)
ENGLISH_NAV = {"pages": "Pages", "page": "Page", "newer": "Newer", "older": "Older", "archive": "Archive"}


@pytest.mark.parametrize(
    "tag",
    ["iw", "ji", "azb", "ks", "glk", "bal", "mzn", "lrc", "nqo", "prs", "pnb", "skr"],
)
def test_languages_usually_written_right_to_left_are_rtl_without_a_script_subtag(tag: str) -> None:
    assert text_direction(tag) == "rtl"


def test_the_region_picks_the_usual_script() -> None:
    # Punjabi is Gurmukhi in India and Shahmukhi (Arabic) in Pakistan; likewise Uzbek in
    # Afghanistan and Kazakh in China.
    assert [text_direction(tag) for tag in ("pa-PK", "uz-AF", "kk-CN")] == ["rtl"] * 3
    assert [text_direction(tag) for tag in ("pa-IN", "pa", "uz-UZ", "kk")] == ["ltr"] * 4


@pytest.mark.parametrize(
    ("tag", "direction"),
    [
        ("ar-u-nu-latn", "rtl"),  # a Unicode extension's "latn" is a numbering system, not a script
        ("he-IL-u-ca-hebrew-nu-latn", "rtl"),
        ("en-x-arab", "ltr"),  # private use says nothing about the script
        ("ar-Zyyy", "rtl"),  # "common" script: no script in particular, so the language decides
        ("he-Qaaa", "rtl"),  # a private-use script likewise
        ("ur-Aran", "rtl"),  # Nastaliq, a variant of the Arabic script
        ("hu-Hung", "rtl"),  # Old Hungarian runes
        ("otk-Orkh", "rtl"),  # Old Turkic
    ],
)
def test_only_a_real_script_subtag_before_any_extension_decides(tag: str, direction: str) -> None:
    assert text_direction(tag) == direction


@pytest.mark.parametrize(
    ("tag", "locale"),
    [
        ("zh-Hant-TW-x-press", "zh_Hant_TW"),
        ("zh-TW-u-nu-hanidec", "zh_Hant_TW"),
        ("zh-yue-HK", "zh_Hant_HK"),
        # Babel knows neither variant: the locale without them, not the bare language (or, for
        # Serbian, the Cyrillic one Babel falls back to)
        ("de-CH-1996-fonipa", "de_CH"),
        ("sr-Latn-RS-ekavsk", "sr_Latn_RS"),
    ],
)
def test_extensions_extlangs_and_unknown_variants_do_not_lose_the_script_and_region(
    tag: str, locale: str
) -> None:
    assert str(i18n.locale_for(tag)) == locale


def test_a_tag_with_an_extension_gets_its_own_catalog() -> None:
    assert i18n.labels("zh-Hant-TW-x-press")["updated"] == "更新於"
    assert i18n.labels("zh-yue-HK")["updated"] == "更新於"


def test_listing_navigation_words_come_from_the_language_catalog_or_english() -> None:
    assert i18n.nav_labels("ja") == {
        "pages": "ページ",
        "page": "ページ",
        "newer": "新しい記事",
        "older": "古い記事",
        "archive": "アーカイブ",
    }
    assert i18n.nav_labels("pt-BR")["older"] == "Mais antigos"
    assert i18n.nav_labels("en") == i18n.nav_labels("en-GB") == ENGLISH_NAV
    assert i18n.nav_labels("xx") == i18n.nav_labels("x-twain") == ENGLISH_NAV


def test_every_catalog_has_its_own_listing_navigation_words_and_the_old_ones_are_kept() -> None:
    assert len(CATALOG_TAGS) >= 40
    english = [tag for tag in CATALOG_TAGS if i18n.nav_labels(tag)["older"] == "Older"]
    assert english == []
    for tag in CATALOG_TAGS:
        assert i18n.nav_labels(tag)["archive"] == i18n.labels(tag)["archive"]
    # The words the hard-coded table had, unchanged now that they come from the catalogs.
    assert i18n.nav_labels("fr") == {
        "pages": "Pages",
        "page": "Page",
        "newer": "Plus récents",
        "older": "Plus anciens",
        "archive": "Archives",
    }
    assert i18n.nav_labels("de")["older"] == "Ältere"
    assert i18n.nav_labels("es")["newer"] == "Más recientes"
    assert i18n.nav_labels("ar")["archive"] == "الأرشيف"
    assert i18n.nav_labels("he")["pages"] == "עמודים"


@pytest.mark.parametrize("tag", ["ar-u-nu-latn", "zh-yue-HK", "en-US-x-house"])
def test_the_site_language_takes_every_tag_an_article_may_have(tag: str) -> None:
    assert Settings.from_env({**ENVIRONMENT, "SITE_LANGUAGE": tag}).site_language == tag
    with pytest.raises(ConfigurationError, match="SITE_LANGUAGE is invalid"):
        Settings.from_env({**ENVIRONMENT, "SITE_LANGUAGE": tag.replace("-", "_")})
