"""Listings follow publishes and unpublishes through items in the state table; pages stay reachable."""

from __future__ import annotations

import json
import posixpath
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

import boto3
import feedparser
import pytest

from newscard.dal.listings import DynamoListingTable, ListingTable, MemoryListingTable
from newscard.dal.memory import MemoryStore
from newscard.dal.s3 import S3Store
from newscard.logic.images import ImageLoader
from newscard.logic.publish import Publisher
from newscard.logic.site_index import SiteIndexer, section_key
from newscard.models.errors import ArticleRejected, PreconditionFailed
from newscard.models.settings import Settings
from newscard.models.site_index import FrontPins, IndexEntry, Pin
from newscard.rendering.site import PAGE_SIZE, PAGES, SiteInfo
from tests.conftest import BASE_URL, ENVIRONMENT, SITE_BUCKET, STATE_TABLE

NOW = datetime.fromisoformat("2025-12-07T06:00:00+00:00")
SECTIONS = ("World", "Business", "Culture")
ARTICLE_LINK = re.compile(r'href="[^"]*articles/([a-z0-9-]+)/"')


def document(number: int, **changes: Any) -> dict[str, Any]:
    moment = NOW - timedelta(hours=1) - timedelta(minutes=number)
    return {
        "headline": f"Story number {number}",
        "slug": f"story-{number}",
        "section": SECTIONS[number % len(SECTIONS)],
        "published_at": moment.isoformat(),
        "body": [{"type": "paragraph", "text": f"Body of story {number}."}],
        **changes,
    }


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def publisher(site: Any, listings: ListingTable | None = None, clock: Any = None, **env: str) -> Publisher:
    return Publisher(
        site=site,
        images=ImageLoader(MemoryStore()),
        settings=Settings.from_env({**ENVIRONMENT, **env}),
        clock=clock or (lambda: NOW),
        listings=listings if listings is not None else MemoryListingTable(),
    )


def publish(target: Publisher, doc: dict[str, Any]) -> None:
    target.publish(json.dumps(doc).encode(), source_key=f"incoming/{doc['slug']}.json")


def text(site: Any, key: str) -> str:
    return bytes(site.get(key).body).decode("utf-8")


def linked(site: Any, key: str) -> set[str]:
    return set(ARTICLE_LINK.findall(text(site, key))) if site.exists(key) else set()


def sitemap_slugs(site: Any) -> set[str]:
    """Article slugs in every sitemap the index names (day sitemaps and the news sitemap)."""
    found: set[str] = set()
    for loc in re.findall(r"<loc>([^<]+)</loc>", text(site, "sitemap.xml")):
        key = loc.removeprefix(f"{BASE_URL}/")
        found |= set(re.findall(r"/articles/([a-z0-9-]+)/</loc>", text(site, key)))
    return found


def listed_slugs(site: Any) -> dict[str, set[str]]:
    found = {
        "front": linked(site, "index.html"),
        "feed": {e.link.rstrip("/").split("/")[-1] for e in feedparser.parse(text(site, "feed.xml")).entries},
        "sitemap": sitemap_slugs(site),
        "news": set(re.findall(r"/articles/([a-z0-9-]+)/</loc>", text(site, "sitemaps/news.xml"))),
    }
    for section in SECTIONS:
        found[section] = linked(site, section_key(section.lower()))
    return found


def crawl(site: Any, start: str = "index.html") -> tuple[set[str], set[str]]:
    """Follow every relative link from the front page; the pages reached and the broken links."""
    seen, broken, queue = set(), set(), [start]
    while queue:
        key = queue.pop()
        if key in seen:
            continue
        seen.add(key)
        for href in re.findall(r'href="([^"#]+)"', text(site, key)):
            if href.startswith(("http:", "https:", "mailto:")) or href.endswith((".xml", ".json")):
                continue
            target = posixpath.normpath(posixpath.join(posixpath.dirname(key), href))
            if posixpath.splitext(target)[1]:  # a file: it must exist
                # Brand files (favicon, logo) are the publisher's, written before any page names them;
                # listings rendered without a publisher link the default brand's.
                if not target.startswith("brand/") and not site.exists(target):
                    broken.add(f"{key} -> {href}")
                continue
            target = "index.html" if target == "." else f"{target}/index.html"
            if target.startswith("articles/"):
                seen.add(target)  # article pages are the publisher's; listings only link to them
            elif not site.exists(target):
                broken.add(f"{key} -> {href}")
            else:
                queue.append(target)
    return seen, broken


