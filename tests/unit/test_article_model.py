"""The article format (SPEC section 1): what is accepted, what is rejected, and how it is explained."""

from __future__ import annotations

import json
from typing import Any

import pytest

from newscard.logic.validation import parse_article
from newscard.models.article import Article, slugify
from newscard.models.errors import ArticleRejected, ArticleTooLarge
from tests.conftest import seed_document


def minimal(**changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "headline": "Council approves new river bridge",
        "section": "Local",
        "published_at": "2026-03-01T08:30:00+01:00",
        "body": [{"type": "paragraph", "text": "The vote was 7 to 2."}],
    }
    document.update(changes)
    return {k: v for k, v in document.items() if v is not None}


def problems(document: Any) -> list[dict[str, str]]:
    raw = document if isinstance(document, bytes) else json.dumps(document).encode()
    with pytest.raises(ArticleRejected) as caught:
        parse_article(raw)
    return [p.as_dict() for p in caught.value.problems]


def test_seed_article_is_valid_and_gets_a_derived_slug() -> None:
    article = parse_article(json.dumps(seed_document()).encode())
    assert article.resolved_slug == "us-russia-overtures-deepen-european-fears-over-future-of-alliance"
    assert article.direction == "ltr"
    assert [src for _, src in article.image_sources()] == [
        "assets/european-leaders.jpg",
        "assets/starmer-macron-merz.jpg",
    ]


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"slug": "bridge-vote-2026"},
        {"dek": "A standfirst."},
        {"updated_at": "2026-03-01T09:00:00+01:00"},
        {"published_at": "2026-03-01T07:30:00Z"},
        {"published_at": "2026-03-01T07:30:00.123456-05:00"},
        {"language": "pt-BR"},
        {"language": "zh-Hant-TW"},
        {"authors": [{"name": "Ana Lima"}, {"name": "Bo Chen", "url": "https://example.com/bo"}]},
        {"hero": {"src": "assets/a/b c.jpg", "alt": "A bridge", "focal_point": {"x": 0, "y": 1}}},
        {"hero": {"src": "https://images.example.com/x.jpg", "alt": "A bridge", "credit": "Photo: AP"}},
        {"tags": ["a" * 40] * 20},
        {"canonical_url": "https://example.com/bridge"},
        {"headline": "x" * 300},
        {"headline": "  Spaces\n\tcollapse   here  "},
        {"section": "s" * 80},
        {"dek": "d" * 600},
        {
            "body": [
                {"type": "heading", "text": "H"},
                {"type": "quote", "text": "Q", "attribution": "A"},
                {"type": "image", "src": "assets/x.png", "alt": "X", "caption": "C", "credit": "Cr"},
            ]
        },
    ],
)
def test_valid_articles_are_accepted(changes: dict[str, Any]) -> None:
    article = parse_article(json.dumps(minimal(**changes)).encode())
    assert isinstance(article, Article)


@pytest.mark.parametrize(
    ("accepted", "rejected"),
    [
        # A singleton (any letter or digit but x) and 2-8 character subtags: Unicode locale extensions.
        (
            ["ar-u-nu-latn", "de-DE-u-co-phonebk", "ja-JP-u-ca-japanese-x-press", "en-a-bbb-t-ccc"],
            ["ar-u", "ar-u-n", "ar-u-nu-abcdefghi", "ar-u-nu-"],
        ),
        # Private use: x and 1-8 character subtags, after a tag or alone.
        (["en-US-x-twain", "de-CH-x-phonebk", "x-twain", "az-Arab-x-AZE"], ["en-x", "en-x-abcdefghi"]),
        # Extended language subtags (at most three, as the ABNF has it), then script and region.
        (["zh-yue-HK", "zh-min-nan", "ar-apc-SY", "zh-yue-Hant-HK"], ["zh-yue-min-nan-hak", "zh-Hant-yue"]),
        # Grandfathered tags, including those the ABNF cannot describe.
        (["i-klingon", "en-GB-oed", "sgn-BE-FR", "art-lojban"], ["i-foo", "en-GB-foo"]),
        # The whole value is the tag, in ASCII (no trailing newline, no Arabic-Indic or full-width
        # digits); words are not tags, even of a language subtag's shape (5-8 letters, unregistered).
        (
            ["es-419", "fil"],
            ["es-419\n", "es-\u0664\u0661\u0669", "es-\uff14\uff11\uff19", "arabic", "en_US", "en US", ""],
        ),
    ],
    ids=["extension", "private use", "extlang", "grandfathered", "not a tag"],
)
def test_well_formed_bcp47_language_tags_are_accepted_and_malformed_ones_rejected(
    accepted: list[str], rejected: list[str]
) -> None:
    for tag in accepted:
        assert parse_article(json.dumps(minimal(language=tag)).encode()).language == tag
    for tag in rejected:
        found = problems(minimal(language=tag))
        assert any(p["loc"] == "/language" and "language tag" in p["msg"] for p in found), (tag, found)


