"""Soft hyphens in a page's prose: long words break at their syllables in any browser, and only the
visible text carries them (titles, meta tags, JSON-LD, the feed and the sitemaps keep the words whole)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newscard.rendering import hyphenation
from newscard.rendering.hyphenation import (
    PAGE_BUDGET,
    SOFT_HYPHEN,
    SoftHyphens,
    syllable_breaks,
    with_soft_hyphens,
)
from tests.sitehttp import build

COMPOUND = "Donaudampfschifffahrtsgesellschaft"


def shown(text: str) -> str:
    return text.replace(SOFT_HYPHEN, "·")


def test_a_long_word_gets_a_soft_hyphen_at_each_of_its_dictionary_syllables() -> None:
    hyphenated = with_soft_hyphens(f"Die {COMPOUND} tagt", "de")
    word = hyphenated.split()[1]
    assert word.replace(SOFT_HYPHEN, "") == COMPOUND
    offsets, seen = [], 0
    for piece in word.split(SOFT_HYPHEN)[:-1]:
        seen += len(piece)
        offsets.append(seen)
    assert tuple(offsets) == syllable_breaks(COMPOUND, "de")
    assert shown(word) == "Do·nau·dampf·schiff·fahrts·ge·sell·schaft"


def test_words_shorter_than_a_phone_line_stay_whole() -> None:
    # At most 11 letters: every one fits the narrowest line (a phone's headline) and moves down whole.
    assert with_soft_hyphens("Der Bundestag beschließt Haushaltsplan", "de") == (
        "Der Bundestag beschließt Haus\u00adhalts\u00adplan"
    )
    assert with_soft_hyphens("Kanzlerin, Regierung: Mehrheiten", "de") == "Kanzlerin, Regierung: Mehrheiten"


def test_a_word_the_editor_hyphenated_keeps_exactly_the_editors_breaks() -> None:
    edited = f"Donaudampf{SOFT_HYPHEN}schifffahrtsgesellschaft und {COMPOUND}"
    out = with_soft_hyphens(edited, "de")
    assert out.startswith(f"Donaudampf{SOFT_HYPHEN}schifffahrtsgesellschaft und ")
    assert shown(out.split()[-1]) == "Do·nau·dampf·schiff·fahrts·ge·sell·schaft"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("東京都知事選挙の投票率が過去最低を記録", "ja"),  # no dictionary, no hyphens in the script
        ("القادةالأوروبيونيناقشونمستقبلالتحالف", "ar"),
        ("Hauptverkehrsstraßenbaustelle", "zz"),  # a language Pyphen has no dictionary for
        ("Hauptverkehrsstraßenbaustelle 2025", "x-unknown"),
    ],
)
def test_text_without_a_dictionary_or_hyphens_in_its_script_is_unchanged(text: str, language: str) -> None:
    assert with_soft_hyphens(text, language) == text


def test_other_alphabets_hyphenate_by_their_own_dictionary() -> None:
    assert shown(with_soft_hyphens("перераспределении", "ru")) == "пе·ре·рас·пре·де·ле·нии"
    assert shown(with_soft_hyphens("internationalization", "en-GB")).count("·") >= 4


@given(
    text=st.text(st.characters(blacklist_characters=SOFT_HYPHEN, blacklist_categories=("Cs",)), max_size=200),
    language=st.sampled_from(["de", "en", "ru", "fr", "nl", "ar", "ja", "pt-BR"]),
)
def test_only_soft_hyphens_are_ever_added(text: str, language: str) -> None:
    assert with_soft_hyphens(text, language).replace(SOFT_HYPHEN, "") == text


def test_only_the_pages_visible_prose_carries_soft_hyphens(tmp_path: Path) -> None:
    headline = f"{COMPOUND} meldet Rindfleischetikettierungsüberwachung"
    document = {
        "headline": headline,
        "slug": "compound",
        "dek": f"Die {COMPOUND} tagt.",
        "section": "Wirtschaftsnachrichten",
        "published_at": "2025-12-05T08:00:00+01:00",
        "language": "de",
        "body": [{"type": "paragraph", "text": f"Die {COMPOUND} tagt."}],
    }
    build(tmp_path, {"compound": document}, SITE_LANGUAGE="de")
    page = (tmp_path / "articles" / "compound" / "index.html").read_text()
    h1 = re.search(r"<h1>(.*?)</h1>", page)
    assert h1 is not None and SOFT_HYPHEN in h1.group(1)
    assert h1.group(1).replace(SOFT_HYPHEN, "") == headline
    head = page[: page.index("</head>")]
    assert SOFT_HYPHEN not in head  # <title>, og:title, twitter:title, description, JSON-LD
    jsonld = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert jsonld is not None and json.loads(jsonld.group(1))["headline"] == headline
    front = (tmp_path / "index.html").read_text()
    assert SOFT_HYPHEN in front[front.index("<main") :]  # the teaser's headline
    for machine_read in ("feed.xml", "sitemap.xml", *(p.name for p in tmp_path.glob("sitemap*.xml"))):
        assert SOFT_HYPHEN not in (tmp_path / machine_read).read_text()
    for sitemap in tmp_path.glob("sitemaps/**/*.xml"):
        assert SOFT_HYPHEN not in sitemap.read_text()


def test_a_page_hyphenates_its_long_words_within_a_budget_in_document_order() -> None:
    # Pyphen costs about 0.1 ms a word: a 1 MiB body of long words must not cost seconds.
    words = ["Haushaltsplanentwurf", "Gesundheitsministerium", "Verkehrsministerkonferenz"]
    hyphenate = SoftHyphens("de", budget=len(words[0]) + len(words[1]))
    first = hyphenate(f"{words[0]} und {words[1]}")
    assert first.replace(SOFT_HYPHEN, "") == f"{words[0]} und {words[1]}" and first.count(SOFT_HYPHEN) >= 6
    assert hyphenate(words[2]) == words[2]  # over the budget: whole, whatever the cache holds
    # The same text on a fresh page hyphenates the same way: bytes depend on the page alone.
    assert SoftHyphens("de", budget=len(words[0]) + len(words[1]))(f"{words[0]} und {words[1]}") == first


def test_a_near_mebibyte_body_of_long_words_hyphenates_no_more_than_the_budget() -> None:
    words = [
        f"Verkehrsminister{chr(0x61 + n % 26)}{chr(0x61 + n // 26 % 26)}konferenz" for n in range(40_000)
    ]
    hyphenate = SoftHyphens("de")
    out = [hyphenate(" ".join(words[start : start + 500])) for start in range(0, len(words), 500)]
    hyphenated = sum(1 for paragraph in out for word in paragraph.split() if SOFT_HYPHEN in word)
    assert hyphenated == PAGE_BUDGET // len(words[0])


def test_a_dictionary_is_loaded_only_for_a_page_that_has_a_long_word() -> None:
    # Parsing one is a one-off per process but not a small one (German's 1 MB of patterns).
    hyphenation._hyphenator.cache_clear()
    assert with_soft_hyphens("Der Rat tagt heute in Bonn.", "de") == "Der Rat tagt heute in Bonn."
    arabic = "القادةالأوروبيونيناقشونمستقبل"  # a long word, in a script that does not hyphenate
    assert with_soft_hyphens(arabic, "de") == arabic
    assert hyphenation._hyphenator.cache_info().currsize == 0
    assert SOFT_HYPHEN in with_soft_hyphens("Der Haushaltsausschuss tagt.", "de")
    assert hyphenation._hyphenator.cache_info().currsize == 1


@pytest.mark.parametrize(
    "address",
    [
        "https://www.bundesgesundheitsministerium.de/pressemitteilungen",
        "www.bundesgesundheitsministerium.de",
        "pressestelle@bundesgesundheitsministerium.de",
    ],
)
def test_an_address_in_the_text_stays_as_written_so_it_still_works_when_copied(address: str) -> None:
    text = f"Mehr unter {address} und beim Bundesgesundheitsministerium."
    out = with_soft_hyphens(text, "de")
    assert address in out
    assert SOFT_HYPHEN in out.split()[-1]  # the word after it still hyphenates
