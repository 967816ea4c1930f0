"""Hostile input, round two (issue 15): delivery, operations, the HTTP surface and the image fuzz.

Reports and logs for keys in odd case, for the last delivery before the dead-letter queue and for
republish; feeds that stay well-formed; CORS preflight and the dev servers' HTTP fidelity; the
one-image-at-a-time loader; and Hypothesis over mutated JPEG, PNG and WebP bytes.
"""

from __future__ import annotations

import copy
import http.client
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from types import ModuleType
from typing import Any
from xml.etree import ElementTree

import boto3
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newscard.dal.memory import MemoryStore
from newscard.devstack import serve_api, serve_site, site_key_for
from newscard.logic import images as image_loading
from newscard.logic.images import ImageLoader, load_article_images
from newscard.logic.publish import Publisher
from newscard.logic.republish import republish_here, republish_via_queue
from newscard.logic.validation import parse_article
from newscard.models.errors import ArticleRejected
from newscard.models.settings import Settings
from newscard.models.site_index import IndexEntry
from newscard.rendering.site import SiteInfo, render_feed, render_news_sitemap
from tests.conftest import (
    ARTICLES_BUCKET,
    ENVIRONMENT,
    SITE_BUCKET,
    STATE_TABLE,
    LambdaContext,
    _fresh_handler_module,
    load_event,
    read_report,
    s3_record,
    seed_document,
    sqs_event,
)
from tests.reliability import hostile_images as images

SETTINGS = Settings.from_env(ENVIRONMENT)


def text_only(**changes: Any) -> bytes:
    document = seed_document(**{"hero": None, "body": [{"type": "paragraph", "text": "Body."}], **changes})
    return json.dumps(document).encode()


# --- Delivery and operations ---------------------------------------------------------------------


@pytest.mark.parametrize("key", ["incoming/x.JSON", "incoming/Mixed.Json", "incoming/deep/y.jSoN"])
def test_an_upload_with_json_in_any_case_gets_a_report(s3: Any, handler: ModuleType, key: str) -> None:
    s3.put_object(Bucket=ARTICLES_BUCKET, Key=key, Body=text_only(slug="any-case"))
    response = handler.lambda_handler(sqs_event(s3_record("created", key)), LambdaContext())
    assert response == {"batchItemFailures": []}
    assert read_report(s3, "reports/" + key.removeprefix("incoming/"))["status"] == "published"


def _failing_record(s3: Any, receive_count: int) -> dict[str, Any]:
    s3.put_object(Bucket=ARTICLES_BUCKET, Key="incoming/a.json", Body=text_only(slug="a"))
    s3.delete_bucket(Bucket=SITE_BUCKET)  # every site write now fails: a storage outage
    event = sqs_event(s3_record("created", "incoming/a.json"))
    event["Records"][0]["attributes"]["ApproximateReceiveCount"] = str(receive_count)
    return event


@pytest.mark.parametrize(
    ("receive_count", "said"),
    [(1, "will be retried"), (4, "will be retried"), (5, "dead-letter queue"), (6, "dead-letter queue")],
)
def test_the_report_of_a_failed_delivery_says_whether_it_will_be_retried_or_went_to_the_dlq(
    s3: Any, handler: ModuleType, caplog: pytest.LogCaptureFixture, receive_count: int, said: str
) -> None:
    # Given a storage outage and a message on its nth delivery (the template's maxReceiveCount is 5)
    response = handler.lambda_handler(_failing_record(s3, receive_count), LambdaContext())

    # Then the message fails (SQS retries or dead-letters it) and the report says which
    assert response == {"batchItemFailures": [{"itemIdentifier": "message-0"}]}
    report = read_report(s3, "reports/a.json")
    assert report["status"] == "failed"
    assert said in report["errors"][0]["msg"]
    if said == "dead-letter queue":
        assert "retried" not in report["errors"][0]["msg"]
    # And the cause is logged at ERROR, with the key, the delivery count and the traceback
    errors = [record for record in caplog.records if record.levelname == "ERROR"]
    assert errors, caplog.records
    assert getattr(errors[0], "key", None) == "incoming/a.json"
    assert getattr(errors[0], "receive_count", None) == str(receive_count)
    assert errors[0].exc_info is not None and "NoSuchBucket" in str(errors[0].exc_info[1])


