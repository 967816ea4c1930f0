"""The HTTP API handler with API Gateway events from events/, against moto."""

from __future__ import annotations

import base64
import copy
import io
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from PIL import Image

from tests.conftest import SITE_BUCKET, LambdaContext, load_event, put_seed_assets, seed_document, site_keys

SEED_SLUG = "us-russia-overtures-deepen-european-fears-over-future-of-alliance"
ROOT = Path(__file__).resolve().parents[2]


def call(api: ModuleType, event: dict[str, Any]) -> dict[str, Any]:
    return dict(api.lambda_handler(event, LambdaContext()))


def with_body(name: str, body: bytes) -> dict[str, Any]:
    event = copy.deepcopy(load_event(name))
    event["body"], event["isBase64Encoded"] = base64.b64encode(body).decode(), True
    return event


def errors(response: dict[str, Any]) -> list[dict[str, str]]:
    return list(json.loads(response["body"])["errors"])


def test_post_publishes_and_returns_the_manifest(s3: Any, api: ModuleType) -> None:
    put_seed_assets(s3)
    response = call(api, load_event("api-post-articles.json"))
    assert response["statusCode"] == 201
    manifest = json.loads(response["body"])
    assert manifest["slug"] == SEED_SLUG
    assert manifest["source_key"] == f"api/{SEED_SLUG}.json"
    assert {o["key"] for o in manifest["outputs"]} <= set(site_keys(s3))
    assert f"articles/{SEED_SLUG}/index.html" in site_keys(s3)


def test_get_returns_the_manifest_or_404(s3: Any, api: ModuleType) -> None:
    put_seed_assets(s3)
    assert call(api, load_event("api-get-article.json"))["statusCode"] == 404
    call(api, load_event("api-post-articles.json"))
    response = call(api, load_event("api-get-article.json"))
    assert response["statusCode"] == 200
    assert json.loads(response["body"])["slug"] == SEED_SLUG


def test_get_at_a_moved_articles_old_slug_is_a_301_to_its_new_one(s3: Any, api: ModuleType) -> None:
    put_seed_assets(s3)
    source = "incoming/desk/alliance.json"
    for slug in ("alliance-fears", "alliance-fears-deepen"):
        api.publisher.publish(json.dumps(seed_document(slug=slug)).encode(), source_key=source)
    old = copy.deepcopy(load_event("api-get-article.json"))
    old["path"], old["pathParameters"] = "/articles/alliance-fears", {"slug": "alliance-fears"}
    response = call(api, old)
    assert response["statusCode"] == 301
    assert response["multiValueHeaders"]["Location"] == ["alliance-fears-deepen"]
    assert json.loads(response["body"]) == {"moved_to": "alliance-fears-deepen"}
    new = copy.deepcopy(old)
    new["path"], new["pathParameters"] = "/articles/alliance-fears-deepen", {"slug": "alliance-fears-deepen"}
    assert json.loads(call(api, new)["body"])["former_slugs"] == ["alliance-fears"]
    never = copy.deepcopy(old)
    never["path"], never["pathParameters"] = "/articles/never-published", {"slug": "never-published"}
    assert call(api, never)["statusCode"] == 404


def test_delete_unpublishes_with_204_and_then_404(s3: Any, api: ModuleType) -> None:
    put_seed_assets(s3)
    call(api, load_event("api-post-articles.json"))
    assert call(api, load_event("api-delete-article.json"))["statusCode"] == 204
    assert not [k for k in site_keys(s3) if SEED_SLUG in k]
    assert call(api, load_event("api-delete-article.json"))["statusCode"] == 404


def test_an_invalid_article_is_422_with_located_errors(s3: Any, api: ModuleType) -> None:
    document = seed_document(headline="", hedline="typo")
    response = call(api, with_body("api-post-articles.json", json.dumps(document).encode()))
    assert response["statusCode"] == 422
    assert {e["loc"] for e in errors(response)} >= {"/headline", "/hedline"}
    assert site_keys(s3) == []


def test_a_missing_image_is_422_naming_the_field(s3: Any, api: ModuleType) -> None:
    response = call(api, load_event("api-post-articles.json"))  # assets not uploaded
    assert response["statusCode"] == 422
    assert {e["loc"] for e in errors(response)} == {"/hero/src", "/body/8/src"}


def test_over_one_mebibyte_is_413(s3: Any, api: ModuleType) -> None:
    response = call(api, with_body("api-post-articles.json", b" " * (1024 * 1024 + 1)))
    assert response["statusCode"] == 413
    assert "limit is 1,048,576" in errors(response)[0]["msg"]


def test_an_invalid_slug_is_422_not_a_server_error(s3: Any, api: ModuleType) -> None:
    event = copy.deepcopy(load_event("api-get-article.json"))
    event["path"] = "/articles/Not_A_Slug"
    event["pathParameters"] = {"slug": "Not_A_Slug"}
    response = call(api, event)
    assert response["statusCode"] == 422
    assert errors(response)[0]["loc"] == "/path/slug"


@pytest.mark.parametrize(
    ("preset", "size"), [("og", (1200, 630)), ("square", (1080, 1080)), ("story", (1080, 1920))]
)
def test_preview_returns_the_card_bytes_and_stores_nothing(
    s3: Any, api: ModuleType, preset: str, size: tuple[int, int]
) -> None:
    put_seed_assets(s3)
    event = copy.deepcopy(load_event("api-post-preview.json"))
    event["queryStringParameters"] = {"preset": preset}
    event["multiValueQueryStringParameters"] = {"preset": [preset]}
    response = call(api, event)
    assert response["statusCode"] == 200
    assert response["isBase64Encoded"] is True
    assert response["multiValueHeaders"]["Content-Type"] == ["image/jpeg"]
    with Image.open(io.BytesIO(base64.b64decode(response["body"]))) as card:
        assert (card.format, card.size) == ("JPEG", size)
    assert s3.list_objects_v2(Bucket=SITE_BUCKET).get("KeyCount", 0) == 0


def test_an_unknown_preset_is_422(s3: Any, api: ModuleType) -> None:
    event = copy.deepcopy(load_event("api-post-preview.json"))
    event["queryStringParameters"] = {"preset": "banner"}
    event["multiValueQueryStringParameters"] = {"preset": ["banner"]}
    response = call(api, event)
    assert response["statusCode"] == 422
    assert errors(response)[0]["loc"] == "/query/preset"


def test_the_openapi_document_in_the_repo_is_current(api: ModuleType) -> None:
    committed = json.loads((ROOT / "openapi.json").read_text())
    assert committed == api.openapi_document(), "run: .venv/bin/newscard openapi > openapi.json"


def test_an_article_before_the_year_1000_is_listed_under_its_padded_day(s3: Any, api: ModuleType) -> None:
    # Given an article dated in the year 148 (schemathesis sent one; %Y gave "148-12-13", a bad day)
    article = {
        "headline": "An ancient date",
        "slug": "ancient",
        "section": "History",
        "published_at": "0148-12-13T16:56:23Z",
        "body": [{"type": "paragraph", "text": "Long ago."}],
    }
    post = copy.deepcopy(load_event("api-post-articles.json"))
    post["body"], post["isBase64Encoded"] = json.dumps(article), False

    # When it is published over HTTP
    response = call(api, post)

    # Then it is published and its archive day and day sitemap use the ISO (zero-padded) date
    assert response["statusCode"] == 201, response["body"]
    keys = site_keys(s3)
    assert "archive/0148/12/13/index.html" in keys and "sitemaps/0148-12-13.xml" in keys
