"""Slug claims in the site state table -> the CloudFront KeyValueStore the edge function reads.

A DynamoDB stream (filtered to `SLUG#` items) calls this with every change to a claim. A claim
with a `target` is a former slug: its key maps to the current slug and the edge answers 301. Any
other claim (live again after a move back), or a removed one, deletes the key. Each record is
applied on its own and idempotently, so a retried batch, or a rebuild from the table, converges.
"""

from __future__ import annotations

import os
import time
from typing import Any

import boto3  # noqa: TID251 - this function is its own composition root
from botocore.exceptions import ClientError

SLUG_PREFIX = "SLUG#"
_ATTEMPTS = 5


def redirect_change(record: dict[str, Any]) -> tuple[str, str | None] | None:
    """(slug, target) to put, (slug, None) to delete, or None for records about other items."""
    change = record.get("dynamodb", {})
    key = change.get("Keys", {}).get("PK", {}).get("S", "")
    if not key.startswith(SLUG_PREFIX):
        return None
    slug = key.removeprefix(SLUG_PREFIX)
    if record.get("eventName") == "REMOVE":
        return slug, None
    target = change.get("NewImage", {}).get("target", {}).get("S")
    return slug, target


class Redirects:
    """The KeyValueStore through its data-plane client; stale ETags (409) are re-read and retried."""

    def __init__(self, client: Any, arn: str) -> None:
        self.client, self.arn = client, arn

    def apply(self, slug: str, target: str | None) -> None:
        for attempt in range(_ATTEMPTS):
            etag = self.client.describe_key_value_store(KvsARN=self.arn)["ETag"]
            try:
                if target is not None:
                    self.client.put_key(KvsARN=self.arn, Key=slug, Value=target, IfMatch=etag)
                else:
                    self.client.delete_key(KvsARN=self.arn, Key=slug, IfMatch=etag)
                return
            except ClientError as error:
                code = error.response.get("Error", {}).get("Code", "")
                if code == "ResourceNotFoundException" and target is None:
                    return  # nothing to delete
                if code != "ConflictException" or attempt == _ATTEMPTS - 1:
                    raise
                time.sleep(0.05 * 2**attempt)


def handle(records: list[dict[str, Any]], redirects: Redirects) -> int:
    """Apply every claim change in stream order; returns how many keys were written or deleted."""
    applied = 0
    for record in records:
        change = redirect_change(record)
        if change is not None:
            redirects.apply(*change)
            applied += 1
    return applied


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, int]:
    client = boto3.client("cloudfront-keyvaluestore")
    return {"applied": handle(event.get("Records", []), Redirects(client, os.environ["REDIRECT_STORE_ARN"]))}
