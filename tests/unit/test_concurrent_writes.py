"""Independent store calls go at once (dal.store.each_at_once), and never ahead of what must follow them."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from newscard.dal.memory import DirectoryStore, MemoryStore
from newscard.dal.store import CONCURRENT_CALLS, each_at_once
from newscard.logic.images import ImageLoader
from newscard.logic.publish import Publisher
from newscard.logic.render import page_key
from newscard.models.errors import StorageError
from newscard.models.settings import Settings
from tests.conftest import ENVIRONMENT, jpeg_bytes, seed_document

SETTINGS = Settings.from_env(ENVIRONMENT)


def test_the_calls_run_at_once_up_to_the_limit() -> None:
    # Every call waits until CONCURRENT_CALLS of them are inside at the same time: one after
    # another, the first would wait out the barrier's timeout and break it.
    together = threading.Barrier(CONCURRENT_CALLS, timeout=10)
    done: list[int] = []

    def call(item: int) -> None:
        together.wait()
        done.append(item)

    each_at_once(call, range(2 * CONCURRENT_CALLS))
    assert sorted(done) == list(range(2 * CONCURRENT_CALLS))


def test_the_results_come_back_in_item_order() -> None:
    def late_for_the_first(item: int) -> int:
        time.sleep(0.02 if item < 4 else 0)
        return item * item

    assert each_at_once(late_for_the_first, range(20)) == [item * item for item in range(20)]


def test_the_first_failure_in_item_order_is_raised_once_every_call_has_ended() -> None:
    ended: list[int] = []

    def call(item: int) -> None:
        if item == 1:
            time.sleep(0.05)  # fails last in time, first in item order
            raise StorageError("item 1")
        if item == 3:
            raise StorageError("item 3")
        time.sleep(0.1)
        ended.append(item)

    with pytest.raises(StorageError, match="item 1"):
        each_at_once(call, range(6))
    assert sorted(ended) == [0, 2, 4, 5]  # none still running when the caller goes on


def test_one_call_or_none_runs_on_the_callers_thread() -> None:
    threads: list[threading.Thread] = []
    each_at_once(lambda _: threads.append(threading.current_thread()), ["only"])
    each_at_once(lambda _: threads.append(threading.current_thread()), [])
    assert threads == [threading.current_thread()]


class WatchedSite(MemoryStore):
    """A bucket whose puts take a round trip, and which notes what was written, and how many other
    puts were still in flight, when the article page was first written; and the most puts in
    flight at once while a card or image was."""

    def __init__(self, *, fail_cards: bool = False) -> None:
        super().__init__()
        self.fail_cards = fail_cards
        self.in_flight = 0
        self.most_in_flight = 0
        self.at_page: tuple[set[str], int] | None = None
        self._counting = threading.Lock()

    def put(self, key: str, body: bytes, **options: Any) -> str:
        with self._counting:
            self.in_flight += 1
            if key.startswith(("cards/", "images/")):
                self.most_in_flight = max(self.most_in_flight, self.in_flight)
            if key == page_key("story") and self.at_page is None:
                self.at_page = (set(self.objects), self.in_flight - 1)
        try:
            time.sleep(0.01)  # a round trip, so puts that may overlap do
            if self.fail_cards and key.startswith("cards/"):
                raise StorageError(f"injected: {key}")
            return super().put(key, body, **options)
        finally:
            with self._counting:
                self.in_flight -= 1


def publish(site: WatchedSite) -> Any:
    articles = MemoryStore()
    articles.put("assets/hero.jpg", jpeg_bytes((1400, 900), (200, 180, 150)), content_type="image/jpeg")
    articles.put("assets/body.jpg", jpeg_bytes((800, 500), (30, 60, 90)), content_type="image/jpeg")
    document = seed_document(slug="story")
    document["hero"]["src"] = "assets/hero.jpg"
    document["body"][8]["src"] = "assets/body.jpg"
    publisher = Publisher(site=site, images=ImageLoader(articles), settings=SETTINGS)
    return publisher.publish(json.dumps(document).encode(), source_key="incoming/story.json")


def test_a_publish_writes_its_cards_and_images_at_once_and_the_page_after_all_of_them() -> None:
    site = WatchedSite()
    outcome = publish(site)
    assert outcome is not None and outcome.status == "published"
    assert site.at_page is not None
    written, others_in_flight = site.at_page
    assert others_in_flight == 0
    named = {output.key for output in outcome.manifest.outputs if output.role != "page"}
    assert len(named) > CONCURRENT_CALLS  # 3 cards and 10 page images (1400 and 800 px photos)
    assert named <= written
    assert site.most_in_flight > 1


def test_a_failed_card_write_leaves_no_page_that_names_it() -> None:
    site = WatchedSite(fail_cards=True)
    with pytest.raises(StorageError):
        publish(site)
    assert site.at_page is None
    assert page_key("story") not in site.objects


def test_a_local_site_keeps_its_headers_through_writes_and_deletes_at_once(tmp_path: Path) -> None:
    # `newscard render` writes into a folder, with headers in one sidecar file that every put and
    # delete rewrites: done at once, none may be lost or read half-written.
    site = DirectoryStore(tmp_path)
    keys = [f"sections/news/page/{number}/index.html" for number in range(40)]
    each_at_once(lambda key: site.put(key, key.encode(), content_type="text/html"), keys)
    each_at_once(site.delete, keys[::2])
    kept = keys[1::2]
    assert list(site.list_keys("sections/")) == sorted(kept)
    headers = json.loads((tmp_path / DirectoryStore.HEADERS_FILE).read_text())
    assert sorted(headers) == sorted(kept)
    assert all(site.get(key).content_type == "text/html" for key in kept)
