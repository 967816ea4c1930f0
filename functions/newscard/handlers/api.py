"""HTTP API (API Gateway REST, IAM auth by default): publish, read, unpublish and preview articles.

The same Publisher as the S3 path does the work; this module only adapts HTTP to it. Domain
errors become HTTP statuses in one place (the exception handlers below), always as
{"errors": [{"loc", "msg"}]}.
"""

from __future__ import annotations

import base64
import json
import os
from typing import Annotated, Any, Literal

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from newscard.handlers.wiring import build_upload_processor
from newscard.logic.publish import PublishOutcome, api_source
from newscard.logic.validation import problem_from_pydantic
from newscard.models.article import SLUG_MAX, SLUG_PATTERN
from newscard.models.errors import (
    ArticleRejected,
    ArticleTooLarge,
    NotFound,
    PreconditionFailed,
    Problem,
    SlugConflict,
    StorageError,
)
from newscard.models.site_index import FrontPins

Slug = Annotated[str, Path(pattern=SLUG_PATTERN, max_length=SLUG_MAX, description="the article's slug")]
PresetName = Literal["og", "square", "story"]


def _cors() -> CORSConfig | None:
    """CMS origins allowed to call the API from a browser (CORS_ORIGINS, comma-separated)."""
    origins = [origin.strip() for origin in os.environ.get("CORS_ORIGINS", "").split(",") if origin.strip()]
    if not origins:
        return None
    return CORSConfig(allow_origin=origins[0], extra_origins=origins[1:], max_age=600)


logger = Logger()
metrics = Metrics()
app = APIGatewayRestResolver(enable_validation=True, cors=_cors())
uploads = build_upload_processor()  # validates configuration at init: a bad variable fails the cold start
publisher = uploads.publisher


def _errors(status: int, problems: list[Problem]) -> Response[str]:
    body = json.dumps({"errors": [problem.as_dict() for problem in problems]}, ensure_ascii=False)
    return Response(status_code=status, content_type="application/json", body=body)


def _raw_body() -> bytes:
    event = app.current_event
    body = event.body or ""
    # surrogatepass: a lone surrogate in a text body becomes bytes that parse_article rejects as
    # "not UTF-8" (located, 422), instead of an encoding error here (500).
    return base64.b64decode(body) if event.is_base64_encoded else body.encode("utf-8", "surrogatepass")


@app.exception_handler(ArticleTooLarge)
def _too_large(error: ArticleTooLarge) -> Response[str]:
    return _errors(413, error.problems)


@app.exception_handler(ArticleRejected)
def _rejected(error: ArticleRejected) -> Response[str]:
    metrics.add_metric(name="Articles_rejected", unit=MetricUnit.Count, value=1)
    return _errors(422, error.problems)


@app.exception_handler(SlugConflict)
def _conflict(error: SlugConflict) -> Response[str]:
    return _errors(409, error.problems)


@app.exception_handler(RequestValidationError)
def _invalid_request(error: RequestValidationError) -> Response[str]:
    return _errors(422, [problem_from_pydantic(detail) for detail in error.errors()])


@app.exception_handler(NotFound)
def _not_found(error: NotFound) -> Response[str]:
    return _errors(404, [Problem("", f"not found: {error}")])


@app.exception_handler(NotFoundError)
def _no_route(error: NotFoundError) -> Response[str]:
    """An unknown path or method answers in the documented {"errors": [...]} shape, not Powertools' own."""
    event = app.current_event
    path = event.path
    methods = sorted(
        {
            route.method
            for route in [*app._static_routes, *app._dynamic_routes]  # the resolver's route table
            if route.rule.match(path)
        }
    )
    if methods:
        response = _errors(
            405, [Problem("", f"{path} accepts {', '.join(methods)}, not {event.http_method}")]
        )
        response.headers["Allow"] = ", ".join(methods)
        return response
    return _errors(404, [Problem("", f"there is no {path} in this API")])


@app.exception_handler(PreconditionFailed)
def _stale_version(error: PreconditionFailed) -> Response[str]:
    return _errors(409, [Problem("/version", "changed since it was read; read it again and retry")])


@app.exception_handler(StorageError)
def _unavailable(error: StorageError) -> Response[str]:
    logger.exception("storage failed")
    return _errors(503, [Problem("", "storage is unavailable; try again")])


def _published(outcome: PublishOutcome, status: int) -> Response[str]:
    metrics.add_metric(name="Articles_published", unit=MetricUnit.Count, value=1)
    logger.info(
        "published over HTTP",
        slug=outcome.manifest.slug,
        status=outcome.status,
        timings_ms=outcome.timings_ms,
    )
    return Response(
        status_code=status, content_type="application/json", body=outcome.manifest.model_dump_json()
    )


@app.post("/articles", summary="Publish an article at its own slug (synchronously)", responses=None)
def publish_article() -> Response[str]:
    return _published(publisher.publish_http(_raw_body()), 201)


@app.put("/articles/<slug>", summary="Create or replace the article at this slug (idempotent)")
def put_article(slug: Slug) -> Response[str]:
    existed = publisher.live_slug(api_source(slug)) == slug
    return _published(publisher.publish_http(_raw_body(), slug=slug), 200 if existed else 201)


@app.get("/articles/<slug>", summary="The manifest of a published article")
def get_article(slug: Slug) -> Response[str]:
    manifest = publisher.read_manifest(slug)
    if manifest is not None:
        return Response(status_code=200, content_type="application/json", body=manifest.model_dump_json())
    target = publisher.moved_to(slug)
    if target is None:
        raise NotFound(f"no published article has the slug {slug}")
    # As the site does for the old page (SPEC section 8). A relative reference (the new slug alone)
    # resolves against the request's own URL, so it keeps any API Gateway stage prefix.
    return Response(
        status_code=301,
        content_type="application/json",
        headers={"Location": target},
        body=json.dumps({"moved_to": target}),
    )