def test_whitespace_in_the_headline_is_collapsed() -> None:
    article = parse_article(json.dumps(minimal(headline="  Spaces\n\tcollapse   here  ")).encode())
    assert article.headline == "Spaces collapse here"


def test_a_leading_bom_is_tolerated() -> None:
    assert parse_article(b"\xef\xbb\xbf" + json.dumps(minimal()).encode()).section == "Local"


@pytest.mark.parametrize(
    ("changes", "loc", "fragment"),
    [
        ({"headline": None}, "/headline", "needs a headline"),
        ({"headline": ""}, "/headline", "must not be empty"),
        ({"headline": "   "}, "/headline", "must not be empty"),
        ({"headline": "x" * 301}, "/headline", "at most 300"),
        ({"headline": "Bad\u202eevil"}, "/headline", "control character (U+202E)"),
        ({"headline": "Bad\x00nul"}, "/headline", "control character (U+0000)"),
        ({"headline": 42}, "/headline", "must be text"),
        ({"hedline": "typo"}, "/hedline", "unknown field 'hedline'"),
        ({"section": None}, "/section", "needs a section"),
        ({"section": "s" * 81}, "/section", "at most 80"),
        ({"slug": "Not A Slug"}, "/slug", "lowercase letters"),
        ({"slug": "../../etc"}, "/slug", "lowercase letters"),
        ({"slug": "a" * 97}, "/slug", "at most 96"),
        ({"dek": "d" * 601}, "/dek", "at most 600"),
        ({"published_at": None}, "/published_at", "publication date"),
        ({"published_at": "2026-03-01T08:30:00"}, "/published_at", "UTC offset"),
        ({"published_at": "2026-03-01"}, "/published_at", "UTC offset"),
        ({"published_at": 1700000000}, "/published_at", "written as text"),
        ({"updated_at": "2026-02-01T08:30:00+01:00"}, "", "updated_at must not be before published_at"),
        # Valid RFC 3339, but the UTC time is outside years 1-9999 (0001 crashed the listings' UTC filing).
        ({"published_at": "0001-01-01T00:00:00+14:00"}, "/published_at", "before the year 0001 once"),
        ({"updated_at": "9999-12-31T23:00:00-05:00"}, "/updated_at", "after the year 9999 once"),
        ({"language": "english!"}, "/language", "language tag"),
        ({"authors": [{"name": "A", "url": "http://insecure.example"}]}, "/authors/0/url", "https://"),
        ({"authors": [{"nom": "A"}]}, "/authors/0/nom", "unknown field"),
        ({"hero": {"src": "assets/x.jpg"}}, "/hero/alt", "alt text"),
        ({"hero": {"src": "assets/x.jpg", "alt": " "}}, "/hero/alt", "must not be empty"),
        ({"hero": {"src": "file:///etc/passwd", "alt": "x"}}, "/hero/src", "under assets/"),
        ({"hero": {"src": "http://example.com/x.jpg", "alt": "x"}}, "/hero/src", "https://"),
        ({"hero": {"src": "assets/../secret.jpg", "alt": "x"}}, "/hero/src", "under assets/"),
        ({"hero": {"src": "incoming/x.json", "alt": "x"}}, "/hero/src", "under assets/"),
        (
            {"hero": {"src": "assets/x.jpg", "alt": "x", "focal_point": {"x": 1.5, "y": 0}}},
            "/hero/focal_point/x",
            "between 0 and 1",
        ),
        ({"body": []}, "/body", "at least one body block"),
        ({"body": None}, "/body", "needs a body"),
        ({"body": [{"type": "video", "src": "x"}]}, "/body/0", "paragraph, heading, image or quote"),
        ({"body": [{"text": "no type"}]}, "/body/0", "needs a type"),
        ({"body": [{"type": "paragraph"}]}, "/body/0/text", "needs text"),
        (
            {"body": [{"type": "paragraph", "text": "ok"}, {"type": "image", "src": "assets/x.jpg"}]},
            "/body/1/alt",
            "alt text",
        ),
        ({"tags": ["t"] * 21}, "/tags", "at most 20"),
        ({"tags": ["t" * 41]}, "/tags/0", "at most 40"),
        ({"canonical_url": "ftp://example.com"}, "/canonical_url", "https://"),
    ],
)
def test_invalid_articles_are_rejected_with_a_located_plain_message(
    changes: dict[str, Any], loc: str, fragment: str
) -> None:
    found = problems(minimal(**changes))
    assert any(p["loc"] == loc and fragment in p["msg"] for p in found), found


