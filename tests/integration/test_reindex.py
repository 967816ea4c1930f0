"""`newscard reindex` and a re-render into a site folder rebuild the listings from what was published,
never from a later edit of the source that did not publish."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest

from newscard.cli import main
from newscard.dal.listings import MemoryListingTable
from newscard.dal.memory import MemoryStore
from newscard.dal.registry import MemoryRegistry
from newscard.logic.images import ImageLoader
from newscard.logic.publish import Publisher
from newscard.logic.republish import reindex
from newscard.models.errors import ArticleRejected
from newscard.models.settings import Settings
from tests.conftest import ENVIRONMENT

SOURCE = "incoming/budget.json"
LIVE = {
    "headline": "Council approves budget",
    "slug": "budget",
    "section": "Politics",
    "published_at": "2025-12-06T10:00:00+00:00",
    "body": [{"type": "paragraph", "text": "The council voted."}],
}
# A later edit that never published: its image is missing.
DRAFT = {
    **LIVE,
    "headline": "Unapproved draft headline",
    "section": "Sport",
    "hero": {"src": "assets/missing.jpg", "alt": "x"},
}


def publisher(site: MemoryStore, articles: MemoryStore) -> Publisher:
    """A fresh process's publisher: empty registry and listings, as after losing the state table."""
    return Publisher(
        site=site,
        images=ImageLoader(articles),
        settings=Settings.from_env(ENVIRONMENT),
        registry=MemoryRegistry(),
        listings=MemoryListingTable(),
    )


def published_then_edited() -> tuple[MemoryStore, MemoryStore]:
    site, articles = MemoryStore(), MemoryStore()
    for document in (LIVE, DRAFT):
        raw = json.dumps(document).encode()
        articles.put(SOURCE, raw, content_type="application/json")
        with contextlib.suppress(ArticleRejected):  # the draft: the page stays on the first version
            publisher(site, articles).publish(raw, source_key=SOURCE)
    return site, articles


def front_and_feed(site: MemoryStore) -> str:
    return bytes(site.get("index.html").body).decode() + bytes(site.get("feed.xml").body).decode()


def test_reindex_lists_the_published_version_not_a_rejected_edit_of_its_source() -> None:
    site, articles = published_then_edited()

    outcome = reindex(publisher(site, articles), articles, progress=lambda *_: None)

    assert outcome["reindexed"] == ["budget"]
    listed = front_and_feed(site)
    assert "Council approves budget" in listed and "Unapproved draft" not in listed
    assert site.exists("sections/politics/index.html") and not site.exists("sections/sport/index.html")


@pytest.mark.parametrize(("edited", "status"), [(False, "reindexed"), (True, "source changed")])
def test_a_manifest_from_before_listings_were_recorded_is_listed_only_from_its_published_source(
    edited: bool, status: str
) -> None:
    site, articles = published_then_edited()
    manifest = json.loads(bytes(site.get("articles/budget/manifest.json").body))
    del manifest["listing"]
    site.put("articles/budget/manifest.json", json.dumps(manifest).encode(), content_type="application/json")
    if not edited:
        articles.put(SOURCE, json.dumps(LIVE).encode(), content_type="application/json")

    outcome = reindex(publisher(site, articles), articles, progress=lambda *_: None)

    assert outcome[status] == ["budget"]
    assert "Unapproved draft" not in front_and_feed(site)


def test_rendering_one_article_again_into_a_site_folder_keeps_the_others_listed(tmp_path: Path) -> None:
    files = []
    for number, section in enumerate(["World", "Sport", "Culture"]):
        document = {**LIVE, "headline": f"Story {number}", "slug": f"story-{number}", "section": section}
        files.append(tmp_path / f"story-{number}.json")
        files[-1].write_text(json.dumps(document))
    out = tmp_path / "site"
    assert main(["render", *map(str, files), "--out", str(out)]) == 0

    # When one of them is edited and rendered on its own into the same folder
    edited = {**json.loads(files[0].read_text()), "headline": "Story 0, updated"}
    files[0].write_text(json.dumps(edited))
    assert main(["render", str(files[0]), "--out", str(out)]) == 0

    # Then the front page and the feed still list all three, the edit as it now reads
    listed = (out / "index.html").read_text() + (out / "feed.xml").read_text()
    assert all(f"articles/story-{number}/" in listed for number in range(3))
    assert "Story 0, updated" in listed
    assert (out / "feed.xml").read_text().count("<entry") == 3
