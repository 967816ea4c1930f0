"""Hostile input, round two (issue 15): every family through all three doors.

The doors are the S3 upload handler (moto S3, a real SQS-wrapped notification), the HTTP API
handler (an API Gateway event) and the command line (`newscard render`, which publishes into a
folder). Each case must end in a `rejected` outcome whose error is located at the field, or in a
correct publish: never an exception, a retry, a blank image or an ill-formed file.
"""

from __future__ import annotations

import base64
import copy
import io
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from PIL import Image

from newscard.cli import main
from tests.conftest import (
    ARTICLES_BUCKET,
    SITE_BUCKET,
    LambdaContext,
    _fresh_handler_module,
    load_event,
    read_report,
    s3_record,
    seed_document,
    sqs_event,
)
from tests.reliability import hostile_images as images

ALLOWED_HOST = "images.example.com"


@dataclass
class Outcome:
    status: str  # published | rejected
    errors: list[dict[str, str]]
    hero: Image.Image | None = None  # the hero's page rendition, when published


# A document as an editor wrote it: a dict, or raw bytes for what json.dumps cannot write.
Document = dict[str, Any] | bytes
Door = Callable[[Document, dict[str, bytes]], Outcome]


def _raw(document: Document) -> bytes:
    return document if isinstance(document, bytes) else json.dumps(document).encode()


def article(**changes: Any) -> dict[str, Any]:
    """A text-only article (no seed images), changed as the case needs."""
    base = {"hero": None, "body": [{"type": "paragraph", "text": "Body."}], "slug": "case"}
    return seed_document(**{**base, **changes})


def with_hero(src: str = "assets/photo") -> dict[str, Any]:
    return article(hero={"src": src, "alt": "A photo"})


def with_body_image(src: str = "assets/photo") -> dict[str, Any]:
    body = [
        {"type": "paragraph", "text": "One."},
        {"type": "paragraph", "text": "Two."},
        {"type": "heading", "text": "Three"},
        {"type": "image", "src": src, "alt": "A photo"},
    ]
    return article(body=body)


def _rendition(images_found: list[bytes]) -> Image.Image | None:
    return Image.open(io.BytesIO(images_found[0])).convert("RGB") if images_found else None