def test_publish_then_unpublish_updates_every_listing_and_an_emptied_section_goes_cleanly() -> None:
    # Given two published articles in different sections
    site = MemoryStore()
    target = publisher(site)
    publish(target, document(1))
    publish(target, document(2))
    listed = listed_slugs(site)
    assert listed["front"] == listed["feed"] == listed["sitemap"] == listed["news"] == {"story-1", "story-2"}
    assert (listed["Business"], listed["Culture"]) == ({"story-1"}, {"story-2"})

    # When one is unpublished
    target.unpublish("story-1")

    # Then it leaves every listing, its now-empty section's pages are gone and nothing links to them
    listed = listed_slugs(site)
    assert listed["front"] == listed["feed"] == listed["sitemap"] == listed["news"] == {"story-2"}
    assert not site.exists(section_key("business"))
    assert "sections/business/" not in text(site, "index.html")
    assert "sections/business/" not in text(site, "sitemaps/pages.xml")
    assert listed["Culture"] == {"story-2"}
    _, broken = crawl(site)
    assert broken == set()


def test_moving_an_article_to_another_section_and_day_updates_both() -> None:
    site = MemoryStore()
    target = publisher(site)
    publish(target, document(1))
    publish(target, document(4))  # also Business
    publish(
        target, document(1, section="Culture", headline="Moved", published_at="2025-12-01T09:00:00+00:00")
    )
    listed = listed_slugs(site)
    assert listed["Business"] == {"story-4"}
    assert listed["Culture"] == {"story-1"}
    assert "Moved" in text(site, "index.html")
    assert linked(site, "archive/2025/12/01/index.html") == {"story-1"}
    assert linked(site, "archive/2025/12/07/index.html") == {"story-4"}
    # the article's record names only the items it now occupies
    assert listed["news"] == {"story-4"}


def test_pages_paginate_and_every_story_stays_reachable_from_the_front_page() -> None:
    # Given more stories than the front page window (PAGES pages of PAGE_SIZE), over several days
    site = MemoryStore()
    indexer = SiteIndexer(site, SiteInfo("Gazette", BASE_URL), MemoryListingTable(), clock=lambda: NOW)
    count = PAGES * PAGE_SIZE + 25
    for number in range(count):
        indexer.upsert(_entry(number, published_at=NOW - timedelta(hours=3 * number)))

    # Then the front page has PAGES pages linked newer/older, each with PAGE_SIZE stories, newest first
    assert [site.exists(f"page/{n}/index.html") for n in range(2, PAGES + 2)] == [True] * (PAGES - 1) + [
        False
    ]
    first = re.findall(ARTICLE_LINK, text(site, "index.html"))
    assert first[0] == "story-0" and len(set(first)) == PAGE_SIZE
    last = text(site, f"page/{PAGES}/index.html")
    assert 'rel="prev"' in last and 'rel="next"' not in last and "archive/" in last
    # Each section has its own pages (page 1 at sections/<s>/, then sections/<s>/page/2/)
    assert site.exists("sections/world/page/2/index.html")
    assert 'rel="prev" href="../../../../sections/world/"' in text(site, "sections/world/page/2/index.html")

    # And every story is reachable by following links (pagination, then the archive), none broken
    reached, broken = crawl(site)
    assert broken == set()
    assert {k.split("/")[1] for k in reached if k.startswith("articles/")} == {
        f"story-{n}" for n in range(count)
    }

    # When the newest stories are unpublished, the windows shrink and their last pages go away
    for number in range(60):
        indexer.remove(f"story-{number}")
    assert site.exists(f"page/{PAGES - 1}/index.html") and not site.exists(f"page/{PAGES}/index.html")
    reached, broken = crawl(site)
    assert broken == set()
    assert len({k for k in reached if k.startswith("articles/")}) == count - 60


def test_a_publish_rewrites_only_the_listings_that_show_it() -> None:
    site = MemoryStore()
    indexer = SiteIndexer(site, SiteInfo("Gazette", BASE_URL), MemoryListingTable(), clock=lambda: NOW)
    for number in range(30):
        indexer.upsert(_entry(number, published_at=NOW - timedelta(days=number)))
    before = {key: site.get(key).etag for key in site.list_keys("")}

    indexer.upsert(_entry(99, published_at=NOW - timedelta(minutes=5)))  # World, today

    changed = {key for key, etag in before.items() if site.etag(key) != etag}
    assert {"index.html", "feed.xml", "sitemaps/news.xml", "sections/world/index.html"} <= changed
    assert "sitemaps/2025-12-07.xml" in changed and "archive/2025/12/07/index.html" in changed
    # other sections and days, the month pages and the sitemap index (the day existed) are untouched
    untouched = {
        "sections/business/index.html",
        "sitemaps/2025-12-01.xml",
        "archive/2025/11/index.html",
        "archive/2025/12/index.html",
        "archive/index.html",
        "sitemap.xml",
    }
    assert untouched <= set(before)
    assert not changed & untouched


