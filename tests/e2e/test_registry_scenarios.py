"""Issue 11's problems, each as a newsroom meets it: `newscard dev --workers 4`, files uploaded with
plain boto3, the site and API read over HTTP. After the queue drains, what a reader sees must hold:
pages and listings answer 200, every image and card they reference answers 200, reports match."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import boto3
import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTICLES = "newscard-articlesbucket-dev"
WORKERS = 4

pytestmark = [pytest.mark.enable_socket, pytest.mark.slow]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a 301 is what we want to see, not follow


_OPENER = urllib.request.build_opener(_NoRedirect)


def http(method: str, url: str, body: bytes | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, data=body, method=method)
    try:
        with _OPENER.open(request, timeout=60) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@dataclass
class Dev:
    process: subprocess.Popen[str]
    api: str
    site: str
    s3: Any
    sqs: Any
    queue_url: str
    log: list[str]

    def upload(self, key: str, document: dict[str, Any] | bytes) -> None:
        body = document if isinstance(document, bytes) else json.dumps(document).encode()
        self.s3.put_object(Bucket=ARTICLES, Key=key, Body=body)

    def delete(self, key: str) -> None:
        self.s3.delete_object(Bucket=ARTICLES, Key=key)

    def report(self, key: str) -> dict[str, Any]:
        name = "reports/" + key.removeprefix("incoming/")
        return dict(json.loads(self.s3.get_object(Bucket=ARTICLES, Key=name)["Body"].read()))

    def drain(self, timeout: float = 120) -> None:
        """Wait until the queue has nothing waiting or in flight (three looks in a row)."""
        deadline, quiet = time.monotonic() + timeout, 0
        while quiet < 3:
            assert time.monotonic() < deadline, "the queue did not drain:\n" + "".join(self.log[-30:])
            attributes = self.sqs.get_queue_attributes(
                QueueUrl=self.queue_url,
                AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
            )["Attributes"]
            busy = int(attributes["ApproximateNumberOfMessages"]) + int(
                attributes["ApproximateNumberOfMessagesNotVisible"]
            )
            quiet = quiet + 1 if busy == 0 else 0
            time.sleep(0.3)

    def page(self, slug: str) -> tuple[int, str]:
        status, _, body = http("GET", f"{self.site}/articles/{slug}/")
        return status, body.decode("utf-8", "replace")


@pytest.fixture(scope="module")
def dev() -> Iterator[Dev]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ARTICLES_", "SITE_"))}
    command = [sys.executable, "-m", "newscard.cli", "dev", "--workers", str(WORKERS)]
    command += ["--s3-port", "0", "--api-port", "0", "--site-port", "0"]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=ROOT
    )
    assert process.stdout is not None
    banner, deadline = "", time.monotonic() + 90
    while "API:" not in banner and time.monotonic() < deadline:
        banner += process.stdout.readline()
    assert f"publish workers: {WORKERS}" in banner, banner
    endpoints = dict(re.findall(r"^\s+(S3 endpoint|API|site):\s+(\S+)", banner, flags=re.MULTILINE))
    log: list[str] = []
    threading.Thread(target=lambda: log.extend(process.stdout or []), daemon=True).start()
    credentials = {"region_name": "us-east-1", "aws_access_key_id": "a", "aws_secret_access_key": "a"}
    s3 = boto3.client("s3", endpoint_url=endpoints["S3 endpoint"], **credentials)
    sqs = boto3.client("sqs", endpoint_url=endpoints["S3 endpoint"], **credentials)
    for image in (ROOT / "examples" / "assets").glob("*.jpg"):
        s3.put_object(Bucket=ARTICLES, Key=f"assets/{image.name}", Body=image.read_bytes())
    queue_url = sqs.get_queue_url(QueueName="newscard-uploadsqueue-dev")["QueueUrl"]
    yield Dev(process, endpoints["API"], endpoints["site"].rstrip("/"), s3, sqs, queue_url, log)
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)


def article(headline: str, **fields: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "headline": headline,
        "section": "World",
        "published_at": "2026-11-30T08:00:00+00:00",
        "hero": {"src": "assets/european-leaders.jpg", "alt": "Leaders at a summit"},
        "body": [{"type": "paragraph", "text": f"About {headline}."}],
    }
    document.update(fields)
    return {k: v for k, v in document.items() if v is not None}


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            is_url_meta = tag == "meta" and name == "content" and (value or "").startswith("http")
            if value and (name in ("href", "src") or is_url_meta):
                self.refs.append(value)


def broken_references(dev: Dev) -> list[str]:
    """Every article page, card and image the front page, the section pages and each listed page
    reference, fetched; those that do not answer 200."""
    site_host = urlsplit(dev.site).netloc
    seen: dict[str, int] = {}
    to_visit = [f"{dev.site}/"]
    while to_visit:
        url = to_visit.pop()
        if url in seen:
            continue
        status, headers, body = http("GET", url)
        seen[url] = status
        if status != 200 or not headers.get("Content-Type", "").startswith("text/html"):
            continue
        parser = _Links()
        parser.feed(body.decode("utf-8", "replace"))
        for ref in parser.refs:
            target = urljoin(url, ref).split("#")[0]
            parts = urlsplit(target)
            if parts.netloc == site_host and parts.path.startswith(
                ("/articles/", "/cards/", "/images/", "/sections/")
            ):
                to_visit.append(target)
    return sorted(url for url, status in seen.items() if status != 200)


def front_page(dev: Dev) -> str:
    return http("GET", f"{dev.site}/")[2].decode("utf-8", "replace")


# --- 1. only the owner's delete takes a story down, whatever its later uploads did ---------------


def test_1_delete_after_a_rejected_edit_takes_the_story_down(dev: Dev) -> None:
    key = "incoming/takedown.json"
    dev.upload(key, article("Minister resigns over leaked memo", slug="minister-resigns"))
    dev.drain()
    assert dev.page("minister-resigns")[0] == 200
    dev.upload(key, b'{"headline": "Minister resigns", oops}')  # a typo: rejected
    dev.drain()
    rejected = dev.report(key)
    assert rejected["status"] == "rejected" and rejected["slug"] == "minister-resigns"
    assert dev.page("minister-resigns")[0] == 200  # the published version stays up

    dev.delete(key)
    dev.drain()
    assert dev.page("minister-resigns")[0] == 404
    assert "minister-resigns" not in front_page(dev)
    report = dev.report(key)
    assert (report["status"], report["slug"]) == ("unpublished", "minister-resigns")
    assert broken_references(dev) == []


# --- 2. a slug belongs to the source that published it first --------------------------------------


def test_2_an_explicit_slug_of_another_source_is_rejected_naming_the_owner(dev: Dev) -> None:
    dev.upload("incoming/flood.json", article("Floods close the ring road", slug="floods"))
    dev.drain()
    dev.upload("incoming/flood-backup.json", article("Floods close the ring road", slug="floods"))
    dev.drain()
    backup = dev.report("incoming/flood-backup.json")
    assert backup["status"] == "rejected"
    assert backup["errors"] == [
        {"loc": "/slug", "msg": "the slug floods is already used by incoming/flood.json"}
    ]
    # Deleting the rejected copy leaves the owner's story up.
    dev.delete("incoming/flood-backup.json")
    dev.drain()
    status, html = dev.page("floods")
    assert status == 200 and "Floods close the ring road" in html
    # Over HTTP the same is a 409 naming the owner.
    status, _, body = http("PUT", f"{dev.api}/articles/floods", json.dumps(article("Other")).encode())
    assert status == 409 and "incoming/flood.json" in json.loads(body)["errors"][0]["msg"]
    assert broken_references(dev) == []


def test_2_colliding_derived_slugs_get_a_stable_suffix(dev: Dev) -> None:
    dev.upload("incoming/storm-a.json", article("Storm hits coast: 3 dead"))
    dev.drain()
    dev.upload("incoming/storm-b.json", article("Storm hits coast — 3 dead!"))
    dev.drain()
    first, second = dev.report("incoming/storm-a.json"), dev.report("incoming/storm-b.json")
    assert first["slug"] == "storm-hits-coast-3-dead"
    assert second["slug"].startswith("storm-hits-coast-3-dead-") and second["slug"] != first["slug"]
    # Stable: an edit of the second keeps its suffixed slug.
    dev.upload("incoming/storm-b.json", article("Storm hits coast — 3 dead!", section="UK"))
    dev.drain()
    assert dev.report("incoming/storm-b.json")["slug"] == second["slug"]
    assert dev.page(first["slug"])[0] == 200 and dev.page(second["slug"])[0] == 200
    assert broken_references(dev) == []


# --- 3. a headline edit keeps the URL; an explicit move leaves a 301 -------------------------------


def test_3_a_headline_edit_keeps_the_url_and_a_slug_change_redirects(dev: Dev) -> None:
    key = "incoming/budget.json"
    dev.upload(key, article("Budget passes first vote"))
    dev.drain()
    dev.upload(key, article("Budget passes first vote after late-night deal"))
    dev.drain()
    status, html = dev.page("budget-passes-first-vote")
    assert status == 200 and "after late-night deal" in html
    assert front_page(dev).count("articles/budget-passes-first-vote") == 1

    dev.upload(key, article("Budget passes first vote after late-night deal", slug="budget-vote"))
    dev.drain()
    status, headers, _ = http("GET", f"{dev.site}/articles/budget-passes-first-vote/")
    assert status == 301 and headers["Location"] == "/articles/budget-vote/"
    assert dev.page("budget-vote")[0] == 200
    assert "articles/budget-passes-first-vote/" not in front_page(dev)
    assert broken_references(dev) == []


def test_3_over_http_a_new_headline_replaces_the_article_at_its_slug(dev: Dev) -> None:
    url = f"{dev.api}/articles/council-vote"
    first = http("PUT", url, json.dumps(article("Council votes on the harbour")).encode())
    second = http("PUT", url, json.dumps(article("Council approves the harbour plan")).encode())
    assert (first[0], second[0]) == (201, 200)
    again = http("PUT", url, json.dumps(article("Council approves the harbour plan")).encode())
    assert again[0] == 200  # idempotent
    front = front_page(dev)
    assert front.count("articles/council-vote/") == 1 and "Council votes on the harbour" not in front
    assert broken_references(dev) == []


# --- 4. simultaneous writers of one article never leave dangling references ------------------------


def test_4_a_burst_of_edits_to_one_file_converges_on_the_last_with_nothing_dangling(dev: Dev) -> None:
    key = "incoming/burst.json"
    photos = ["assets/european-leaders.jpg", "assets/starmer-macron-merz.jpg"]
    for version in range(8):
        dev.upload(
            key,
            article(
                "Talks resume in Geneva",
                slug="talks-resume",
                section=f"Round {version}",
                hero={"src": photos[version % 2], "alt": "Delegates"},
            ),
        )
    dev.drain()
    status, html = dev.page("talks-resume")
    assert status == 200 and "Round 7" in html
    assert dev.report(key)["status"] == "published"
    assert broken_references(dev) == []


def test_4_a_publish_that_finds_its_outputs_missing_writes_them_again(dev: Dev) -> None:
    key = "incoming/repair.json"
    document = article("Bridge reopens after repairs", slug="bridge-reopens")
    dev.upload(key, document)
    dev.drain()
    site_bucket = "newscard-sitebucket-dev"
    cards = dev.s3.list_objects_v2(Bucket=site_bucket, Prefix="cards/bridge-reopens/")["Contents"]
    dev.s3.delete_object(Bucket=site_bucket, Key=cards[0]["Key"])  # lost, e.g. a mistaken clean-up
    dev.upload(key, document)  # the same bytes again
    dev.drain()
    assert http("GET", f"{dev.site}/{cards[0]['Key']}")[0] == 200
    assert broken_references(dev) == []


# --- 5. delete + re-upload ends live; rapid edits converge --------------------------------------------


def test_5_a_cms_replace_delete_then_upload_ends_live(dev: Dev) -> None:
    key = "incoming/replace.json"
    dev.upload(key, article("Harbour festival returns", slug="harbour-festival"))
    dev.drain()
    for round_ in range(3):
        dev.delete(key)
        dev.upload(key, article(f"Harbour festival returns, day {round_}", slug="harbour-festival"))
    dev.drain()
    status, html = dev.page("harbour-festival")
    assert status == 200 and "day 2" in html
    report = dev.report(key)
    assert (report["status"], report["slug"]) == ("published", "harbour-festival")
    assert "harbour-festival" in front_page(dev)
    assert broken_references(dev) == []


def test_5_quick_successive_headline_edits_leave_only_the_last_live(dev: Dev) -> None:
    key = "incoming/quick.json"
    for number in range(6):
        dev.upload(key, article(f"Rail strike called off, update {number}"))
    dev.drain()
    slug = dev.report(key)["slug"]
    status, html = dev.page(slug)
    assert status == 200 and "update 5" in html
    front = front_page(dev)
    assert "update 5" in front and not any(f"update {n}<" in front for n in range(5))
    assert front.count(f"articles/{slug}/") == 1
    assert broken_references(dev) == []


# --- 6. hero changes never break listings; an HTTP DELETE is recorded in the upload's report --------


def test_6_hero_changes_keep_every_listing_image_answering(dev: Dev) -> None:
    key = "incoming/hero.json"
    for photo in ["assets/european-leaders.jpg", "assets/starmer-macron-merz.jpg"] * 2:
        dev.upload(
            key, article("Summit ends without a deal", slug="summit-ends", hero={"src": photo, "alt": "x"})
        )
        dev.drain()
        assert broken_references(dev) == []


def test_6_an_http_delete_is_recorded_in_the_uploads_report(dev: Dev) -> None:
    key = "incoming/legal.json"
    dev.upload(key, article("Court names the defendant", slug="court-names"))
    dev.drain()
    assert http("DELETE", f"{dev.api}/articles/court-names")[0] == 204
    assert dev.page("court-names")[0] == 404
    report = dev.report(key)
    assert (report["status"], report["slug"]) == ("unpublished", "court-names")
    assert "DELETE /articles/court-names" in report["note"]
    assert http("DELETE", f"{dev.api}/articles/court-names")[0] == 404
    assert broken_references(dev) == []
