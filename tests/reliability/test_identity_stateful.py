"""SPEC section 8 as a state machine: random uploads, edits, slug changes, deletes and collisions from
several sources, their S3 events delivered late, twice and out of order; once the queue drains,
every identity rule holds and nothing live references a missing file."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from newscard.dal.listings import memory_listings_for
from newscard.dal.memory import MemoryStore
from newscard.dal.registry import MemoryRegistry
from newscard.logic.images import ImageLoader
from newscard.logic.publish import Publisher
from newscard.logic.uploads import UploadEvent, UploadProcessor
from newscard.models.settings import Settings
from newscard.models.site_index import IndexEntry
from tests.conftest import ENVIRONMENT
from tests.support import dangling_references, manifest_mismatches

SETTINGS = Settings.from_env(ENVIRONMENT)
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
SOURCES = ["incoming/a.json", "incoming/b.json", "incoming/c.json"]
# Two headlines that derive the same slug, so derived collisions happen often.
HEADLINES = ["Storm hits coast: 3 dead", "Storm hits coast — 3 dead!", "Markets rally"]
SLUGS = [None, None, "storm", "markets"]


class Newsroom(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.articles, self.site, self.registry = MemoryStore(), MemoryStore(), MemoryRegistry()
        publisher = Publisher(
            site=self.site,
            images=ImageLoader(self.articles),
            settings=SETTINGS,
            clock=lambda: NOW,
            registry=self.registry,
            busy_wait=0,
        )
        self.uploads = UploadProcessor(articles=self.articles, publisher=publisher)
        self.sequence = 0
        self.queue: list[UploadEvent] = []
        self.delivered: list[UploadEvent] = []
        self.files: dict[str, dict[str, Any] | None] = {}
        # Where each source was live at the last drain, and whether it has asked to move since.
        self.slug_at_drain: dict[str, str] = {}
        self.moved: set[str] = set()

    def _event(self, kind: str, key: str) -> None:
        self.sequence += 1
        self.queue.append(UploadEvent(kind, key, f"{self.sequence:016X}"))  # type: ignore[arg-type]

    @rule(key=st.sampled_from(SOURCES), headline=st.sampled_from(HEADLINES), slug=st.sampled_from(SLUGS))
    def upload(self, key: str, headline: str, slug: str | None) -> None:
        document: dict[str, Any] = {
            "headline": headline,
            "section": "News",
            "published_at": "2026-11-30T08:00:00+00:00",
            "body": [{"type": "paragraph", "text": f"{key} says: {headline}"}],
        }
        if slug is not None:
            document["slug"] = slug
        previous = self.files.get(key)
        if previous is not None and previous.get("slug") != slug and slug is not None:
            self.moved.add(key)
        self.files[key] = document
        self.articles.put(key, json.dumps(document).encode(), content_type="application/json")
        self._event("created", key)

    @rule(key=st.sampled_from(SOURCES))
    def upload_invalid(self, key: str) -> None:
        self.files[key] = {"invalid": True}
        self.articles.put(key, b'{"headline": ', content_type="application/json")
        self._event("created", key)

    @rule(key=st.sampled_from(SOURCES))
    def delete(self, key: str) -> None:
        self.files[key] = None
        self.moved.discard(key)
        self.articles.delete(key)
        self._event("removed", key)

    @precondition(lambda self: self.queue)
    @rule(data=st.data())
    def deliver_one(self, data: st.DataObject) -> None:
        """Any pending event, not necessarily the oldest."""
        event = self.queue.pop(data.draw(st.integers(0, len(self.queue) - 1)))
        self.uploads.process(event)
        self.delivered.append(event)

    @precondition(lambda self: self.delivered)
    @rule(data=st.data())
    def deliver_again(self, data: st.DataObject) -> None:
        """At-least-once delivery: an event already handled arrives again, maybe much later."""
        self.uploads.process(data.draw(st.sampled_from(self.delivered)))

    @rule(data=st.data())
    def drain(self, data: st.DataObject) -> None:
        order = data.draw(st.permutations(list(range(len(self.queue)))))
        for index in order:
            self.uploads.process(self.queue[index])
            self.delivered.append(self.queue[index])
        self.queue.clear()
        self.check_drained()

    def check_drained(self) -> None:
        live = {state.source: state for state in self.registry.articles() if state.live}
        listed = {
            IndexEntry.model_validate_json(str(item["entry"])).slug
            for item in memory_listings_for(self.site).query("LIST#FRONT", low="E#", high="E#~")
        }
        for key, document in self.files.items():
            state = live.get(key)
            report = json.loads(self.articles.get("reports/" + key.removeprefix("incoming/")).body)
            if document is None:
                # Deleting a source unpublishes exactly what it had live.
                assert state is None, key
                assert report["status"] == "unpublished", (key, report)
                continue
            if "invalid" in document:
                assert report["status"] == "rejected", (key, report)
                if state is not None:
                    assert report["slug"] == state.slug  # the report names what stays live
                continue
            if report["status"] == "rejected":
                # Only because its explicit slug belongs to another live source (live there, or a
                # former slug of it that still redirects); what it had live, if anything, stays.
                (error,) = report["errors"]
                assert error["loc"] == "/slug", (key, report)
                owner = live[error["msg"].rsplit(" ", 1)[-1]]
                assert owner.source != key
                assert document["slug"] in (owner.slug, *owner.former_slugs)
                assert report["slug"] == (state.slug if state is not None else None)
                continue
            assert state is not None, (key, report)
            assert report["status"] == "published" and report["slug"] == state.slug, (key, report)
            page = self.site.get(f"articles/{state.slug}/index.html").body.decode()
            assert f"{key} says:" in page  # the current file, not an older one
            if "slug" in document:
                assert state.slug == document["slug"]
            elif key in self.slug_at_drain and key not in self.moved:
                assert state.slug == self.slug_at_drain[key], key  # fixed at first publish
            for former in state.former_slugs:
                claim = self.registry.claim_of(former)
                assert claim is not None and (claim.source, claim.target) == (key, state.slug)
        slugs = [state.slug for state in live.values()]
        assert len(slugs) == len(set(slugs))
        for state in live.values():
            claim = self.registry.claim_of(state.slug or "")
            assert claim is not None and (claim.source, claim.target) == (state.source, None)
        assert listed == set(slugs)
        self.slug_at_drain = {key: state.slug for key, state in live.items() if state.slug}
        self.moved.clear()

    @invariant()
    def nothing_live_references_a_missing_file(self) -> None:
        assert dangling_references(self.site) == []
        assert manifest_mismatches(self.site) == []


Newsroom.TestCase.settings = settings(
    max_examples=25,
    stateful_step_count=14,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
test_newsroom = Newsroom.TestCase