def _publisher(site: MemoryStore, sources: MemoryStore) -> Publisher:
    return Publisher(site=site, images=ImageLoader(sources), settings=SETTINGS, sources=sources)


def test_republish_skips_past_a_bad_stored_source_and_reports_it() -> None:
    site, sources = MemoryStore(), MemoryStore()
    publisher = _publisher(site, sources)
    for slug in ("first", "second", "third"):
        publisher.publish(text_only(slug=slug))
    # A source stored before the rules were tightened (a lone surrogate), and one that vanished
    sources.put(
        "api/first.json", text_only(slug="first", headline="Bad \ud800"), content_type="application/json"
    )
    sources.delete("api/second.json")

    outcome = republish_here(publisher, sources, progress=lambda *_: None)

    assert outcome["rejected"] == ["first"]
    assert outcome["source missing"] == ["second"]
    assert outcome["republished"] == ["third"]
    assert site.exists("articles/first/index.html")  # the live page is left alone


def test_the_api_keeps_no_source_for_an_article_it_rejected() -> None:
    site, sources = MemoryStore(), MemoryStore()
    publisher = _publisher(site, sources)
    with pytest.raises(ArticleRejected):
        publisher.publish(text_only(slug="bad", headline="\ud800"))
    sources.put("assets/broken.jpg", images.truncated_jpeg(), content_type="image/jpeg")
    with pytest.raises(ArticleRejected):  # valid text, undecodable image: rejected after validation
        publisher.publish(text_only(slug="bad", hero={"src": "assets/broken.jpg", "alt": "x"}))
    assert list(sources.list_keys("api/")) == []


def test_republish_through_the_queue_retries_refused_entries_then_reports_them() -> None:
    site, sources = MemoryStore(), MemoryStore()
    publisher = _publisher(site, sources)
    for index in range(12):
        publisher.publish(text_only(slug=f"a{index:02d}"))
    calls: list[list[str]] = []

    def send(bodies: list[str]) -> list[int]:
        # SendMessageBatch's partial failure: entry 1 of the first batch fails once (throttled);
        # a01's message is refused every time.
        calls.append(bodies)
        keys = [json.loads(body)["Records"][0]["s3"]["object"]["key"] for body in bodies]
        return [i for i, key in enumerate(keys) if key == "api/a01.json" or (len(calls) == 1 and i == 2)]

    outcome = republish_via_queue(site, send, sleep=lambda _: None)

    assert outcome.failed == ["api/a01.json"]
    assert outcome.queued == 11
    assert len(calls) == 2 + 3  # two batches, then a01's three retries (a02 went on the first)


# --- Listings stay well-formed XML ---------------------------------------------------------------


def test_feed_and_sitemap_stay_well_formed_even_if_the_index_holds_characters_xml_forbids() -> None:
    # A listing entry written before validation rejected these: U+FFFE, U+FFFF, a C0 control
    now = datetime.now(UTC)
    entry = IndexEntry(
        slug="xml",
        url="https://news.example.com/articles/xml/",
        path="articles/xml/",
        headline="A\ufffeB\uffffC\x01D",
        dek="\ud800dek",
        section="World",
        section_slug="world",
        language="en",
        published_at=now,
    )
    info = SiteInfo("Site \uffff", "https://news.example.com")
    feed = ElementTree.fromstring(render_feed([entry], info, now=now).encode("utf-8"))
    sitemap = ElementTree.fromstring(render_news_sitemap([entry], info, now=now).encode("utf-8"))
    atom = "{http://www.w3.org/2005/Atom}"
    assert feed.findtext(f"{atom}entry/{atom}title") == "ABCD"
    assert [e.text for e in sitemap.iter() if e.tag.endswith("}title")] == ["ABCD"]


# --- The HTTP API: CORS preflight and the documented error shape ----------------------------------