@pytest.fixture(params=["s3", "api", "cli"])
def door(
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> Door:
    """Publish a document (and its assets) through one door; the outcome as the editor sees it."""
    if request.param == "cli":
        monkeypatch.setenv("ASSET_HOSTS", ALLOWED_HOST)
        monkeypatch.setenv("SITE_BASE_URL", "https://news.example.com")

        def via_cli(document: Document, assets: dict[str, bytes]) -> Outcome:
            for key, body in assets.items():
                (tmp_path / key).parent.mkdir(parents=True, exist_ok=True)
                (tmp_path / key).write_bytes(body)
            source = tmp_path / "article.json"
            source.write_bytes(_raw(document))
            capsys.readouterr()
            code = main(["render", str(source), "--out", str(tmp_path / "site")])
            printed = capsys.readouterr().out
            if code == 0:
                heroes = sorted((tmp_path / "site" / "images").glob("*/hero-*.jpg"))
                return Outcome("published", [], _rendition([path.read_bytes() for path in heroes]))
            assert "rejected" in printed, printed
            errors = [
                {"loc": "" if loc == "/" else loc, "msg": msg}
                for loc, msg in re.findall(r"^  (\S+): (.*)$", printed, re.M)
            ]
            return Outcome("rejected", errors)

        return via_cli

    environment = request.getfixturevalue("environment")
    monkeypatch.setenv("ASSET_HOSTS", ALLOWED_HOST)
    environment["ASSET_HOSTS"] = ALLOWED_HOST
    s3 = request.getfixturevalue("s3")

    def put_assets(assets: dict[str, bytes]) -> None:
        for key, body in assets.items():
            s3.put_object(Bucket=ARTICLES_BUCKET, Key=key, Body=body)

    def hero_rendition() -> Image.Image | None:
        listed = s3.list_objects_v2(Bucket=SITE_BUCKET, Prefix="images/").get("Contents", [])
        keys = [item["Key"] for item in listed if "/hero-" in item["Key"]]
        return _rendition([s3.get_object(Bucket=SITE_BUCKET, Key=key)["Body"].read() for key in keys])

    if request.param == "s3":
        handler = _fresh_handler_module("s3_events")

        def via_s3(document: Document, assets: dict[str, bytes]) -> Outcome:
            put_assets(assets)
            key = "incoming/case.json"
            s3.put_object(Bucket=ARTICLES_BUCKET, Key=key, Body=_raw(document))
            response = handler.lambda_handler(sqs_event(s3_record("created", key)), LambdaContext())
            assert response == {"batchItemFailures": []}  # never a retry
            report = read_report(s3, "reports/case.json")
            assert report["status"] in ("published", "rejected"), report
            return Outcome(report["status"], report["errors"], hero_rendition())

        return via_s3

    api = _fresh_handler_module("api")

    def via_api(document: Document, assets: dict[str, bytes]) -> Outcome:
        put_assets(assets)
        event = copy.deepcopy(load_event("api-post-articles.json"))
        event["body"] = base64.b64encode(_raw(document)).decode()
        event["isBase64Encoded"] = True
        response = api.lambda_handler(event, LambdaContext())
        if response["statusCode"] == 201:
            return Outcome("published", [], hero_rendition())
        assert response["statusCode"] == 422, response
        # A rejected article leaves nothing behind: not even its source under api/.
        assert "Contents" not in s3.list_objects_v2(Bucket=ARTICLES_BUCKET, Prefix="api/")
        return Outcome("rejected", json.loads(response["body"])["errors"])

    return via_api


def assert_rejected_at(outcome: Outcome, loc: str, fragment: str) -> None:
    assert outcome.status == "rejected", outcome
    assert any(error["loc"] == loc and fragment in error["msg"] for error in outcome.errors), outcome.errors


# --- Images that pass the header check but cannot be decoded or encoded -------------------------

UNDECODABLE: dict[str, tuple[Callable[[], bytes], str]] = {
    "truncated JPEG": (images.truncated_jpeg, "damaged or incomplete"),
    "PNG with its image data cut short": (images.png_with_cut_idat, "damaged or incomplete"),
    "PNG taller than a JPEG can be": (images.png_too_tall_for_jpeg, "at most 65,500 pixels"),
    "progressive JPEG with thousands of scans": (images.jpeg_with_many_scans, "scans"),
}


@pytest.mark.parametrize("where", ["hero", "body"])
@pytest.mark.parametrize("name", list(UNDECODABLE))
def test_an_image_that_cannot_be_decoded_is_rejected_at_its_src(door: Door, name: str, where: str) -> None:
    make, fragment = UNDECODABLE[name]
    document = with_hero() if where == "hero" else with_body_image()
    started = time.perf_counter()
    outcome = door(document, {"assets/photo": make()})
    assert_rejected_at(outcome, "/hero/src" if where == "hero" else "/body/3/src", fragment)
    # Bounded: refused from the header or after one failed decode, never minutes of work.
    assert time.perf_counter() - started < 20


def test_the_preview_refuses_a_slow_or_broken_hero_quickly(api: ModuleType, s3: Any) -> None:
    for make in (images.jpeg_with_many_scans, images.truncated_jpeg):
        s3.put_object(Bucket=ARTICLES_BUCKET, Key="assets/photo", Body=make())
        event = copy.deepcopy(load_event("api-post-preview.json"))
        event["body"] = base64.b64encode(json.dumps(with_hero()).encode()).decode()
        event["isBase64Encoded"] = True
        started = time.perf_counter()
        response = api.lambda_handler(event, LambdaContext())
        assert time.perf_counter() - started < 10
        assert response["statusCode"] == 422
        assert json.loads(response["body"])["errors"][0]["loc"] == "/hero/src"


# --- Pixel formats: published, and looking right -------------------------------------------------


def _centre(image: Image.Image | None) -> tuple[int, int, int]:
    assert image is not None
    pixel = image.getpixel((image.width // 2, image.height // 2))
    assert isinstance(pixel, tuple)
    return (int(pixel[0]), int(pixel[1]), int(pixel[2]))


def test_a_16_bit_greyscale_png_publishes_grey_not_white(door: Door) -> None:
    outcome = door(with_hero(), {"assets/photo": images.grey16_png(0x8000)})
    assert outcome.status == "published", outcome
    assert all(120 <= channel <= 136 for channel in _centre(outcome.hero))


def test_a_multi_picture_camera_jpeg_publishes_its_first_frame(door: Door) -> None:
    outcome = door(with_hero(), {"assets/photo": images.mpo(first=(30, 110, 200), second=(200, 40, 40))})
    assert outcome.status == "published", outcome
    red, _, blue = _centre(outcome.hero)
    assert blue > 180 and red < 60  # the first frame (blue), not the second (red)


@pytest.mark.parametrize("make", [images.p3_jpeg, images.p3_palette_png])
def test_a_display_p3_photo_is_converted_to_srgb(door: Door, make: Callable[[], bytes]) -> None:
    outcome = door(with_hero(), {"assets/photo": make()})
    assert outcome.status == "published", outcome
    red, green, blue = _centre(outcome.hero)
    # P3 (200, 90, 60) is more saturated than sRGB (200, 90, 60): red up, blue down. Untouched, it
    # would come out as the same numbers, i.e. washed out.
    assert red >= 210 and blue <= 50, (red, green, blue)


@pytest.mark.parametrize(
    "make", [images.palette_png, images.grey_alpha_png, images.cmyk_jpeg, images.webp, images.png]
)
def test_other_pixel_formats_publish(door: Door, make: Callable[[], bytes]) -> None:
    outcome = door(with_hero(), {"assets/photo": make()})
    assert outcome.status == "published", outcome
    assert outcome.hero is not None and outcome.hero.getextrema() != ((255, 255),) * 3  # not blank white


# --- Text that is not text -----------------------------------------------------------------------

SURROGATE = "\ud800"


def _text_cases() -> dict[str, tuple[dict[str, Any], str, str]]:
    hero = {"src": "https://images.example.com/a.jpg", "alt": f"Alt {SURROGATE}"}
    zero_width = "\u200b\u200c\u200d\u2060\ufeff"
    # +01:00: still in the year 9999 in UTC, so the future policy speaks, not the calendar's end.
    year_9999 = "9999-12-31T23:59:59+01:00"
    return {
        "lone surrogate in the headline": (article(headline=f"Bad {SURROGATE}"), "/headline", "U+D800"),
        "lone surrogate in the dek": (article(dek=f"\udfff{SURROGATE}"), "/dek", "surrogate"),
        "lone surrogate in the hero alt": (article(hero=hero), "/hero/alt", "U+D800"),
        "lone surrogate in a paragraph": (
            article(body=[{"type": "paragraph", "text": f"x{SURROGATE}"}]),
            "/body/0/text",
            "U+D800",
        ),
        "lone surrogate in an author": (article(authors=[{"name": SURROGATE}]), "/authors/0/name", "U+D800"),
        "lone surrogate in a tag": (article(tags=["ok", f"t{SURROGATE}"]), "/tags/1", "U+D800"),
        "lone surrogate in a field name": (article(**{f"x{SURROGATE}": 1}), "/x\\ud800", "U+D800"),
        "U+FFFE in the headline": (article(headline="Feed \ufffe breaker"), "/headline", "U+FFFE"),
        "U+FFFF in the section": (article(section="News\uffff"), "/section", "U+FFFF"),
        "U+FDD0 in the dek": (article(dek="\ufdd0"), "/dek", "U+FDD0"),
        "plane-16 noncharacter in a tag": (article(tags=["\U0010fffe"]), "/tags/0", "U+10FFFE"),
        "headline of zero-width characters": (article(headline=zero_width), "/headline", "visible"),
        "headline of combining marks": (article(headline="\u0301\u0308\u20dd"), "/headline", "visible"),
        "headline of Hangul fillers": (article(headline="\u3164 \u115f"), "/headline", "visible"),
        "published in the year 9999": (article(published_at=year_9999), "/published_at", "future"),
        "updated in the year 9999": (article(updated_at=year_9999), "/updated_at", "future"),
        # Valid RFC 3339 whose UTC day is before year 1: the listings file articles by UTC day.
        "published before year 1 in UTC": (
            article(published_at="0001-01-01T00:00:00+14:00"),
            "/published_at",
            "before the year 0001",
        ),
    }


TEXT_CASES = _text_cases()


@pytest.mark.parametrize("name", list(TEXT_CASES))
def test_text_that_is_not_text_is_rejected_at_the_field(door: Door, name: str) -> None:
    document, loc, fragment = TEXT_CASES[name]
    assert_rejected_at(door(document, {}), loc, fragment)


def test_a_field_given_twice_is_rejected_at_the_field(door: Door) -> None:
    # json.loads would keep the second headline and drop the first without a word.
    raw = json.dumps(article(headline="Second")).replace('{"headline"', '{"headline": "First", "headline"', 1)
    assert_rejected_at(door(raw.encode(), {}), "/headline", "more than once")


# --- URLs: the rules validation and fetching share ------------------------------------------------

URL_CASES: dict[str, tuple[str, str]] = {
    "port out of range": (f"https://{ALLOWED_HOST}:99999/a.jpg", "port"),
    "another port": (f"https://{ALLOWED_HOST}:8443/a.jpg", "port"),
    "malformed IPv6": ("https://[::1/a.jpg", "malformed"),
    "metadata service": ("https://169.254.169.254/latest/meta-data/", "private"),
    "metadata service, decimal": ("https://2852039166/a.jpg", "private"),
    "NAT64 of the metadata service": ("https://[64:ff9b::a9fe:a9fe]/a.jpg", "private"),
    "IPv4-compatible loopback": ("https://[::127.0.0.1]/a.jpg", "private"),
    "IPv4-mapped private": ("https://[::ffff:10.0.0.1]/a.jpg", "private"),
    "6to4 of a private address": ("https://[2002:c0a8:0101::1]/a.jpg", "private"),
    "credentials": (f"https://user:pw@{ALLOWED_HOST}/a.jpg", "user name"),
    "localhost": ("https://localhost/a.jpg", "local host"),
    "cloud-internal name": ("https://metadata.google.internal/a.jpg", "local host"),
}


@pytest.mark.parametrize("name", list(URL_CASES))
def test_an_image_url_off_the_rules_is_a_validation_error(door: Door, name: str) -> None:
    url, fragment = URL_CASES[name]
    assert_rejected_at(door(with_body_image(url), {}), "/body/3/src", fragment)


@pytest.mark.parametrize("name", list(URL_CASES))
def test_validate_applies_the_same_url_rules_as_publishing(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url, fragment = URL_CASES[name]
    source = tmp_path / "a.json"
    source.write_text(json.dumps(with_hero(url)))
    assert main(["validate", str(source)]) == 1
    printed = capsys.readouterr().out
    assert "/hero/src:" in printed and fragment in printed, printed


def test_validate_with_assets_decodes_images_as_publishing_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "photo").write_bytes(images.truncated_jpeg())
    source = tmp_path / "a.json"
    source.write_text(json.dumps(with_body_image()))
    assert main(["validate", str(source)]) == 0  # the document alone is fine
    assert main(["validate", str(source), "--assets", str(tmp_path)]) == 1
    assert "/body/3/src: the image is damaged" in capsys.readouterr().out


def test_validate_prints_the_reason_for_text_that_is_not_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, (document, loc, fragment) in TEXT_CASES.items():
        source = tmp_path / "a.json"
        source.write_text(json.dumps(document))
        assert main(["validate", str(source)]) == 1, name
        printed = capsys.readouterr().out
        assert f"{loc}:" in printed and fragment in printed, (name, printed)
