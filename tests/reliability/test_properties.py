"""Property-based tests: any JSON publishes or is rejected clearly; the renderer never raises.

Example counts are fixed (derandomised in CI) so a run is repeatable; run with
--hypothesis-show-statistics to see how many cases each property tried.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newscard.dal.memory import MemoryStore
from newscard.logic.images import ImageLoader
from newscard.logic.publish import Publisher
from newscard.logic.render import render_article
from newscard.logic.uploads import UploadEvent, UploadProcessor
from newscard.logic.validation import parse_article
from newscard.models.errors import ArticleRejected
from newscard.models.settings import Settings
from tests.conftest import ENVIRONMENT, jpeg_bytes

SETTINGS = Settings.from_env(ENVIRONMENT)
HERO = jpeg_bytes((900, 600), (180, 170, 160))

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=25,
)

# Letters from every script the cards promise, plus marks, emoji and punctuation.
SCRIPTS = (
    "abcXYZ 0123 ,.;:!?'\"-()&"
    "éøßçñ"
    "абвгдЖЩЯ"
    "αβγδΩψ"
    "السلاممرحبا"
    "שלוםעולם"
    "नमस्तेक्षत्रि"
    "東京大阪日本語中文한국어かなカナ"
    "😀🎉🇺🇦👩‍💻"
    "\u0301\u200d "
)
headlines = st.text(alphabet=SCRIPTS, min_size=1, max_size=300).filter(lambda text: text.strip() != "")
languages = st.sampled_from(["en", "ar", "he", "hi", "ja", "zh", "ko", "ru", "el", "fa"])


def minimal(**fields: Any) -> dict[str, Any]:
    return {
        "headline": "Headline",
        "section": "News",
        "published_at": "2026-01-01T00:00:00+00:00",
        "body": [{"type": "paragraph", "text": "Body."}],
        **fields,
    }


def process(raw: bytes) -> str:
    articles, site = MemoryStore(), MemoryStore()
    articles.put("assets/hero.jpg", HERO, content_type="image/jpeg")
    articles.put("incoming/a.json", raw, content_type="application/json")
    publisher = Publisher(site=site, images=ImageLoader(articles), settings=SETTINGS)
    report = UploadProcessor(articles=articles, publisher=publisher).process(
        UploadEvent("created", "incoming/a.json")
    )
    assert report is not None
    if report.status == "rejected":
        assert report.errors and all(isinstance(e["msg"], str) and e["msg"] for e in report.errors)
        assert site.objects == {}
    return report.status


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_values)
def test_any_json_value_is_published_or_rejected_never_crashes(value: Any) -> None:
    assert process(json.dumps(value).encode()) in ("published", "rejected")


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_any_bytes_are_rejected_with_a_clear_error(raw: bytes) -> None:
    try:
        parse_article(raw)
    except ArticleRejected as rejection:
        assert rejection.problems and all(p.msg for p in rejection.problems)


field_names = st.sampled_from(
    [
        "headline",
        "slug",
        "dek",
        "section",
        "published_at",
        "updated_at",
        "language",
        "authors",
        "hero",
        "body",
        "tags",
        "canonical_url",
        "extra",
    ]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(field_names, json_values, max_size=4))
def test_a_valid_article_with_any_fields_replaced_is_published_or_rejected(changes: dict[str, Any]) -> None:
    document = {**minimal(hero={"src": "assets/hero.jpg", "alt": "A hero"}), **changes}
    assert process(json.dumps(document).encode()) in ("published", "rejected")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(headline=headlines, section=headlines, language=languages, with_hero=st.booleans())
def test_the_renderer_never_raises_for_a_valid_article_in_any_script_at_any_length(
    headline: str, section: str, language: str, with_hero: bool
) -> None:
    document = minimal(headline=headline, section=section[:80], language=language)
    if with_hero:
        document["hero"] = {"src": "assets/hero.jpg", "alt": "A hero", "focal_point": {"x": 0.9, "y": 0.1}}
    try:
        article = parse_article(json.dumps(document).encode())
    except ArticleRejected:
        return  # e.g. the section was only spaces after collapsing; the model's tests cover that
    objects = render_article(article, {"assets/hero.jpg": HERO}, SETTINGS)
    roles = sorted(obj.role for obj in objects)
    assert roles.count("card") == 3 and roles.count("page") == 1
    assert all(obj.body for obj in objects)
