"""Storage faults injected on every read and write of a publish: retries converge on a clean run.

For each scenario, the run is repeated once per storage operation with that operation failing
(throttling, 5xx and timeouts all surface as StorageError from the S3 adapter). After each
failure no page may reference a missing card; after the retry, the site equals a clean run's.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from newscard.dal.listings import memory_listings_for
from newscard.dal.memory import MemoryStore
from newscard.logic.images import ImageLoader
from newscard.logic.publish import Publisher
from newscard.logic.uploads import UploadEvent, UploadProcessor
from newscard.models.errors import StorageError
from newscard.models.settings import Settings
from tests.conftest import ENVIRONMENT, jpeg_bytes, seed_document
from tests.support import (
    FaultPlan,
    FaultyListingTable,
    FaultyStore,
    dangling_references,
    manifest_mismatches,
)

SETTINGS = Settings.from_env(ENVIRONMENT)
NOW = datetime(2025, 12, 6, 12, 0, tzinfo=UTC)
KEY = "incoming/story.json"


def article(**changes: Any) -> bytes:
    document = seed_document(slug="story", **changes)
    document["hero"]["src"] = "assets/hero.jpg"
    document["body"][8]["src"] = "assets/body.jpg"
    return json.dumps(document).encode()


def fresh_stores() -> tuple[MemoryStore, MemoryStore]:
    articles, site = MemoryStore(), MemoryStore()
    articles.put("assets/hero.jpg", jpeg_bytes((1400, 900), (200, 180, 150)), content_type="image/jpeg")
    articles.put("assets/body.jpg", jpeg_bytes((800, 500), (30, 60, 90)), content_type="image/jpeg")
    return articles, site


def processor(articles: Any, site: Any) -> UploadProcessor:
    # A fixed clock: the feed's <updated> and the sitemap's news window must not differ between
    # the clean run and the retry merely because they ran a moment apart.
    # The listing table belongs with the site; when the site is faulty, so is the table.
    listings: Any = memory_listings_for(getattr(site, "inner", site))
    if isinstance(site, FaultyStore):
        listings = FaultyListingTable(listings, site.plan)
    publisher = Publisher(
        site=site, images=ImageLoader(articles), settings=SETTINGS, clock=lambda: NOW, listings=listings
    )
    return UploadProcessor(articles=articles, publisher=publisher)


def publish_first(articles: MemoryStore, site: MemoryStore) -> None:
    articles.put(KEY, article(), content_type="application/json")
    processor(articles, site).process(UploadEvent("created", KEY, "01"))


def change_headline(articles: MemoryStore, site: MemoryStore) -> None:
    publish_first(articles, site)
    articles.put(KEY, article(section="World"), content_type="application/json")


def delete_upload(articles: MemoryStore, site: MemoryStore) -> None:
    publish_first(articles, site)
    articles.delete(KEY)


SCENARIOS: dict[str, tuple[Callable[[MemoryStore, MemoryStore], None], UploadEvent]] = {
    "first publish": (
        lambda a, s: a.put(KEY, article(), content_type="application/json"),
        UploadEvent("created", KEY, "01"),
    ),
    "changed article": (change_headline, UploadEvent("created", KEY, "02")),
    "unpublish": (delete_upload, UploadEvent("removed", KEY, "02")),
}


def site_state(site: MemoryStore) -> dict[str, tuple[bytes, str | None, str | None]]:
    return {k: (v.body, v.content_type, v.cache_control) for k, v in site.objects.items()}


def clean_run(name: str) -> tuple[dict[str, Any], int, str]:
    prepare, event = SCENARIOS[name]
    articles, site = fresh_stores()
    prepare(articles, site)
    plan = FaultPlan()
    report = processor(FaultyStore(articles, plan, "articles"), FaultyStore(site, plan, "site")).process(
        event
    )
    assert report is not None
    return site_state(site), plan.count, report.status


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_a_fault_on_any_storage_operation_is_retried_to_the_clean_result(name: str) -> None:
    expected_site, operations, expected_status = clean_run(name)
    assert operations > 5
    prepare, event = SCENARIOS[name]
    for fail_at in range(operations):
        # Given the scenario's starting state
        articles, site = fresh_stores()
        prepare(articles, site)
        plan = FaultPlan(fail_at=fail_at)
        faulty = processor(FaultyStore(articles, plan, "articles"), FaultyStore(site, plan, "site"))

        # When storage fails on operation number fail_at
        with pytest.raises(StorageError):
            faulty.process(event)
        failed_op = plan.log[fail_at]

        # Then no live page references a card or image that is not there
        assert dangling_references(site) == [], failed_op

        # And the retry (the queue redelivers the same event) converges on the clean result
        report = processor(articles, site).process(event)
        assert report is not None, failed_op
        assert report.status == expected_status, failed_op
        assert site_state(site) == expected_site, failed_op
        assert manifest_mismatches(site) == [], failed_op


def test_a_failed_attempt_leaves_a_failed_report_for_the_editor() -> None:
    articles, site = fresh_stores()
    articles.put(KEY, article(), content_type="application/json")
    plan = FaultPlan()
    faulty = processor(FaultyStore(articles, plan, "articles"), FaultyStore(site, plan, "site"))
    plan.fail_at = 6  # somewhere in the middle of writing the site
    with pytest.raises(StorageError):
        faulty.process(UploadEvent("created", KEY, "01"))
    report = json.loads(articles.get("reports/story.json").body)
    assert report["status"] == "failed"
    assert report["errors"] == [{"loc": "", "msg": "publishing failed and will be retried (StorageError)"}]
