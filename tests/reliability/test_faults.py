"""Storage faults injected on every S3 and DynamoDB call of a publish: retries converge on a clean run.

For each scenario, the run is repeated once per storage operation with that operation failing
(throttling, 5xx and timeouts all surface as StorageError from the S3 and registry adapters).
After each failure no page or listing may reference a missing card; after the retry (once the
failed writer's lease has expired), the site and the registry equal a clean run's.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from newscard.dal.memory import MemoryStore
from newscard.dal.registry import MemoryRegistry, Registry
from newscard.logic.images import ImageLoader
from newscard.logic.publish import Publisher
from newscard.logic.uploads import UploadEvent, UploadProcessor
from newscard.models.errors import StorageError
from newscard.models.settings import Settings
from tests.conftest import ENVIRONMENT, jpeg_bytes, seed_document
from tests.support import (
    FaultPlan,
    FaultyRegistry,
    FaultyStore,
    dangling_references,
    manifest_mismatches,
    registry_view,
)

SETTINGS = Settings.from_env(ENVIRONMENT)
NOW = datetime(2025, 12, 6, 12, 0, tzinfo=UTC)
KEY = "incoming/story.json"


def article(**changes: Any) -> bytes:
    document = seed_document(**{"slug": "story", **changes})
    document["hero"]["src"] = "assets/hero.jpg"
    document["body"][8]["src"] = "assets/body.jpg"
    return json.dumps(document).encode()


@dataclass
class Stores:
    articles: MemoryStore
    site: MemoryStore
    registry: MemoryRegistry


def fresh_stores() -> Stores:
    articles, site = MemoryStore(), MemoryStore()
    articles.put("assets/hero.jpg", jpeg_bytes((1400, 900), (200, 180, 150)), content_type="image/jpeg")
    articles.put("assets/body.jpg", jpeg_bytes((800, 500), (30, 60, 90)), content_type="image/jpeg")
    return Stores(articles, site, MemoryRegistry())


def processor(articles: Any, site: Any, registry: Registry, *, later: float = 0.0) -> UploadProcessor:
    # A fixed clock: the feed's <updated> and the sitemap's news window must not differ between
    # the clean run and the retry merely because they ran a moment apart. `later` moves the
    # lease clock past a failed writer's lease, as the queue's retry comes after it expired.
    publisher = Publisher(
        site=site,
        images=ImageLoader(articles),
        settings=SETTINGS,
        clock=lambda: NOW,
        registry=registry,
        lease_clock=lambda: NOW.timestamp() + later,
        busy_wait=0,
    )
    return UploadProcessor(articles=articles, publisher=publisher)


def plain(stores: Stores, *, later: float = 0.0) -> UploadProcessor:
    return processor(stores.articles, stores.site, stores.registry, later=later)


def faulty(stores: Stores, plan: FaultPlan) -> UploadProcessor:
    return processor(
        FaultyStore(stores.articles, plan, "articles"),
        FaultyStore(stores.site, plan, "site"),
        FaultyRegistry(stores.registry, plan),
    )


def publish_first(stores: Stores) -> None:
    stores.articles.put(KEY, article(), content_type="application/json")
    plain(stores).process(UploadEvent("created", KEY, "01"))


def change_section(stores: Stores) -> None:
    publish_first(stores)
    stores.articles.put(KEY, article(section="World"), content_type="application/json")


def change_slug(stores: Stores) -> None:
    publish_first(stores)
    stores.articles.put(KEY, article(slug="story-moved"), content_type="application/json")


def delete_upload(stores: Stores) -> None:
    publish_first(stores)
    stores.articles.delete(KEY)


SCENARIOS: dict[str, tuple[Callable[[Stores], None], UploadEvent]] = {
    "first publish": (
        lambda stores: stores.articles.put(KEY, article(), content_type="application/json"),
        UploadEvent("created", KEY, "01"),
    ),
    "changed article": (change_section, UploadEvent("created", KEY, "02")),
    "slug change": (change_slug, UploadEvent("created", KEY, "02")),
    "unpublish": (delete_upload, UploadEvent("removed", KEY, "02")),
}


def site_state(site: MemoryStore) -> dict[str, Any]:
    objects = {k: (v.body, v.content_type, v.cache_control) for k, v in site.objects.items()}
    return {"objects": objects, "superseded": set(site.superseded)}


def clean_run(name: str) -> tuple[dict[str, Any], dict[str, Any], int, str]:
    prepare, event = SCENARIOS[name]
    stores = fresh_stores()
    prepare(stores)
    plan = FaultPlan()
    report = faulty(stores, plan).process(event)
    assert report is not None
    return site_state(stores.site), registry_view(stores.registry), plan.count, report.status


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_a_fault_on_any_storage_operation_is_retried_to_the_clean_result(name: str) -> None:
    expected_site, expected_registry, operations, expected_status = clean_run(name)
    assert operations > 5
    prepare, event = SCENARIOS[name]
    failed_somewhere = 0
    for fail_at in range(operations):
        # Given the scenario's starting state
        stores = fresh_stores()
        prepare(stores)
        plan = FaultPlan(fail_at=fail_at)

        # When storage (S3 or DynamoDB) fails on operation number fail_at
        try:
            faulty(stores, plan).process(event)
        except StorageError:
            failed_somewhere += 1
        failed_op = plan.log[fail_at]

        # Then no live page or listing references a card or image that is not there
        assert dangling_references(stores.site) == [], failed_op

        # And the retry (the queue redelivers the same event) converges on the clean result
        plain(stores, later=1000).process(event)
        assert site_state(stores.site) == expected_site, failed_op
        assert registry_view(stores.registry) == expected_registry, failed_op
        assert manifest_mismatches(stores.site) == [], failed_op
        assert dangling_references(stores.site) == [], failed_op
        report = json.loads(stores.articles.get(f"reports/{KEY.removeprefix('incoming/')}").body)
        assert report["status"] == expected_status, failed_op
    # Only the best-effort lease release may fail without failing the attempt.
    assert failed_somewhere >= operations - 2


def test_a_failed_attempt_leaves_a_failed_report_for_the_editor() -> None:
    stores = fresh_stores()
    stores.articles.put(KEY, article(), content_type="application/json")
    plan = FaultPlan(fail_at=8)  # somewhere in the middle of writing the site
    with pytest.raises(StorageError):
        faulty(stores, plan).process(UploadEvent("created", KEY, "01"))
    report = json.loads(stores.articles.get("reports/story.json").body)
    assert report["status"] == "failed"
    assert report["errors"] == [{"loc": "", "msg": "publishing failed and will be retried (StorageError)"}]


@pytest.mark.parametrize("fail_at", [3, 12])
def test_deleting_the_file_after_a_failed_edit_still_takes_the_story_down(fail_at: int) -> None:
    # Given a published story whose next upload failed part way (a failed report, no slug known)
    stores = fresh_stores()
    publish_first(stores)
    stores.articles.put(KEY, article(section="World"), content_type="application/json")
    with pytest.raises(StorageError):
        faulty(stores, FaultPlan(fail_at=fail_at)).process(UploadEvent("created", KEY, "02"))
    assert json.loads(stores.articles.get("reports/story.json").body)["status"] == "failed"

    # When the editor deletes the file
    stores.articles.delete(KEY)
    report = plain(stores, later=1000).process(UploadEvent("removed", KEY, "03"))

    # Then the story is down, page, files and listing alike, and the report says where it was
    assert report is not None and (report.status, report.slug) == ("unpublished", "story")
    assert not [k for k in stores.site.objects if "/story/" in k and k not in stores.site.superseded]
    assert "articles/story/" not in stores.site.get("index.html").body.decode()
    assert dangling_references(stores.site) == []