def test_every_problem_is_reported_at_once() -> None:
    found = problems(minimal(headline="", section=None, hedline="x"))
    assert {p["loc"] for p in found} == {"/headline", "/section", "/hedline"}


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        (b"", "not valid JSON"),
        (b'{"headline": ', "not valid JSON: Expecting value at line 1"),
        (b"[1, 2]", "must be a JSON object"),
        (b"\xff\xfe{}", "not UTF-8"),
        (b'{"headline": NaN}', "NaN is not allowed"),
        (b"[" * 10_000 + b"]" * 10_000, "nested too deeply"),
        (b'{"headline": ' + b"9" * 5000 + b"}", "a number 5,000 digits long"),
    ],
)
def test_unreadable_documents_are_rejected_clearly(raw: bytes, fragment: str) -> None:
    found = problems(raw)
    assert found[0]["loc"] == ""
    assert fragment in found[0]["msg"]


def test_the_earliest_utc_day_is_accepted() -> None:
    assert parse_article(json.dumps(minimal(published_at="0001-01-01T00:00:00-12:00")).encode())


def test_a_field_given_twice_is_rejected_where_it_is_rather_than_one_value_dropped() -> None:
    # json.loads keeps the last value of a repeated key; the editor who wrote the first never learns.
    article = json.dumps(minimal(body=[{"type": "paragraph", "text": "x"}]))
    raw = (
        article.replace('{"headline"', '{"headline": "First headline", "headline"', 1)
        .replace('"text": "x"', '"text": "x", "type": "quote", "text": "y", "text": "z"', 1)
        .encode()
    )
    found = problems(raw)
    assert [p["loc"] for p in found] == ["/headline", "/body/0/type", "/body/0/text"]
    assert all("more than once" in p["msg"] for p in found)


def test_documents_over_one_mebibyte_are_too_large() -> None:
    raw = json.dumps(minimal(dek="x" * 600, body=[{"type": "paragraph", "text": "y" * 20_000}] * 60)).encode()
    assert len(raw) > 1024 * 1024
    with pytest.raises(ArticleTooLarge) as caught:
        parse_article(raw)
    assert "limit is 1,048,576" in caught.value.problems[0].msg


@pytest.mark.parametrize(
    ("language", "direction"),
    [
        ("en", "ltr"),
        ("ar", "rtl"),
        ("he", "rtl"),
        ("fa-IR", "rtl"),
        ("ur", "rtl"),
        ("hi", "ltr"),
        ("ja", "ltr"),
        ("dv", "rtl"),
        ("syr", "rtl"),
        # A script subtag outranks the language: Shahmukhi Punjabi and Fula in Adlam run right to
        # left, Kurdish in Latin and Sindhi in Devanagari left to right.
        ("pa-Arab", "rtl"),
        ("ff-Adlm", "rtl"),
        ("ku-Latn", "ltr"),
        ("sd-Deva", "ltr"),
        ("az-Arab-IR", "rtl"),
        # Subtags after a singleton are an extension or private use, not a script: Arabic with
        # Latin digits is still Arabic.
        ("ar-u-nu-latn", "rtl"),
        ("en-US-x-arab", "ltr"),
        # Without a script subtag the language's usual script decides, in its region if given:
        # withdrawn Hebrew code iw (Java still emits it), South Azerbaijani, Kashmiri, Punjabi in Pakistan.
        ("iw", "rtl"),
        ("azb", "rtl"),
        ("ks", "rtl"),
        ("pa-PK", "rtl"),
    ],
)
def test_text_direction_follows_the_language(language: str, direction: str) -> None:
    assert parse_article(json.dumps(minimal(language=language)).encode()).direction == direction


@pytest.mark.parametrize(
    ("headline", "slug"),
    [
        ("Council approves new river bridge", "council-approves-new-river-bridge"),
        ("Ça coûte 5 € — déjà?", "ca-coute-5-deja"),
        ("Straße über Öl", "strasse-uber-ol"),
        ("Москва и Киев", "moskva-i-kiev"),
        ("Η Αθήνα σήμερα", "i-athina-simera"),
    ],
)
def test_slugs_are_transliterated_from_the_headline(headline: str, slug: str) -> None:
    assert slugify(headline) == slug


@pytest.mark.parametrize("headline", ["البنك المركزي يرفع الفائدة", "東京で大雨", "!!!"])
def test_headlines_that_do_not_transliterate_get_a_stable_hashed_slug(headline: str) -> None:
    slug = slugify(headline)
    assert slug == slugify(headline)
    assert slug.startswith("article-") and len(slug) == len("article-") + 8


def test_mixed_script_headlines_keep_their_latin_words_and_a_hash() -> None:
    slug = slugify("Tokyo 東京 オリンピック 2026")
    assert slug.startswith("tokyo-2026-")


def test_derived_slugs_are_valid_and_bounded() -> None:
    slug = slugify("word " * 100)
    assert len(slug) <= 96
    assert parse_article(json.dumps(minimal(headline="word " * 50)).encode()).resolved_slug == slugify(
        "word " * 50
    )
