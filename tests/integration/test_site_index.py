"""Listings follow publishes and unpublishes, and concurrent Lambdas never lose an entry."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

import feedparser
import pytest

from newscard.dal.memory import MemoryStore
from newscard.dal.s3 import S3Store
from newscard.logic.images import ImageLoader
from newscard.logic.publish import Publisher
from newscard.logic.site_index import INDEX_KEY, SiteIndexer, section_key
from newscard.models.errors import PreconditionFailed
from newscard.models.settings import Settings
from newscard.models.site_index import IndexEntry, SiteIndex
from newscard.rendering.site import SiteInfo
from tests.conftest import BASE_URL, ENVIRONMENT, SITE_BUCKET

NOW = datetime.fromisoformat("2025-12-07T06:00:00+00:00")
SECTIONS = ("World", "Business", "Culture")


def document(number: int, **changes: Any) -> dict[str, Any]:
    return {
        "headline": f"Story number {number}",
        "slug": f"story-{number}",
        "section": SECTIONS[number % len(SECTIONS)],
        "published_at": f"2025-12-06T{number // 60:02d}:{number % 60:02d}:00+00:00",
        "body": [{"type": "paragraph", "text": f"Body of story {number}."}],
        **changes,
    }


def publisher(site: Any) -> Publisher:
    return Publisher(
        site=site,
        images=ImageLoader(MemoryStore()),
        settings=Settings.from_env(ENVIRONMENT),
        clock=lambda: NOW,
    )


def publish(target: Publisher, doc: dict[str, Any]) -> None:
    target.publish(json.dumps(doc).encode(), source_key=f"incoming/{doc['slug']}.json")


def text(site: Any, key: str) -> str:
    return bytes(site.get(key).body).decode("utf-8")


def listed_slugs(site: Any) -> dict[str, set[str]]:
    """Which article slugs each listing links to."""
    index = SiteIndex.model_validate_json(site.get(INDEX_KEY).body)
    found = {
        "index": {e.slug for e in index.entries},
        "front": {s for s in all_slugs(text(site, "index.html"))},
        "feed": {e.link.rstrip("/").split("/")[-1] for e in feedparser.parse(text(site, "feed.xml")).entries},
        "sitemap": {s for s in all_slugs(text(site, "sitemap.xml"))},
    }
    for section in SECTIONS:
        key = section_key(section.lower())
        found[section] = all_slugs(text(site, key)) if site.exists(key) else set()
    return found


def all_slugs(html: str) -> set[str]:
    import re

    return set(re.findall(r"articles/(story-\d+)/", html))


def test_publish_then_unpublish_updates_every_listing() -> None:
    # Given two published articles in different sections
    site = MemoryStore()
    target = publisher(site)
    publish(target, document(1))
    publish(target, document(2))
    listed = listed_slugs(site)
    assert listed["front"] == listed["feed"] == listed["sitemap"] == {"story-1", "story-2"}
    assert (listed["Business"], listed["Culture"]) == ({"story-1"}, {"story-2"})

    # When one is unpublished
    target.unpublish("story-1")

    # Then it leaves every listing, and its now-empty section page is gone
    listed = listed_slugs(site)
    assert listed["front"] == listed["feed"] == listed["sitemap"] == {"story-2"}
    assert not site.exists(section_key("business"))
    assert listed["Culture"] == {"story-2"}


def test_moving_an_article_to_another_section_updates_both_section_pages() -> None:
    site = MemoryStore()
    target = publisher(site)
    publish(target, document(1))
    publish(target, document(4))  # also Business
    publish(target, document(1, section="Culture", headline="Story number 1, moved"))
    listed = listed_slugs(site)
    assert listed["Business"] == {"story-4"}
    assert listed["Culture"] == {"story-1"}
    assert "Story number 1, moved" in text(site, "index.html")


def test_a_no_op_republish_repairs_a_publish_that_died_before_the_index() -> None:
    # Given an article published, then its index entry lost (the Lambda died after the manifest)
    site = MemoryStore()
    target = publisher(site)
    publish(target, document(1))
    site.put(INDEX_KEY, SiteIndex().model_dump_json().encode(), content_type="application/json")

    # When the same upload is delivered again (an unchanged republish)
    publish(target, document(1))

    # Then the listings have it again
    assert listed_slugs(site)["front"] == {"story-1"}


class _Racing:
    """A store whose index put loses the race a given number of times, as if another Lambda won."""

    def __init__(self, inner: MemoryStore, losses: int) -> None:
        self.inner = inner
        self.losses = losses

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def put(self, key: str, body: bytes, **kwargs: Any) -> str:
        if key == INDEX_KEY and self.losses:
            self.losses -= 1
            # another writer commits its own entry in between
            other = IndexEntry(
                slug="rival",
                url=f"{BASE_URL}/articles/rival/",
                path="articles/rival/",
                headline="Rival",
                section="World",
                section_slug="world",
                language="en",
                published_at=NOW,
            )
            current = (
                SiteIndex.model_validate_json(self.inner.get(INDEX_KEY).body)
                if self.inner.exists(INDEX_KEY)
                else SiteIndex()
            )
            if other not in current.entries:
                self.inner.put(
                    INDEX_KEY,
                    SiteIndex(entries=[*current.entries, other]).model_dump_json().encode(),
                    content_type="application/json",
                )
        return self.inner.put(key, body, **kwargs)


def test_a_lost_race_is_retried_on_the_newer_index_and_keeps_both_entries() -> None:
    store = _Racing(MemoryStore(), losses=1)
    indexer = SiteIndexer(store, SiteInfo("Gazette", BASE_URL), clock=lambda: NOW, sleep=lambda _: None)
    entry = IndexEntry(
        slug="mine",
        url=f"{BASE_URL}/articles/mine/",
        path="articles/mine/",
        headline="Mine",
        section="World",
        section_slug="world",
        language="en",
        published_at=NOW,
    )
    indexer.upsert(entry)
    index = SiteIndex.model_validate_json(store.inner.get(INDEX_KEY).body)
    assert {e.slug for e in index.entries} == {"mine", "rival"}
    front = text(store.inner, "index.html")
    assert "articles/mine/" in front and "articles/rival/" in front


@pytest.fixture
def atomic_moto(s3: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, int]]:
    """moto checks If-Match and then writes as two steps; real S3 does both atomically. A lock
    around moto's PutObject restores S3's guarantee under threads, and counts the 412s."""
    from moto.s3 import responses

    lock = threading.Lock()
    original = responses.S3Response.put_object
    counts = {"precondition_failed": 0}

    def put_object(self: Any) -> Any:
        with lock:
            try:
                return original(self)
            except Exception as error:
                if type(error).__name__ == "PreconditionFailed":
                    counts["precondition_failed"] += 1
                raise

    monkeypatch.setattr(responses.S3Response, "put_object", put_object)
    yield counts


def test_fifty_concurrent_publishes_all_appear_in_every_listing(s3: Any, atomic_moto: dict[str, int]) -> None:
    # Given the site bucket (moto, shaped by template.yaml) and 50 articles across three sections
    site = S3Store(s3, SITE_BUCKET)
    target = publisher(site)
    documents = [document(number) for number in range(50)]
    start = threading.Barrier(len(documents))

    def publish_when_all_are_ready(doc: dict[str, Any]) -> None:
        start.wait()
        publish(target, doc)

    # When all 50 are published at once, as 50 concurrent Lambdas would
    with ThreadPoolExecutor(max_workers=len(documents)) as pool:
        list(pool.map(publish_when_all_are_ready, documents))

    # Then every article is in the index, the front page, the feed, the sitemap and its section page
    everything = {doc["slug"] for doc in documents}
    listed = listed_slugs(site)
    for listing in ("index", "front", "feed", "sitemap"):
        assert listed[listing] == everything, listing
    for section in SECTIONS:
        assert listed[section] == {d["slug"] for d in documents if d["section"] == section}, section
    # and the writers really did collide (the test exercised the retry path)
    assert atomic_moto["precondition_failed"] > 0


def test_fifty_concurrent_index_updates_with_unpublishes_settle_on_the_final_set(
    s3: Any, atomic_moto: dict[str, int]
) -> None:
    # Given 25 listed articles
    site = S3Store(s3, SITE_BUCKET)
    info = SiteInfo("Gazette", BASE_URL)
    indexer = SiteIndexer(site, info, clock=lambda: NOW)

    def entry(number: int) -> IndexEntry:
        section = SECTIONS[number % len(SECTIONS)]
        return IndexEntry(
            slug=f"story-{number}",
            url=f"{BASE_URL}/articles/story-{number}/",
            path=f"articles/story-{number}/",
            headline=f"Story number {number}",
            section=section,
            section_slug=section.lower(),
            language="en",
            published_at=NOW,
        )

    for number in range(25):
        indexer.upsert(entry(number))
    start = threading.Barrier(50)

    def act(number: int) -> None:
        start.wait()
        if number < 25:
            indexer.remove(f"story-{number}")  # the old ones are unpublished...
        else:
            indexer.upsert(entry(number))  # ...while 25 new ones arrive

    # When 50 updates race
    with ThreadPoolExecutor(max_workers=50) as pool:
        list(pool.map(act, range(50)))

    # Then every listing holds exactly the 25 new articles
    expected = {f"story-{n}" for n in range(25, 50)}
    listed = listed_slugs(site)
    for listing in ("index", "front", "feed", "sitemap"):
        assert listed[listing] == expected, listing
    for section in SECTIONS:
        assert listed[section] == {f"story-{n}" for n in range(25, 50) if SECTIONS[n % 3] == section}
    assert atomic_moto["precondition_failed"] > 0


def test_s3_store_put_is_compare_and_swap_on_moto(s3: Any) -> None:
    store = S3Store(s3, SITE_BUCKET)
    first = store.put("k", b"1", content_type="text/plain", if_none_match=True)
    with pytest.raises(PreconditionFailed):
        store.put("k", b"2", content_type="text/plain", if_none_match=True)
    second = store.put("k", b"2", content_type="text/plain", if_match=first)
    with pytest.raises(PreconditionFailed):
        store.put("k", b"3", content_type="text/plain", if_match=first)
    assert store.get("k").body == b"2" and store.etag("k") == store.get("k").etag == second
    assert store.etag("missing") is None