@app.delete("/articles/<slug>", summary="Unpublish an article")
def delete_article(slug: Slug) -> Response[str]:
    # Whichever source owns the slug; an upload's report then says it was taken down over HTTP.
    if uploads.take_down(slug) is None:
        raise NotFound(f"no published article has the slug {slug}")
    metrics.add_metric(name="Articles_unpublished", unit=MetricUnit.Count, value=1)
    return Response(status_code=204, content_type="application/json", body="")


@app.post("/preview", summary="Render one share card without storing anything")
# No return annotation on purpose: Powertools validates annotated responses as JSON, and a card is
# bytes; unannotated, a non-JSON Response passes through as binary (base64 for API Gateway).
def preview(preset: Annotated[PresetName, Query(description="card preset")] = "og"):  # type: ignore[no-untyped-def]
    card = publisher.preview(_raw_body(), preset)
    return Response(
        status_code=200, content_type=card.content_type, body=card.data, headers={"Cache-Control": "no-store"}
    )


@app.get("/front", summary="The front page's pinned stories and their version")
def get_front() -> Response[str]:
    return Response(
        status_code=200, content_type="application/json", body=publisher.indexer.pins().model_dump_json()
    )


@app.put("/front", summary="Pin lead stories on the front page (first is the lead), each until an expiry")
def put_front() -> Response[str]:
    try:
        change = FrontPins.model_validate_json(_raw_body())
    except ValidationError as error:
        return _errors(422, [problem_from_pydantic(detail) for detail in error.errors()])
    stored = publisher.indexer.set_pins(change)
    logger.info("front page pins changed", pinned=[pin.slug for pin in stored.pinned], version=stored.version)
    return Response(status_code=200, content_type="application/json", body=stored.model_dump_json())


def openapi_document() -> dict[str, Any]:
    """The API's OpenAPI 3.1 document: routes from the resolver, request bodies from the Article model.

    Bodies are read raw (so size, encoding and JSON problems get the same plain-language errors
    as uploads), so the Article schema is attached here rather than inferred from a parameter.
    """
    from newscard.models.article import Article

    document: dict[str, Any] = json.loads(
        app.get_openapi_json_schema(title="Newscard API", version="1.0.0", description=__doc__)
    )
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    article_schema = Article.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(article_schema.pop("$defs", {}))
    schemas["Article"] = article_schema
    schemas.update(FrontPins.model_json_schema(ref_template="#/components/schemas/{model}").pop("$defs", {}))
    schemas["FrontPins"] = FrontPins.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas["FrontPins"].pop("$defs", None)
    schemas["Errors"] = {
        "type": "object",
        "properties": {
            "errors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"loc": {"type": "string"}, "msg": {"type": "string"}},
                    "required": ["loc", "msg"],
                },
            }
        },
        "required": ["errors"],
    }
    body = {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Article"}}},
    }
    errors = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Errors"}}}}
    paths = document["paths"]
    paths["/articles"]["post"]["requestBody"] = body
    paths["/articles"]["post"]["responses"] = {
        "201": {"description": "Published; the manifest", "content": {"application/json": {}}},
        "409": {"description": "The slug belongs to another source", **errors},
        "413": {"description": "Over 1 MiB", **errors},
        "422": {"description": "Rejected", **errors},
    }
    paths["/articles/{slug}"]["put"]["requestBody"] = body
    paths["/articles/{slug}"]["put"]["responses"] = {
        "200": {"description": "Replaced; the manifest", "content": {"application/json": {}}},
        "201": {"description": "Created; the manifest", "content": {"application/json": {}}},
        "409": {"description": "The slug belongs to another source", **errors},
        "413": {"description": "Over 1 MiB", **errors},
        "422": {"description": "Rejected, or not a valid slug", **errors},
    }
    paths["/preview"]["post"]["requestBody"] = body
    paths["/preview"]["post"]["responses"] = {
        "200": {"description": "The card", "content": {"image/jpeg": {}, "image/png": {}}},
        "413": {"description": "Over 1 MiB", **errors},
        "422": {"description": "Rejected", **errors},
    }
    pins = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/FrontPins"}}}}
    paths["/front"]["get"]["responses"] = {"200": {"description": "The pins and their version", **pins}}
    paths["/front"]["put"]["requestBody"] = {"required": True, **pins}
    paths["/front"]["put"]["responses"] = {
        "200": {"description": "Stored; the front page is re-rendered", **pins},
        "409": {"description": "The version changed since it was read", **errors},
        "422": {"description": "Rejected (for example a slug that is not published)", **errors},
    }
    for path, method in (("/articles/{slug}", "get"), ("/articles/{slug}", "delete")):
        paths[path][method]["responses"]["404"] = {"description": "No such article", **errors}
        paths[path][method]["responses"].pop("422", None)
        paths[path][method]["responses"]["422"] = {"description": "Not a valid slug", **errors}
    paths["/articles/{slug}"]["get"]["responses"]["301"] = {
        "description": "The article moved: Location holds its new slug (relative to this URL)",
        "headers": {"Location": {"schema": {"type": "string"}}},
        "content": {"application/json": {}},
    }
    paths["/articles/{slug}"]["delete"]["responses"] = {
        "204": {"description": "Unpublished"},
        **{k: v for k, v in paths["/articles/{slug}"]["delete"]["responses"].items() if k != "200"},
    }
    return document


@logger.inject_lambda_context
@metrics.log_metrics(raise_on_empty_metrics=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
