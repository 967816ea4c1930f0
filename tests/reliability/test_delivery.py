"""At-least-once delivery through a real queue: a poison message ends in the dead-letter queue after
the template's maxReceiveCount, while the rest of its batch is published."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import pytest

from newscard.devstack import DevStack
from tests.conftest import seed_document


@pytest.fixture
def stack() -> Iterator[DevStack]:
    from newscard.handlers import wiring
    from newscard.models import settings

    saved = dict(os.environ)
    wiring.s3_client.cache_clear()
    settings.settings_from_env.cache_clear()
    stack = DevStack(visibility_timeout=0).start()
    try:
        yield stack
    finally:
        stack.stop()
        os.environ.clear()
        os.environ.update(saved)
        wiring.s3_client.cache_clear()
        settings.settings_from_env.cache_clear()


@pytest.mark.enable_socket
@pytest.mark.slow
def test_a_poison_message_reaches_the_dlq_and_the_rest_of_the_batch_succeeds(
    stack: DevStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    from newscard.logic import publish

    real_render = publish.render_article

    def render_that_always_fails_for_poison(article: Any, *args: Any, **options: Any) -> Any:
        if article.resolved_slug == "poison":
            raise RuntimeError("a renderer bug that no retry can fix")
        return real_render(article, *args, **options)

    monkeypatch.setattr(publish, "render_article", render_that_always_fails_for_poison)
    s3, sqs = stack.client("s3"), stack.client("sqs")
    bucket = stack.names["ArticlesBucket"]
    text_only = {"hero": None, "body": [{"type": "paragraph", "text": "x"}]}
    s3.put_object(
        Bucket=bucket, Key="incoming/poison.json", Body=json.dumps(seed_document(**text_only, slug="poison"))
    )
    s3.put_object(
        Bucket=bucket, Key="incoming/good.json", Body=json.dumps(seed_document(**text_only, slug="good"))
    )

    max_receives = stack.template["Resources"]["UploadsQueue"]["Properties"]["RedrivePolicy"][
        "maxReceiveCount"
    ]
    dead: list[Any] = []
    for _ in range(5 * max_receives):
        stack.pump(wait_seconds=0)
        dead = sqs.receive_message(
            QueueUrl=stack.queue_urls["UploadsDeadLetterQueue"], WaitTimeSeconds=0, AttributeNames=["All"]
        ).get("Messages", [])
        if dead:
            break

    assert len(dead) == 1
    assert json.loads(dead[0]["Body"])["Records"][0]["s3"]["object"]["key"].endswith("poison.json")
    assert int(dead[0]["Attributes"]["ApproximateReceiveCount"]) >= max_receives
    site = stack.names["SiteBucket"]
    keys = {item["Key"] for item in s3.list_objects_v2(Bucket=site).get("Contents", [])}
    assert "articles/good/index.html" in keys and not any("poison" in key for key in keys)
    report = json.loads(s3.get_object(Bucket=bucket, Key="reports/poison.json")["Body"].read())
    assert report["status"] == "failed"
    # Written on the last delivery: it says where the message went, not "will be retried"
    assert "dead-letter queue" in report["errors"][0]["msg"], report