def test_a_no_op_republish_repairs_lost_listing_items_and_unwritten_pages() -> None:
    # Given an article published, then its listing items lost (a Lambda died before writing them)
    site, table = MemoryStore(), MemoryListingTable()
    target = publisher(site, table)
    publish(target, document(1))
    table.write_batch(
        deletes=[
            ("LIST#ART#story-1", "ENTRY"),
            ("LIST#FRONT", next(iter(str(i["SK"]) for i in table.query("LIST#FRONT", low="E#", high="E#~")))),
        ]
    )
    site.delete("index.html")

    # When the same upload is delivered again (an unchanged republish)
    publish(target, document(1))

    # Then the listings have it again
    assert listed_slugs(site)["front"] == {"story-1"}

    # And a change committed but never rendered (version bumped, pages stale) is rendered by the retry
    table.increment("LIST#SEC#business", "VERSION")
    site.delete(section_key("business"))
    publish(target, document(1))
    assert linked(site, section_key("business")) == {"story-1"}


def test_pins_lead_the_front_page_until_they_expire() -> None:
    site, clock = MemoryStore(), Clock()
    target = publisher(site, clock=clock)
    for number in range(5):
        publish(target, document(number))
    indexer = target.indexer

    # When the oldest story is pinned for an hour
    stored = indexer.set_pins(
        FrontPins(pinned=[Pin(slug="story-4", until=NOW + timedelta(hours=1))], version=0)
    )
    assert stored.version == 1 and indexer.pins() == stored

    # Then it leads the front page (and is not repeated below)
    front = text(site, "index.html")
    assert re.findall(ARTICLE_LINK, front)[0] == "story-4"
    assert re.findall(ARTICLE_LINK, front).count("story-4") == 1
    assert (
        front.index('class="teaser lead"')
        < front.index("articles/story-4/")
        < front.index("articles/story-0/")
    )

    # A stale version is refused, as is an unknown slug
    with pytest.raises(PreconditionFailed):
        indexer.set_pins(FrontPins(pinned=[], version=0))
    with pytest.raises(ArticleRejected):
        indexer.set_pins(FrontPins(pinned=[Pin(slug="no-such-story")], version=1))

    # After the pin lapses, the next render puts the newest story back on top
    clock.now = NOW + timedelta(hours=2)
    publish(target, document(5, published_at=(NOW - timedelta(minutes=30)).isoformat()))
    assert re.findall(ARTICLE_LINK, text(site, "index.html"))[0] == "story-5"


def test_a_pinned_story_that_is_taken_down_leaves_the_front_page_and_its_pins() -> None:
    # Given a pinned story and another pin
    site = MemoryStore()
    target = publisher(site)
    for number in range(3):
        publish(target, document(number))
    target.indexer.set_pins(FrontPins(pinned=[Pin(slug="story-2"), Pin(slug="story-1")], version=0))

    # When its source is deleted
    target.unpublish_source("incoming/story-2.json")

    # Then no front page names it, the other pin leads, and the stored pins say so (at a new version)
    assert "story-2" not in linked(site, "index.html")
    assert re.findall(ARTICLE_LINK, text(site, "index.html"))[0] == "story-1"
    assert target.indexer.pins() == FrontPins(pinned=[Pin(slug="story-1")], version=2)
    assert crawl(site)[1] == set()


def test_a_pin_set_while_its_story_is_being_taken_down_never_leads_with_the_dead_page() -> None:
    # Given a story half way through its takedown: its listing items deleted, its record not yet
    site, listings = MemoryStore(), MemoryListingTable()
    target = publisher(site, listings)
    for number in range(3):
        publish(target, document(number))
    record = listings.get("LIST#ART#story-2", "ENTRY")
    assert record is not None
    listings.write_batch(deletes=[(str(pk), str(sk)) for pk, sk in json.loads(str(record["listed"]))])

    # When an editor pins it at that moment
    target.indexer.set_pins(FrontPins(pinned=[Pin(slug="story-2")], version=0))

    # Then the front page rendered for the pin does not lead with (or link) it
    assert "story-2" not in linked(site, "index.html")


def test_a_pin_follows_its_story_to_a_new_slug() -> None:
    # Given a story pinned until tomorrow
    site = MemoryStore()
    target = publisher(site)
    for number in range(3):
        publish(target, document(number))
    until = NOW + timedelta(days=1)
    target.indexer.set_pins(FrontPins(pinned=[Pin(slug="story-2", until=until)], version=0))

    # When its editor moves it to a new slug
    target.publish(json.dumps(document(2, slug="story-two")).encode(), source_key="incoming/story-2.json")

    # Then it still leads the front page, once, at its new address, pinned as long as before
    links = re.findall(ARTICLE_LINK, text(site, "index.html"))
    assert links[0] == "story-two" and "story-2" not in links and links.count("story-two") == 1
    assert target.indexer.pins().pinned == [Pin(slug="story-two", until=until)]