@pytest.fixture
def cors_api(s3: Any, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.setenv("CORS_ORIGINS", "https://cms.example.com,https://studio.example.com")
    return _fresh_handler_module("api")


def _request(method: str, path: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    event = copy.deepcopy(load_event("api-get-article.json"))
    event.update(httpMethod=method, path=path, resource=path, body=None, isBase64Encoded=False)
    event["headers"] = headers or {}
    event["multiValueHeaders"] = {name: [value] for name, value in (headers or {}).items()}
    event["pathParameters"] = None
    event["requestContext"]["httpMethod"] = method
    return event


@pytest.mark.parametrize("path", ["/articles", "/articles/some-slug", "/preview"])
@pytest.mark.parametrize("origin", ["https://cms.example.com", "https://studio.example.com"])
def test_a_cors_preflight_is_answered_for_each_listed_origin(
    cors_api: ModuleType, path: str, origin: str
) -> None:
    headers = {"Origin": origin, "Access-Control-Request-Method": "POST"}
    response = cors_api.lambda_handler(_request("OPTIONS", path, headers), LambdaContext())
    assert response["statusCode"] == 204
    answered = {k.lower(): v for k, v in response["multiValueHeaders"].items()}
    assert answered["access-control-allow-origin"] == [origin]
    assert "POST" in answered["access-control-allow-methods"][0]


def test_a_preflight_from_an_unlisted_origin_gets_no_cors_grant(cors_api: ModuleType) -> None:
    headers = {"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
    response = cors_api.lambda_handler(_request("OPTIONS", "/articles", headers), LambdaContext())
    answered = {k.lower() for k in response.get("multiValueHeaders", {})}
    assert "access-control-allow-origin" not in answered


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("PATCH", "/articles/some-slug", 405), ("GET", "/articles", 405), ("GET", "/nowhere", 404)],
)
def test_an_unknown_route_or_method_answers_in_the_documented_shape(
    api: ModuleType, method: str, path: str, status: int
) -> None:
    response = api.lambda_handler(_request(method, path), LambdaContext())
    assert response["statusCode"] == status
    body = json.loads(response["body"])
    assert set(body) == {"errors"} and body["errors"][0]["loc"] == "" and body["errors"][0]["msg"]


# --- The dev servers behave like CloudFront and API Gateway ----------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/_index/articles.json",
        "/%2F_index/articles.json",
        "/%5Findex/articles.json",
        "//_index/a",
        "/a/%2e%2e/_x",
    ],
)
def test_the_dev_site_hides_what_the_edge_hides(path: str) -> None:
    assert site_key_for(path) is None


class _Stack:
    """What serve_site and serve_api need of a DevStack, over the in-process moto of the fixtures."""

    def __init__(self, s3: Any, api: ModuleType) -> None:
        self._s3, self._api = s3, api
        self.names = {"SiteBucket": SITE_BUCKET, "SiteStateTable": STATE_TABLE}

    def client(self, name: str) -> Any:
        return self._s3 if name == "s3" else boto3.client(name, region_name="us-east-1")

    def api_handler(self) -> ModuleType:
        return self._api


@pytest.fixture
def servers(s3: Any, api: ModuleType) -> Iterator[tuple[int, int]]:
    stack = _Stack(s3, api)
    site = serve_site(stack, "127.0.0.1", 0)  # type: ignore[arg-type]
    http_api = serve_api(stack, "127.0.0.1", 0)  # type: ignore[arg-type]
    try:
        yield site.server_address[1], http_api.server_address[1]
    finally:
        site.shutdown()
        http_api.shutdown()


def _raw_request(port: int, request: bytes) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    connection.connect()
    assert connection.sock is not None
    connection.sock.sendall(request)
    response = http.client.HTTPResponse(connection.sock, method=request.split(b" ", 1)[0].decode())
    response.begin()
    body = response.read()
    connection.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, body


