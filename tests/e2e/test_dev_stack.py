"""`newscard dev` as a user runs it: a separate process, plain boto3 over HTTP, every API route,
Schemathesis against the OpenAPI document, then Ctrl-C."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

ROOT = Path(__file__).resolve().parents[2]
SEED_SLUG = "us-russia-overtures-deepen-european-fears-over-future-of-alliance"
ARTICLES, SITE = "newscard-articlesbucket-dev", "newscard-sitebucket-dev"


@dataclass
class Dev:
    process: subprocess.Popen[str]
    s3_endpoint: str
    api: str
    site: str
    s3: Any


@pytest.fixture(scope="module")
def dev() -> Iterator[Dev]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ARTICLES_", "SITE_"))}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "newscard.cli",
            "dev",
            "--s3-port",
            "0",
            "--api-port",
            "0",
            "--site-port",
            "0",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        cwd=ROOT,
    )
    assert process.stdout is not None
    banner, deadline = "", time.monotonic() + 60
    while "API:" not in banner and time.monotonic() < deadline:
        banner += process.stdout.readline()
    endpoints = dict(re.findall(r"^\s+(S3 endpoint|API|site):\s+(\S+)", banner, flags=re.MULTILINE))
    # Keep reading its log, or the pipe fills and the server blocks on its next line.
    log: list[str] = []
    threading.Thread(target=lambda: log.extend(process.stdout or []), daemon=True).start()
    s3 = boto3.client(
        "s3",
        endpoint_url=endpoints["S3 endpoint"],
        region_name="us-east-1",
        aws_access_key_id="any",
        aws_secret_access_key="any",
    )
    yield Dev(process, endpoints["S3 endpoint"], endpoints["API"], endpoints["site"].rstrip("/"), s3)
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=20)


def http(method: str, url: str, body: bytes | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, data=body, method=method)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.mark.enable_socket
@pytest.mark.slow
def test_an_upload_over_http_is_published_and_served(dev: Dev) -> None:
    for image in (ROOT / "examples" / "assets").glob("*.jpg"):
        dev.s3.put_object(Bucket=ARTICLES, Key=f"assets/{image.name}", Body=image.read_bytes())
    dev.s3.put_object(
        Bucket=ARTICLES,
        Key="incoming/seed-article.json",
        Body=(ROOT / "examples" / "seed-article.json").read_bytes(),
    )
    deadline = time.monotonic() + 60
    status = 0
    while time.monotonic() < deadline:
        status, headers, body = http("GET", f"{dev.site}/articles/{SEED_SLUG}/")
        if status == 200:
            break
        time.sleep(0.2)
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    og = re.search(rb'<meta property="og:image" content="([^"]+)"', body)
    assert og is not None
    card_status, card_headers, card = http("GET", og.group(1).decode())
    assert card_status == 200 and card_headers["Content-Type"] == "image/jpeg" and card[:2] == b"\xff\xd8"
    assert "immutable" in card_headers["Cache-Control"]
    # The listings follow the page (they link to it); the front page shows it within moments.
    while http("GET", f"{dev.site}/")[0] != 200 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert SEED_SLUG.encode() in http("GET", f"{dev.site}/")[2]
    assert http("GET", f"{dev.site}/_index/articles.json")[0] == 404  # internal, as on CloudFront


@pytest.mark.enable_socket
@pytest.mark.slow
@pytest.mark.parametrize("command", ["reindex", "republish"])
def test_reindex_and_republish_work_against_the_dev_stack_by_its_endpoint_alone(
    dev: Dev, command: str
) -> None:
    # Given a published article (the upload test's) and a shell with only the README's variables:
    # no AWS_ENDPOINT_URL, so any client the command builds without --endpoint-url goes to AWS
    dev.s3.put_object(
        Bucket=ARTICLES,
        Key="incoming/seed-article.json",
        Body=(ROOT / "examples" / "seed-article.json").read_bytes(),
    )
    deadline = time.monotonic() + 60
    while http("GET", f"{dev.site}/articles/{SEED_SLUG}/")[0] != 200 and time.monotonic() < deadline:
        time.sleep(0.2)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ARTICLES_", "SITE_"))}
    env |= {
        "ARTICLES_BUCKET": ARTICLES,
        "SITE_BUCKET": SITE,
        "STATE_TABLE": "newscard-sitestatetable-dev",
        "SITE_BASE_URL": dev.site,
        "SITE_NAME": "Newscard",
        "AWS_ACCESS_KEY_ID": "dev",
        "AWS_SECRET_ACCESS_KEY": "dev",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_MAX_ATTEMPTS": "1",  # a client that escaped to AWS fails fast, not after retries
    }

    # When the command runs with --endpoint-url
    done = subprocess.run(
        [sys.executable, "-m", "newscard.cli", command, "--endpoint-url", dev.s3_endpoint],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=300,
    )

    # Then it succeeds, and the site still serves the article and lists it
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(rf"^{command}ed: [1-9]", done.stdout, flags=re.MULTILINE), done.stdout
    assert http("GET", f"{dev.site}/articles/{SEED_SLUG}/")[0] == 200
    assert SEED_SLUG.encode() in http("GET", f"{dev.site}/")[2]


@pytest.mark.enable_socket
@pytest.mark.slow
def test_every_api_route_over_real_http(dev: Dev) -> None:
    seed = (ROOT / "examples" / "seed-article.json").read_bytes()
    for image in (ROOT / "examples" / "assets").glob("*.jpg"):
        dev.s3.put_object(Bucket=ARTICLES, Key=f"assets/{image.name}", Body=image.read_bytes())
    document = json.loads(seed)
    document["slug"] = "over-http"
    status, _, body = http("POST", f"{dev.api}/articles", json.dumps(document).encode())
    assert status == 201 and json.loads(body)["source_key"] == "api/over-http.json"
    assert http("GET", f"{dev.api}/articles/over-http")[0] == 200
    status, headers, card = http("POST", f"{dev.api}/preview?preset=square", seed)
    assert status == 200 and headers["Content-Type"] == "image/jpeg" and card[:2] == b"\xff\xd8"
    status, _, body = http("POST", f"{dev.api}/articles", b'{"headline": ""}')
    assert (
        status == 422
        and {"loc": "/section", "msg": "the article needs a section"} in json.loads(body)["errors"]
    )
    assert http("POST", f"{dev.api}/articles", b" " * (1024 * 1024 + 1))[0] == 413
    assert http("DELETE", f"{dev.api}/articles/over-http")[0] == 204
    assert http("GET", f"{dev.api}/articles/over-http")[0] == 404


@pytest.mark.enable_socket
@pytest.mark.slow
def test_schemathesis_finds_no_server_errors(dev: Dev) -> None:
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "st"),
            "run",
            str(ROOT / "openapi.json"),
            "--url",
            dev.api,
            "--checks",
            "not_a_server_error",
            "--max-examples",
            "25",
            "--request-timeout",
            "30",
            "--suppress-health-check",
            "all",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=tempfile.gettempdir(),  # its cache folder stays out of the repository
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


@pytest.mark.enable_socket
@pytest.mark.slow
def test_ctrl_c_stops_it_cleanly(dev: Dev) -> None:
    dev.process.send_signal(signal.SIGINT)
    assert dev.process.wait(timeout=20) == 0
