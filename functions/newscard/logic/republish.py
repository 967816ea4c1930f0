"""Re-render every published article (after a theme or template change), here or through the queue."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import quote_plus

from newscard.dal.registry import ArticleState, Registry
from newscard.dal.store import ObjectStore
from newscard.logic.publish import Publisher
from newscard.logic.site_index import entry_for
from newscard.logic.validation import parse_article
from newscard.models.errors import ArticleRejected, NotFound
from newscard.models.manifest import Manifest

# An S3-notification-shaped record the publish handler treats as "re-render this source".
REPUBLISH_EVENT = "Newscard:Republish"


def published_manifests(site: ObjectStore) -> Iterator[Manifest]:
    for key in site.list_keys("articles/"):
        if key.endswith("/manifest.json"):
            yield Manifest.model_validate_json(site.get(key).body)


def republish_message(source_key: str) -> str:
    """The queue message that makes the publish function re-render one source."""
    record = {"eventName": REPUBLISH_EVENT, "s3": {"object": {"key": quote_plus(source_key, safe="/")}}}
    return json.dumps({"Records": [record]})


def republish_here(
    publisher: Publisher, articles: ObjectStore, *, progress: Callable[[int, int, str], None]
) -> dict[str, list[str]]:
    """Re-render every published article in this process; returns slugs by outcome.

    One bad stored source never stops the run: it is reported under its outcome and the rest go on.
    """
    manifests = list(published_manifests(publisher.site))
    outcome: dict[str, list[str]] = {"republished": [], "source missing": [], "rejected": [], "failed": []}
    for done, manifest in enumerate(manifests, start=1):
        try:
            raw = articles.get(manifest.source_key).body
            publisher.publish(raw, source_key=manifest.source_key, force=True)
        except NotFound:
            outcome["source missing"].append(manifest.slug)
        except ArticleRejected:
            # Valid when published, invalid now (stricter rules): leave the live page alone.
            outcome["rejected"].append(manifest.slug)
        except Exception as error:  # storage trouble or a bug: report this one, carry on with the rest
            outcome["failed"].append(f"{manifest.slug} ({type(error).__name__})")
        else:
            outcome["republished"].append(manifest.slug)
        progress(done, len(manifests), manifest.slug)
    return outcome


# SendMessageBatch can accept some entries and fail others (throttling, an internal error): the
# failed ones are sent again this many times, with backoff, before they are reported.
SEND_ATTEMPTS = 4


@dataclass(frozen=True)
class QueuedRepublish:
    queued: int
    failed: list[str]  # source keys whose message SQS never accepted


def republish_via_queue(
    site: ObjectStore,
    send: Callable[[list[str]], list[int]],
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> QueuedRepublish:
    """Queue one re-render per published article, in batches of 10.

    send returns the positions (in the batch it was given) of the entries SQS did not accept.
    """
    sources = [manifest.source_key for manifest in published_manifests(site)]
    failed: list[str] = []
    for start in range(0, len(sources), 10):
        pending = sources[start : start + 10]
        for attempt in range(SEND_ATTEMPTS):
            if attempt:
                sleep(0.2 * 2**attempt)
            rejected = set(send([republish_message(source) for source in pending]))
            pending = [source for index, source in enumerate(pending) if index in rejected]
            if not pending:
                break
        failed += pending
    return QueuedRepublish(queued=len(sources) - len(failed), failed=failed)


def state_from_manifest(manifest: Manifest) -> ArticleState:
    """What the registry records for a published article, read back from its manifest."""
    return ArticleState(
        source=manifest.source_key,
        live=True,
        slug=manifest.slug,
        sha256=manifest.source_sha256,
        renderer_version=manifest.renderer_version,
        sequencer=manifest.sequencer,
        outputs=tuple(sorted(manifest.keys())),
        former_slugs=tuple(manifest.former_slugs),
        claimed=tuple(sorted({manifest.slug, *manifest.former_slugs})),
    )


def reindex(
    publisher: Publisher, articles: ObjectStore, *, progress: Callable[[int, int, str], None]
) -> dict[str, list[str]]:
    """Rebuild the registry and the listings from the manifests in the site bucket.

    For disaster recovery, and for sites published before the registry existed. Each article is
    recorded as live at its manifest's slug, owned by its manifest's source, with its redirects;
    then listed as its manifest records it. A manifest from before listings were recorded there is
    listed from its source, and only if the source is still the one published: a later edit that
    was rejected must not reach the front page through a reindex.
    """
    registry: Registry = publisher.registry
    manifests = list(published_manifests(publisher.site))
    outcome: dict[str, list[str]] = {
        "reindexed": [],
        "source missing": [],
        "source changed": [],
        "rejected": [],
    }
    for done, manifest in enumerate(manifests, start=1):
        registry.restore(state_from_manifest(manifest))
        status = _relist(publisher, articles, manifest)
        outcome[status].append(manifest.slug)
        progress(done, len(manifests), manifest.slug)
    return outcome


def _relist(publisher: Publisher, articles: ObjectStore, manifest: Manifest) -> str:
    entry = manifest.listing
    if entry is None:
        try:
            raw = articles.get(manifest.source_key).body
        except NotFound:
            return "source missing"
        if hashlib.sha256(raw).hexdigest() != manifest.source_sha256:
            return "source changed"
        try:
            entry = entry_for(parse_article(raw), manifest)
        except ArticleRejected:
            return "rejected"
    publisher.indexer.upsert(entry)
    return "reindexed"
