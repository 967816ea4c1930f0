"""One S3 upload event -> publish or unpublish, and a report for the editor. Ordering-safe."""

from __future__ import annotations

import contextlib
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from newscard import RENDERER_VERSION
from newscard.dal.store import ObjectStore
from newscard.logic.publish import Publisher, Unpublished, sequencer_newer
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


__all__ = ["INCOMING_PREFIX", "UploadEvent", "UploadProcessor", "report_key", "sequencer_newer"]


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
            and previous.status == "rejected"
        ):
            return None  # the same rejected notification delivered twice
        try:
            outcome = self.publisher.publish(
                raw, source_key=event.key, sequencer=event.sequencer, force=event.force
            )
        except ArticleRejected as rejection:
            # The report names what is still live for this source, if anything: a rejected edit
            # leaves the published version up, and deleting the file still takes that down.
            report = self._report(
                "rejected",
                event,
                sha256=sha256,
                slug=self.publisher.live_slug(event.key),
                errors=[p.as_dict() for p in rejection.problems],
            )
        except Exception as error:
            self._write_failed(event, sha256, error)
            raise
        else:
            if outcome is None:
                return self._already_applied(event, previous, sha256)
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
        # What is live comes from the registry, never from the last report: a rejected or failed
        # later upload does not change what the delete must take down.
        outcome = self.publisher.unpublish_source(event.key, sequencer=event.sequencer)
        if outcome is None:
            return self._already_applied(event, previous, None)
        if outcome.slug is None and previous is not None and previous.status == "unpublished":
            return None  # nothing was live and the editor already knows
        report = self._report("unpublished", event, slug=outcome.slug)
        self._write(report)
        return report

    def _already_applied(
        self, event: UploadEvent, previous: Report | None, sha256: str | None
    ) -> Report | None:
        """A stale event; if it is this very event, applied by an attempt that failed before writing
        its report (so the report still says failed), write the report the editor is owed."""
        state = self.publisher.registry.get(event.key)
        if state is None or state.sequencer is None or state.sequencer != event.sequencer:
            return None  # a later event for this key was applied: its report stands
        status: ReportStatus = "published" if state.live else "unpublished"
        if previous is not None and previous.sequencer == event.sequencer and previous.status == status:
            return None  # a duplicate delivery, already reported
        manifest = self.publisher.read_manifest(state.slug) if state.live and state.slug else None
        report = self._report(
            status,
            event,
            sha256=sha256 if state.live else None,
            slug=state.slug,
            urls=[output.url for output in manifest.outputs] if manifest is not None else [],
        )
        self._write(report)
        return report

    def take_down(self, slug: str) -> Unpublished | None:
        """An explicit HTTP DELETE: unpublish whichever source owns slug; an upload's report says so."""
        outcome = self.publisher.take_down(slug)
        if outcome is None:
            return None
        if outcome.source.startswith(INCOMING_PREFIX):
            # The report carries the sequencer of the last upload applied, as every report does, so
            # a late redelivery of that upload's event is seen as already reported, note and all.
            state = self.publisher.registry.get(outcome.source)
            event = UploadEvent("removed", outcome.source, sequencer=state.sequencer if state else None)
            previous = self.previous_report(outcome.source)
            report = self._report(
                "unpublished",
                event,
                slug=slug,
                sha256=previous.source_sha256 if previous is not None else None,
                note=f"taken down by DELETE /articles/{slug}; upload the file again to republish it",
            )
            self._write(report)
        return outcome

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
        note: str | None = None,
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
            note=note,
        )

    def _write(self, report: Report) -> None:
        self.articles.put(
            report_key(report.source_key),
            report.model_dump_json(indent=2).encode("utf-8"),
            content_type="application/json",
            cache_control="no-cache",
        )
