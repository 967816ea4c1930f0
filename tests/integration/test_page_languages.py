"""Interface words come from the gettext catalogs: no English on a page in another language."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from newscard.models.article import slugify
from newscard.rendering import i18n
from tests.conftest import EXAMPLES
from tests.sitehttp import build

LANGUAGES = ["ja", "el", "hi", "ko", "ru", "zh"]
ENGLISH = sorted(i18n.MESSAGES.values(), key=len, reverse=True)


def document(language: str) -> dict[str, Any]:
    """The multilingual example, with every part that prints an interface word."""
    source = json.loads((EXAMPLES / "multilingual" / f"{language}.json").read_text())
    source.setdefault("hero", {"src": "assets/european-leaders.jpg", "alt": "·"})
    source["hero"]["credit"] = "AFP"
    source["authors"] = [{"name": "Ἀνώνυμος"}]
    source["updated_at"] = "2025-12-06T12:00:00+00:00"
    source["published_at"] = "2025-12-06T09:00:00+00:00"
    source["tags"] = [source["section"]]
    return source


class _Visible(HTMLParser):
    """Text a reader sees or hears: text outside script and style, plus alt and aria-label values."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._skip = tag in ("script", "style", "title")
        self.parts.extend(value or "" for name, value in attrs if name in ("alt", "aria-label", "title"))

    def handle_endtag(self, tag: str) -> None:
        self._skip = False

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    return "\n".join(parser.parts)


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, str, dict[str, Any]]]:
    built = {}
    for language in LANGUAGES:
        root = tmp_path_factory.mktemp(language)
        source = document(language)
        slugs = build(root, {language: source}, SITE_LANGUAGE=language, SITE_NAME="Ἐφημερίς")
        built[language] = (root, slugs[language], source)
    return built


@pytest.mark.parametrize("language", LANGUAGES)
def test_pages_in_the_language_show_no_english_interface_words(
    sites: dict[str, tuple[Path, str, dict[str, Any]]], language: str
) -> None:
    root, slug, source = sites[language]
    pages = {
        "article": root / "articles" / slug / "index.html",
        "front": root / "index.html",
        "section": root / "sections" / slugify(source["section"]) / "index.html",
    }
    words = i18n.labels(language)
    for name, path in pages.items():
        text = visible_text(path.read_text(encoding="utf-8"))
        english = [phrase for phrase in ENGLISH if re.search(rf"\b{re.escape(phrase)}\b", text)]
        assert english == [], (language, name)
        # and the page is the right language's, not an empty or wrong one
        assert words["skip"] in text
    article_text = visible_text(pages["article"].read_text(encoding="utf-8"))
    for key in ("by", "updated", "tags", "photo"):
        assert words[key] in article_text, key
    assert words["latest"] in visible_text(pages["front"].read_text(encoding="utf-8"))


def test_every_catalog_translates_every_word_and_the_shipped_mo_files_are_current() -> None:
    from babel.messages.pofile import read_po
    from scripts.compile_catalogs import LOCALE_DIR, stale_catalogs

    catalogs = sorted(LOCALE_DIR.glob("*/LC_MESSAGES/newscard.po"))
    # at least the 20 most used news languages, and every script the cards draw
    languages = {path.parts[-3] for path in catalogs}
    required = [
        "es",
        "fr",
        "de",
        "pt",
        "it",
        "ru",
        "ar",
        "zh",
        "ja",
        "ko",
        "hi",
        "tr",
        "pl",
        "nl",
        "id",
        "fa",
        "he",
        "uk",
        "el",
        "sv",
        "vi",
        "bn",
        "ur",
        "th",
        "ta",
        "ka",
        "hy",
        "am",
    ]
    assert set(required) <= languages
    for path in catalogs:
        with path.open("rb") as handle:
            catalog = read_po(handle)
        missing = [m.id for m in catalog if m.id and not m.string]
        assert missing == [], path
        assert {m.id for m in catalog if m.id} == set(i18n.MESSAGES.values()), path
    assert stale_catalogs() == []


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("zh-TW", "更新於"),
        ("zh-Hant", "更新於"),
        ("zh-CN", "更新于"),
        ("pt-BR", "Atualizado"),
        ("xx", "Updated"),
    ],
)
def test_regional_tags_find_their_catalog_or_fall_back_to_english(tag: str, expected: str) -> None:
    assert i18n.labels(tag)["updated"] == expected
