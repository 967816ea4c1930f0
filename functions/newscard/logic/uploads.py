"""One S3 upload event -> publish or unpublish, and a report for the editor. Ordering-safe."""

from __future__ import annotations

import contextlib
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from newscard import RENDERER_VERSION
from newscard.dal.store import ObjectStore
from newscard.logic.publish import Publisher
from newscard.models.errors import ArticleRejected, NotFound
from newscard.models.manifest import Report, ReportStatus

INCOMING_PREFIX = "incoming/"
REPORTS_PREFIX = "reports/"


@dataclass(frozen=True)
class UploadEvent:
    """What the pipeline needs from an S3 notification; the key is already URL-decoded."""

    kind: Literal["created", "removed"]
    key: str
    sequencer: str | None = None
    # Set by `newscard republish`: re-render even though the source is unchanged.
    force: bool = False
    # This delivery is the queue's last (ApproximateReceiveCount == maxReceiveCount): if it
    # fails, SQS moves the message to the dead-letter queue instead of retrying it.
    last_attempt: bool = False


def report_key(source_key: str) -> str:
    """reports/<key under incoming/>; sources published over HTTP report under reports/api/."""
    return REPORTS_PREFIX + source_key.removeprefix(INCOMING_PREFIX)


def sequencer_newer(candidate: str | None, than: str | None) -> bool:
    """S3 sequencers compare as hex after left-padding to equal length (S3 event docs)."""
    if candidate is None or than is None:
        return False
    width = max(len(candidate), len(than))
    return candidate.rjust(width, "0").upper() > than.rjust(width, "0").upper()


@dataclass(frozen=True)
class UploadProcessor:
    """Applies upload events to the site and records the outcome under reports/."""

    articles: ObjectStore
    publisher: Publisher

    def previous_report(self, source_key: str) -> Report | None:
        try:
            return Report.model_validate_json(self.articles.get(report_key(source_key)).body)
        except NotFound:
            return None
        except ValueError:
            return None  # an unreadable old report must not block a new upload

    def process(self, event: UploadEvent) -> Report | None:
        """Returns the report written, or None when the event was stale or a duplicate."""
        previous = self.previous_report(event.key)
        if previous is not None and sequencer_newer(previous.sequencer, event.sequencer):
            return None  # a later event for this key was already applied
        if event.kind == "created":
            return self._created(event, previous)
        return self._removed(event, previous)

    def _created(self, event: UploadEvent, previous: Report | None) -> Report | None:
        try:
            raw = self.articles.get(event.key).body
        except NotFound:
            return None  # deleted since; its removal event does the work
        sha256 = hashlib.sha256(raw).hexdigest()
        if (
            not event.force
            and previous is not None
            and previous.sequencer is not None
            and previous.sequencer == event.sequencer
            and previous.source_sha256 == sha256
            and previous.status in ("published", "rejected")
        ):
            return None  # the same notification delivered twice
        try:
            outcome = self.publisher.publish(
                raw, source_key=event.key, sequencer=event.sequencer, force=event.force
            )
        except ArticleRejected as rejection:
            report = self._report(
                "rejected", event, sha256=sha256, errors=[p.as_dict() for p in rejection.problems]
            )
        except Exception as error:
            self._write_failed(event, sha256, error)
            raise
        else:
            # A changed headline can change a derived slug: retire the page this upload made before.
            if previous is not None and previous.slug and previous.slug != outcome.manifest.slug:
                self.publisher.unpublish(previous.slug, source_key=event.key)
            report = self._report(
                "published",
                event,
                sha256=sha256,
                slug=outcome.manifest.slug,
                changed=outcome.status == "published",
                urls=[output.url for output in outcome.manifest.outputs],
                timings_ms=outcome.timings_ms,
            )
        self._write(report)
        return report

    def _removed(self, event: UploadEvent, previous: Report | None) -> Report | None:
        if self.articles.exists(event.key):
            return None  # uploaded again after this delete; that upload's event wins
        if previous is not None and previous.status == "unpublished":
            return None
        slug = previous.slug if previous is not None else None
        if slug:
            self.publisher.unpublish(slug, source_key=event.key)
        report = self._report("unpublished", event, slug=slug)
        self._write(report)
        return report

    def _write_failed(self, event: UploadEvent, sha256: str, error: Exception) -> None:
        if event.last_attempt:
            msg = (
                f"publishing failed on the last attempt ({type(error).__name__}); the upload went to the "
                "dead-letter queue: upload it again once the cause is fixed"
            )
        else:
            msg = f"publishing failed and will be retried ({type(error).__name__})"
        report = self._report("failed", event, sha256=sha256, errors=[{"loc": "", "msg": msg}])
        # Best effort: the original error matters more, and the caller re-raises it.
        with contextlib.suppress(Exception):
            self._write(report)

    def _report(
        self,
        status: ReportStatus,
        event: UploadEvent,
        *,
        sha256: str | None = None,
        slug: str | None = None,
        errors: list[dict[str, str]] | None = None,
        urls: list[str] | None = None,
        timings_ms: dict[str, float] | None = None,
        changed: bool = True,
    ) -> Report:
        return Report(
            status=status,
            changed=changed,
            source_key=event.key,
            source_sha256=sha256,
            sequencer=event.sequencer,
            slug=slug,
            errors=errors or [],
            urls=urls or [],
            timings_ms=timings_ms or {},
            renderer_version=RENDERER_VERSION,
            finished_at=datetime.now(UTC),
        )

    def _write(self, report: Report) -> None:
        self.articles.put(
            report_key(report.source_key),
            report.model_dump_json(indent=2).encode("utf-8"),
            content_type="application/json",
            cache_control="no-cache",
        )
