"""Against a deployed stack: an upload becomes a live page behind CloudFront, a delete removes it.

Run: AWS_SAM_STACK_NAME=newscard-dev pytest -m e2e tests/e2e (credentials for the stack's account).
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.conftest import EXAMPLES, seed_document

pytestmark = [pytest.mark.e2e, pytest.mark.enable_socket]

TIMEOUT_S = 180  # S3 notifications, SQS batching window and a cold start


def wait_for[T](probe: Callable[[], T | None], what: str) -> T:
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        result = probe()
        if result is not None:
            return result
        time.sleep(3)
    raise AssertionError(f"timed out after {TIMEOUT_S}s waiting for {what}")


def fetch(url: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers={"User-Agent": "newscard-e2e"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


@pytest.fixture(scope="module")
def published(s3: Any, stack_outputs: dict[str, str]) -> Iterator[dict[str, Any]]:
    """A uniquely named copy of the seed article, uploaded and published; removed afterwards."""
    bucket = stack_outputs["ArticlesBucketName"]
    for image in (EXAMPLES / "assets").glob("*.jpg"):
        s3.put_object(Bucket=bucket, Key=f"assets/{image.name}", Body=image.read_bytes())
    marker = uuid.uuid4().hex[:8]
    key = f"incoming/e2e-{marker}.json"
    document = seed_document(headline=f"End-to-end check {marker}", slug=f"e2e-{marker}")
    s3.put_object(Bucket=bucket, Key=key, Body=json.dumps(document).encode(), ContentType="application/json")

    def report() -> dict[str, Any] | None:
        try:
            body = s3.get_object(Bucket=bucket, Key=f"reports/{key}")["Body"].read()
        except s3.exceptions.NoSuchKey:
            return None
        parsed: dict[str, Any] = json.loads(body)
        return parsed

    yield {"key": key, "bucket": bucket, "report": wait_for(report, f"reports/{key}")}
    s3.delete_object(Bucket=bucket, Key=key)


def test_an_upload_is_published_and_served_through_cloudfront(
    published: dict[str, Any], stack_outputs: dict[str, str]
) -> None:
    report = published["report"]
    assert report["status"] == "published", report
    page_url = next(u for u in report["urls"] if u.endswith("/"))
    base = stack_outputs["SiteUrl"]
    assert page_url.startswith(base)
    status, headers, body = fetch(page_url)
    assert status == 200
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert "max-age" in headers["cache-control"]
    assert "strict-transport-security" in headers and headers["x-frame-options"] == "DENY"
    assert b"End-to-end check" in body


def test_cards_are_served_immutable(published: dict[str, Any]) -> None:
    cards = [u for u in published["report"]["urls"] if "/cards/" in u]
    assert cards
    status, headers, _ = fetch(cards[0])
    assert status == 200 and headers["content-type"].startswith("image/")
    assert "immutable" in headers["cache-control"]


def test_the_site_index_and_the_bucket_itself_are_not_public(stack_outputs: dict[str, str]) -> None:
    base = stack_outputs["SiteUrl"]
    assert fetch(f"{base}/_index/articles.json")[0] == 404
    assert fetch(f"{base}/%5Findex/articles.json")[0] == 404
    bucket = stack_outputs["SiteBucketName"]
    # Straight to S3, unsigned: Block Public Access and the OAC-only policy refuse it.
    assert fetch(f"https://{bucket}.s3.amazonaws.com/index.html")[0] == 403


def test_deleting_the_upload_unpublishes_the_article(
    published: dict[str, Any], s3: Any, stack_outputs: dict[str, str]
) -> None:
    slug = published["report"]["slug"]
    s3.delete_object(Bucket=published["bucket"], Key=published["key"])
    site = stack_outputs["SiteBucketName"]

    def gone() -> bool | None:
        listing = s3.list_objects_v2(Bucket=site, Prefix=f"articles/{slug}/")
        return True if listing.get("KeyCount", 0) == 0 else None

    assert wait_for(gone, f"articles/{slug}/ to be removed")
