"""The CloudFront Function in template.yaml, run under Node: pretty URLs and no internal documents."""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any

import pytest

from newscard.devstack import load_template

NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="node is needed to run the CloudFront Function")

# The KeyValueStore as the CloudFront runtime gives it: get() resolves a key or rejects when absent.
FAKE_CLOUDFRONT = """
const STORE = JSON.parse(process.argv[2]);
const cf = { kvs: () => ({ get: async (key) => {
  if (Object.prototype.hasOwnProperty.call(STORE, key)) { return STORE[key]; }
  throw new Error('key not found');
} }) };
"""
# Feeds each URI to handler() the way CloudFront does and prints what it returns.
HARNESS = """
const uris = JSON.parse(process.argv[1]);
Promise.all(uris.map((uri) => handler({ request: { uri: uri, headers: {} } })))
  .then((out) => console.log(JSON.stringify(out)));
"""
IMPORT = "import cf from 'cloudfront';"


def route(*uris: str, redirects: dict[str, str] | None = None) -> list[dict[str, Any]]:
    code = load_template()["Resources"]["SiteRouterFunction"]["Properties"]["FunctionCode"]
    assert NODE is not None and IMPORT in code
    script = code.replace(IMPORT, FAKE_CLOUDFRONT) + HARNESS
    done = subprocess.run(
        [NODE, "-e", script, json.dumps(uris), json.dumps(redirects or {})],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    result: list[dict[str, Any]] = json.loads(done.stdout)
    return result


def test_directory_urls_serve_their_index_document() -> None:
    article, section, front = route("/articles/a-slug/", "/sections/world/", "/")
    assert article["uri"] == "/articles/a-slug/index.html"
    assert section["uri"] == "/sections/world/index.html"
    assert front["uri"] == "/index.html"


def test_a_url_without_the_trailing_slash_is_redirected_to_it() -> None:
    [redirect] = route("/articles/a-slug")
    assert redirect["statusCode"] == 301
    assert redirect["headers"]["location"]["value"] == "/articles/a-slug/"


def test_files_pass_through_unchanged() -> None:
    uris = ["/cards/a-slug/og-0123abcd.jpg", "/feed.xml", "/articles/a-slug/manifest.json"]
    assert [r["uri"] for r in route(*uris)] == uris


@pytest.mark.parametrize(
    "uri",
    [
        "/_index/articles.json",
        "/%5Findex/articles.json",
        "/%5findex/articles.json",
        "/articles/_x/",
        "/%E0%A4%A",
    ],
)
def test_internal_prefixes_and_malformed_urls_are_not_found(uri: str) -> None:
    [response] = route(uri)
    assert response["statusCode"] == 404


def test_a_former_slug_answers_a_permanent_redirect_from_the_key_value_store() -> None:
    moved, page, current, other = route(
        "/articles/old-slug/",
        "/articles/old-slug/index.html",
        "/articles/new-slug/",
        "/cards/old-slug/og-0123.jpg",
        redirects={"old-slug": "new-slug"},
    )
    assert moved["statusCode"] == 301 and moved["headers"]["location"]["value"] == "/articles/new-slug/"
    assert page["statusCode"] == 301 and page["headers"]["location"]["value"] == "/articles/new-slug/"
    assert current["uri"] == "/articles/new-slug/index.html"
    assert other["uri"] == "/cards/old-slug/og-0123.jpg"  # only pages redirect; files stay put
