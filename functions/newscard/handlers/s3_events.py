"""SQS-wrapped S3 notifications for incoming/ -> publish or unpublish, with partial batch failures."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from typing import Any
from urllib.parse import unquote_plus

# Powertools before anything that imports pydantic (newscard's models): its batch types build
# the parser's pydantic event models only when pydantic is already loaded, about 70 ms of a
# cold start for models this handler never uses (it passes the processor no model).
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from newscard.handlers.wiring import build_upload_processor
from newscard.logic.publish import API_SOURCE_PREFIX
from newscard.logic.republish import REPUBLISH_EVENT
from newscard.logic.uploads import INCOMING_PREFIX, UploadEvent
from newscard.models.errors import ConfigurationError

logger = Logger()
metrics = Metrics()
# Report every failed record, even when all fail: the same retry, but the invocation itself succeeds,
# so failures show up as per-message retries (and DLQ moves) rather than as function errors.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
uploads = build_upload_processor()  # validates configuration at init: a bad variable fails the cold start


def upload_events(body: str) -> list[UploadEvent]:
    """The upload events in one SQS message body; s3:TestEvent and foreign keys yield none."""
    try:
        notification: Any = json.loads(body)
    except json.JSONDecodeError:
        logger.error("message body is not JSON; dropped", body_prefix=body[:200])
        return []
    if not isinstance(notification, dict) or notification.get("Event") == "s3:TestEvent":
        return []
    events = []
    for record in notification.get("Records") or []:
        name = str(record.get("eventName", ""))
        s3 = record.get("s3") or {}
        obj = s3.get("object") or {}
        # S3 form-encodes keys (space -> '+'); decode exactly once, here at the edge.
        key = unquote_plus(str(obj.get("key", "")))
        republish = name == REPUBLISH_EVENT
        allowed = (INCOMING_PREFIX, API_SOURCE_PREFIX) if republish else (INCOMING_PREFIX,)
        # Any case of .json (x.JSON from a Windows tool is still an article): the template's
        # notification filters on the prefix only, since S3 suffix filters are case-sensitive.
        if not key.startswith(allowed) or not key.lower().endswith(".json"):
            logger.warning("ignored key outside incoming/*.json", key=key, event_name=name)
            continue
        sequencer = obj.get("sequencer")
        if republish:
            events.append(UploadEvent(kind="created", key=key, force=True))
        elif name.startswith("ObjectCreated:"):
            events.append(UploadEvent(kind="created", key=key, sequencer=sequencer))
        elif name.startswith("ObjectRemoved:"):
            events.append(UploadEvent(kind="removed", key=key, sequencer=sequencer))
        else:
            logger.warning("ignored event type", event_name=name, key=key)
    return events


def max_receive_count() -> int:
    """The queue's maxReceiveCount (MAX_RECEIVE_COUNT, set by the template from the redrive policy)."""
    value = os.environ.get("MAX_RECEIVE_COUNT", "5")
    if not value.isdigit() or int(value) < 1:
        raise ConfigurationError(f"configuration error: MAX_RECEIVE_COUNT is invalid: {value!r}")
    return int(value)


MAX_RECEIVE_COUNT = max_receive_count()


def is_last_attempt(record: SQSRecord) -> bool:
    """Whether SQS dead-letters this message if this delivery fails too."""
    count = record.attributes.approximate_receive_count
    return count is not None and count.isdigit() and int(count) >= MAX_RECEIVE_COUNT


def record_handler(record: SQSRecord) -> None:
    """Apply each upload in the message; storage errors propagate so the message is retried."""
    metrics.add_metric(name="UploadMessages", unit=MetricUnit.Count, value=1)
    last_attempt = is_last_attempt(record)
    for event in upload_events(record.body):
        try:
            report = uploads.process(replace(event, last_attempt=last_attempt))
        except Exception:
            # Powertools logs record failures at DEBUG only; without this line the cause of a
            # dead-lettered message would appear nowhere.
            logger.exception(
                "upload failed; the message goes to the dead-letter queue"
                if last_attempt
                else "upload failed; the message will be retried",
                key=event.key,
                receive_count=record.attributes.approximate_receive_count,
                message_id=record.message_id,
            )
            raise
        if report is None:
            logger.info("skipped stale or duplicate event", key=event.key, kind=event.kind)
            continue
        metrics.add_metric(name=f"Articles_{report.status}", unit=MetricUnit.Count, value=1)
        for phase, ms in report.timings_ms.items():
            # One metric per preset (RenderTime_og, ...), like Articles_<status>: the service
            # dimension stays the only one, so every metric in this flush shares it.
            if phase.startswith("card_"):
                metrics.add_metric(
                    name=f"RenderTime_{phase.removeprefix('card_')}", unit=MetricUnit.Milliseconds, value=ms
                )
        logger.info(
            "upload processed",
            key=event.key,
            status=report.status,
            changed=report.changed,
            slug=report.slug,
            errors=report.errors,
            timings_ms=report.timings_ms,
        )


@logger.inject_lambda_context
@metrics.log_metrics(raise_on_empty_metrics=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