def test_section_order_is_a_setting() -> None:
    site = MemoryStore()
    target = publisher(site, SECTION_ORDER="Culture, world")
    for number in range(3):
        publish(target, document(number))
    nav = text(site, "index.html").split('class="sections-nav"')[1].split("</nav>")[0]
    assert re.findall(r"sections/([a-z]+)/", nav) == ["culture", "world", "business"]


def _entry(number: int, published_at: datetime | None = None) -> IndexEntry:
    section = SECTIONS[number % len(SECTIONS)]
    return IndexEntry(
        slug=f"story-{number}",
        url=f"{BASE_URL}/articles/story-{number}/",
        path=f"articles/story-{number}/",
        headline=f"Story number {number}",
        section=section,
        section_slug=section.lower(),
        language="en",
        published_at=published_at or NOW - timedelta(minutes=number),
    )


def test_fifty_concurrent_publishes_all_appear_in_every_listing(s3: Any) -> None:
    # Given the site bucket and the state table (moto, shaped by template.yaml)
    site = S3Store(s3, SITE_BUCKET)
    table = DynamoListingTable(AtomicRequests(boto3.client("dynamodb", region_name="us-east-1")), STATE_TABLE)
    target = publisher(site, table)
    documents = [document(number) for number in range(50)]
    start = threading.Barrier(len(documents))

    def publish_when_all_are_ready(doc: dict[str, Any]) -> None:
        start.wait()
        publish(target, doc)

    # When all 50 are published at once, as 50 concurrent Lambdas would
    with ThreadPoolExecutor(max_workers=len(documents)) as pool:
        list(pool.map(publish_when_all_are_ready, documents))

    # Then every article is in the front page window, the feed, the sitemaps and its section page
    everything = {doc["slug"] for doc in documents}
    front = set().union(
        *(linked(site, key) for key in ("index.html", "page/2/index.html", "page/3/index.html"))
    )
    listed = listed_slugs(site)
    assert front == listed["feed"] == listed["sitemap"] == listed["news"] == everything
    for section in SECTIONS:
        assert listed[section] == {d["slug"] for d in documents if d["section"] == section}, section
    # and the version counter saw every change
    assert table.get("LIST#FRONT", "VERSION") == {"PK": "LIST#FRONT", "SK": "VERSION", "version": 50}


class AtomicRequests:
    """A DynamoDB client whose requests are atomic, as DynamoDB's are.

    In-process moto is not thread-safe (a Query iterating a table while a PutItem changes it raises
    "dictionary changed size during iteration"); one lock per request keeps every interleaving
    between requests, which is what the listing design must survive.
    """

    def __init__(self, inner: Any) -> None:
        self._inner, self._lock = inner, threading.Lock()

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._inner, name)
        if not callable(method):
            return method

        def call(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                return method(*args, **kwargs)

        return call


def test_fifty_concurrent_updates_with_unpublishes_settle_on_the_final_set(s3: Any) -> None:
    # Given 25 listed articles
    site = S3Store(s3, SITE_BUCKET)
    dynamodb = AtomicRequests(boto3.client("dynamodb", region_name="us-east-1"))
    table = DynamoListingTable(dynamodb, STATE_TABLE)
    indexer = SiteIndexer(site, SiteInfo("Gazette", BASE_URL), table, clock=lambda: NOW)
    for number in range(25):
        indexer.upsert(_entry(number))
    start = threading.Barrier(50)

    def act(number: int) -> None:
        start.wait()
        if number < 25:
            indexer.remove(f"story-{number}")  # the old ones are unpublished...
        else:
            indexer.upsert(_entry(number))  # ...while 25 new ones arrive

    # When 50 updates race
    with ThreadPoolExecutor(max_workers=50) as pool:
        list(pool.map(act, range(50)))

    # Then every listing holds exactly the 25 new articles
    expected = {f"story-{n}" for n in range(25, 50)}
    listed = listed_slugs(site)
    front = linked(site, "index.html") | linked(site, "page/2/index.html")
    assert front == listed["feed"] == listed["sitemap"] == listed["news"] == expected
    for section in SECTIONS:
        assert listed[section] == {f"story-{n}" for n in range(25, 50) if SECTIONS[n % 3] == section}
    assert not site.exists("page/3/index.html")
