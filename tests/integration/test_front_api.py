"""PUT /front pins lead stories: API Gateway events from events/, the real handler, moto S3 and DynamoDB."""

from __future__ import annotations

import copy
import json
from types import ModuleType
from typing import Any

from tests.conftest import LambdaContext, load_event, put_seed_assets, site_text

SEED_SLUG = "us-russia-overtures-deepen-european-fears-over-future-of-alliance"


def front_order(s3: Any) -> str:
    """The front page's body: the head names the lead's photo (og:image) before any teaser."""
    html = site_text(s3, "index.html")
    return html[html.index("<main") :]


def call(api: ModuleType, event: dict[str, Any]) -> dict[str, Any]:
    return dict(api.lambda_handler(event, LambdaContext()))


def put_front(body: str) -> dict[str, Any]:
    event = copy.deepcopy(load_event("api-put-front.json"))
    event["body"] = body
    return event


def get_front() -> dict[str, Any]:
    event = put_front("")
    event["httpMethod"] = event["requestContext"]["httpMethod"] = "GET"
    event["body"] = None
    return event


def test_pins_are_stored_with_a_version_and_lead_the_front_page(s3: Any, api: ModuleType) -> None:
    # Given two published articles, the seed one older
    put_seed_assets(s3)
    call(api, load_event("api-post-articles.json"))
    other = {
        "headline": "A later story",
        "slug": "later",
        "section": "World",
        "published_at": "2025-12-06T10:00:00+00:00",
        "body": [{"type": "paragraph", "text": "Later."}],
    }
    post = copy.deepcopy(load_event("api-post-articles.json"))
    post["body"], post["isBase64Encoded"] = json.dumps(other), False
    assert call(api, post)["statusCode"] == 201
    assert front_order(s3).index("articles/later/") < front_order(s3).index(SEED_SLUG)
    assert json.loads(call(api, get_front())["body"]) == {"pinned": [], "version": 0}

    # When the older one is pinned (events/api-put-front.json)
    response = call(api, load_event("api-put-front.json"))

    # Then the pin is stored at version 1 and the front page leads with it
    assert response["statusCode"] == 200
    stored = json.loads(response["body"])
    assert stored["version"] == 1 and stored["pinned"][0]["slug"] == SEED_SLUG
    assert json.loads(call(api, get_front())["body"]) == stored
    front = front_order(s3)
    assert front.index(SEED_SLUG) < front.index("articles/later/")

    # And a write from a stale read is refused with 409, leaving the pins as they were
    stale = call(api, put_front(json.dumps({"pinned": [], "version": 0})))
    assert stale["statusCode"] == 409
    assert json.loads(stale["body"])["errors"][0]["loc"] == "/version"
    assert json.loads(call(api, get_front())["body"]) == stored


def test_bad_pins_get_located_errors(s3: Any, api: ModuleType) -> None:
    cases = {
        '{"pinned": [{"slug": "not-published"}]}': "/pinned/0/slug",
        '{"pinned": [{"slug": "Bad Slug!"}]}': "/pinned/0/slug",
        '{"pinned": [{"slug": "a", "until": "tomorrow"}]}': "/pinned/0/until",
        '{"pinned": [{"slug": "a", "until": "2025-12-06T10:00:00"}]}': "/pinned/0/until",  # no offset
        '{"pins": []}': "/pins",
        '{"pinned": [], "version": -1}': "/version",
        "not json": "",
    }
    for body, loc in cases.items():
        response = call(api, put_front(body))
        assert response["statusCode"] == 422, body
        assert [e["loc"] for e in json.loads(response["body"])["errors"]][:1] == [loc], body


def test_a_version_no_write_can_have_reached_is_stale_not_a_server_error(api: ModuleType) -> None:
    # Given the largest version the API accepts (schemathesis found that storing version + 1 broke)
    response = call(api, put_front(json.dumps({"pinned": [], "version": 2**53})))

    # Then it is refused as a stale read, in the documented shape
    assert response["statusCode"] == 409
    assert json.loads(response["body"])["errors"][0]["loc"] == "/version"