@pytest.mark.enable_socket
def test_the_dev_servers_answer_head_bad_lengths_and_hidden_paths_like_aws(
    s3: Any, servers: tuple[int, int]
) -> None:
    site_port, api_port = servers
    s3.put_object(Bucket=SITE_BUCKET, Key="feed.xml", Body=b"<feed/>", ContentType="application/atom+xml")
    s3.put_object(Bucket=SITE_BUCKET, Key="_index/articles.json", Body=b"{}")

    # HEAD: GET's headers, no body (CloudFront), not 501
    status, headers, body = _raw_request(site_port, b"HEAD /feed.xml HTTP/1.1\r\nHost: x\r\n\r\n")
    assert (status, headers["content-length"], body) == (200, "7", b"")
    # A directory URL without its slash is redirected to it, as at the edge
    status, headers, _ = _raw_request(site_port, b"GET /articles/a-slug HTTP/1.1\r\nHost: x\r\n\r\n")
    assert (status, headers["location"]) == (301, "/articles/a-slug/")
    # The site index is hidden however its slash is spelled
    for path in (b"/_index/articles.json", b"/%2F_index/articles.json", b"/%5Findex/articles.json"):
        assert _raw_request(site_port, b"GET " + path + b" HTTP/1.1\r\nHost: x\r\n\r\n")[0] == 404

    # A Content-Length that is not a number, or a body shorter than it says: 400 with the error shape
    for length in (b"abc", b"-5", b"1e3"):
        request = b"POST /articles HTTP/1.1\r\nHost: x\r\nContent-Length: " + length + b"\r\n\r\n{}"
        status, _, body = _raw_request(api_port, request)
        assert status == 400 and json.loads(body)["errors"][0]["msg"], (length, body)
    # A method the route does not have: the documented {"errors": [...]} shape, never Powertools' own
    status, _, body = _raw_request(
        api_port, b"PATCH /articles/x HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"
    )
    assert status in (404, 405) and set(json.loads(body)) == {"errors"}
    # A method no route has (refused by http.server itself): the same shape, not an HTML page
    status, headers, body = _raw_request(api_port, b"TRACE /articles HTTP/1.1\r\nHost: x\r\n\r\n")
    assert status == 405 and headers["content-type"] == "application/json" and json.loads(body)["errors"]
    # HEAD on the API is answered (GET without a body)
    status, _, body = _raw_request(api_port, b"HEAD /articles/x HTTP/1.1\r\nHost: x\r\n\r\n")
    assert status == 404 and body == b""


# --- Memory: images are held one at a time --------------------------------------------------------


class CountingStore(MemoryStore):
    def __init__(self) -> None:
        super().__init__()
        self.gets: list[str] = []

    def get(self, key: str) -> Any:
        self.gets.append(key)
        return super().get(key)


def test_past_the_byte_budget_images_are_fetched_again_rather_than_held(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    photo = images.jpeg((600, 400))
    monkeypatch.setattr(image_loading, "KEEP_BYTES", len(photo) * 2)
    store = CountingStore()
    body = [{"type": "image", "src": f"assets/{index}.jpg", "alt": "x"} for index in range(6)]
    for index in range(6):
        store.put(f"assets/{index}.jpg", photo, content_type="image/jpeg")
    article = parse_article(text_only(body=body, hero={"src": "assets/0.jpg", "alt": "x"}))

    loaded = load_article_images(article, ImageLoader(store))

    assert len(loaded) == 6 and "assets/5.jpg" in loaded
    assert store.gets == [f"assets/{index}.jpg" for index in range(6)]  # each checked once, in turn
    assert loaded["assets/5.jpg"] == photo  # beyond the budget: fetched again on use
    assert store.gets[-1] == "assets/5.jpg"
    assert loaded["assets/0.jpg"] is loaded["assets/0.jpg"]  # the hero is kept


# --- Fuzz: mutated JPEG, PNG and WebP bytes are published or rejected, never an exception ----------

SEEDS = {
    "jpeg": images.jpeg((96, 64)),
    "progressive jpeg": images.jpeg((96, 64), progressive=True),
    "png": images.png((96, 64)),
    "webp": images.webp(),
}

mutations = st.lists(
    st.one_of(
        st.tuples(st.just("set"), st.integers(0, 10**6), st.integers(0, 255)),
        st.tuples(st.just("cut"), st.integers(0, 10**6), st.just(0)),
        st.tuples(st.just("insert"), st.integers(0, 10**6), st.integers(0, 255)),
        st.tuples(st.just("repeat"), st.integers(0, 10**6), st.integers(1, 64)),
    ),
    min_size=1,
    max_size=6,
)


def mutate(data: bytes, steps: list[tuple[str, int, int]]) -> bytes:
    buffer = bytearray(data)
    for kind, position, value in steps:
        at = position % max(len(buffer), 1)
        if kind == "set" and buffer:
            buffer[at] = value
        elif kind == "cut":
            del buffer[at:]
        elif kind == "insert":
            buffer.insert(at, value)
        elif kind == "repeat":
            buffer[at:at] = bytes(buffer[at : at + 32]) * value
    return bytes(buffer)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(seed=st.sampled_from(sorted(SEEDS)), steps=mutations)
def test_mutated_image_bytes_are_published_or_rejected_never_an_exception(
    seed: str, steps: list[tuple[str, int, int]]
) -> None:
    store = MemoryStore()
    store.put("assets/fuzz", mutate(SEEDS[seed], steps), content_type="application/octet-stream")
    raw = text_only(
        slug="fuzz",
        hero={"src": "assets/fuzz", "alt": "x"},
        body=[{"type": "paragraph", "text": "x"}, {"type": "image", "src": "assets/fuzz", "alt": "x"}],
    )
    publisher = Publisher(site=MemoryStore(), images=ImageLoader(store), settings=SETTINGS)
    try:
        outcome = publisher.publish(raw)
    except ArticleRejected as rejection:
        assert {problem.loc for problem in rejection.problems} <= {"/hero/src", "/body/1/src"}
        assert all(problem.msg for problem in rejection.problems)
    else:
        assert outcome.status == "published"


def test_the_fuzz_seeds_themselves_publish() -> None:
    for data in SEEDS.values():
        store = MemoryStore()
        store.put("assets/fuzz", data, content_type="application/octet-stream")
        raw = text_only(slug="fuzz", hero={"src": "assets/fuzz", "alt": "x"})
        publisher = Publisher(site=MemoryStore(), images=ImageLoader(store), settings=SETTINGS)
        assert publisher.publish(raw).status == "published"


def test_a_theme_logo_that_cannot_be_decoded_fails_the_cold_start_naming_the_variable(s3: Any) -> None:
    from newscard.handlers.wiring import build_publisher
    from newscard.models.errors import ConfigurationError

    s3.put_object(Bucket=ARTICLES_BUCKET, Key="assets/logo.png", Body=images.png_with_cut_idat())
    settings = Settings.from_env({**ENVIRONMENT, "THEME_LOGO_KEY": "assets/logo.png"})
    with pytest.raises(ConfigurationError, match=r"THEME_LOGO_KEY assets/logo\.png: the image is damaged"):
        build_publisher(settings, s3)


def test_a_preview_of_a_scheduled_article_is_allowed_but_publishing_it_early_is_not() -> None:
    from datetime import timedelta

    site, sources = MemoryStore(), MemoryStore()
    publisher = _publisher(site, sources)
    tomorrow_and_more = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    raw = text_only(slug="scheduled", published_at=tomorrow_and_more)
    assert publisher.preview(raw, "og").data  # a CMS shows the card before the article is due
    with pytest.raises(ArticleRejected) as caught:
        publisher.publish(raw)
    assert [p.loc for p in caught.value.problems] == ["/published_at"]
    assert site.list_keys("articles/") is not None and not list(site.list_keys("articles/"))


def test_a_text_body_holding_a_lone_surrogate_is_422_not_a_server_error(api: ModuleType) -> None:
    event = copy.deepcopy(load_event("api-post-articles.json"))
    event["body"], event["isBase64Encoded"] = '{"headline": "\ud800"}', False
    response = api.lambda_handler(event, LambdaContext())
    assert response["statusCode"] == 422
    assert "not UTF-8" in json.loads(response["body"])["errors"][0]["msg"]
