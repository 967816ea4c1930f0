"""The hostile-input catalogue (docs/reliability.md): each case gets a clear report and no output,
and none of them takes down the batch it arrives in."""

from __future__ import annotations

import io
import json
from html.parser import HTMLParser
from types import ModuleType
from typing import Any
from xml.etree import ElementTree

import feedparser
import pytest
from PIL import Image

from newscard.dal.memory import MemoryStore
from newscard.logic.images import ImageLoader, load_article_images
from newscard.logic.validation import parse_article
from newscard.models.errors import ArticleRejected
from tests.conftest import (
    ARTICLES_BUCKET,
    SEED,
    SITE_BUCKET,
    LambdaContext,
    jpeg_bytes,
    put_seed_assets,
    read_report,
    s3_record,
    seed_document,
    site_keys,
    sqs_event,
)


def text_only(**changes: Any) -> dict[str, Any]:
    return seed_document(**{"hero": None, "body": [{"type": "paragraph", "text": "Body."}], **changes})


def bomb_png(size: tuple[int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("1", size).save(buffer, "PNG")  # a few KB on disk, hundreds of megapixels decoded
    return buffer.getvalue()


# name -> (document bytes, expected JSON pointer, fragment of the message)
DOCUMENTS: dict[str, tuple[bytes, str, str]] = {
    "malformed JSON": (b'{"headline": "x", }', "", "not valid JSON"),
    "truncated JSON": (SEED.read_bytes()[:700], "", "not valid JSON"),
    "not UTF-8": (json.dumps(text_only()).encode("utf-16"), "", "not UTF-8"),
    "NUL in the headline": (
        json.dumps(text_only(headline="Bad\x00headline")).encode(),
        "/headline",
        "U+0000",
    ),
    "control character in the dek": (json.dumps(text_only(dek="Line\x1bbreak")).encode(), "/dek", "U+001B"),
    "bidi override in the section": (
        json.dumps(text_only(section="Spoof\u202egnp.exe")).encode(),
        "/section",
        "U+202E",
    ),
    "deep nesting": (b'{"headline": ' + b"[" * 5000 + b"]" * 5000 + b"}", "", "nested too deeply"),
    "oversize document": (json.dumps(text_only(dek="x" * (1024 * 1024))).encode(), "", "limit is 1,048,576"),
    "huge headline": (json.dumps(text_only(headline="x" * 100_000)).encode(), "/headline", "at most 300"),
    "path traversal in the slug": (json.dumps(text_only(slug="../../index")).encode(), "/slug", "lowercase"),
    "file:// image": (
        json.dumps(text_only(hero={"src": "file:///etc/passwd", "alt": "x"})).encode(),
        "/hero/src",
        "under assets/",
    ),
    "http:// image": (
        json.dumps(text_only(hero={"src": "http://example.com/a.jpg", "alt": "x"})).encode(),
        "/hero/src",
        "https://",
    ),
    "javascript: image": (
        json.dumps(text_only(hero={"src": "javascript:alert(1)", "alt": "x"})).encode(),
        "/hero/src",
        "under assets/",
    ),
    "data: image": (
        json.dumps(text_only(hero={"src": "data:image/png;base64,AAAA", "alt": "x"})).encode(),
        "/hero/src",
        "under assets/",
    ),
    "traversal in an asset key": (
        json.dumps(text_only(hero={"src": "assets/../incoming/x.json", "alt": "x"})).encode(),
        "/hero/src",
        "under assets/",
    ),
    "image host off the allow-list": (
        json.dumps(text_only(hero={"src": "https://evil.example/a.jpg", "alt": "x"})).encode(),
        "/hero/src",
        "not enabled here",
    ),
    "image that is not an image": (
        json.dumps(text_only(hero={"src": "assets/fake.jpg", "alt": "x"})).encode(),
        "/hero/src",
        "not a JPEG, PNG or WebP",
    ),
    "decompression bomb (100 MP)": (
        json.dumps(text_only(hero={"src": "assets/bomb.png", "alt": "x"})).encode(),
        "/hero/src",
        "megapixels",
    ),
    "decompression bomb (400 MP)": (
        json.dumps(text_only(hero={"src": "assets/bigbomb.png", "alt": "x"})).encode(),
        "/hero/src",
        "too many pixels",
    ),
    "oversize image file": (
        json.dumps(text_only(hero={"src": "assets/huge.jpg", "alt": "x"})).encode(),
        "/hero/src",
        "limit is 20 MB",
    ),
    "GIF image": (
        json.dumps(text_only(hero={"src": "assets/anim.gif", "alt": "x"})).encode(),
        "/hero/src",
        "use JPEG, PNG or WebP",
    ),
}


def hostile_assets() -> dict[str, bytes]:
    gif = io.BytesIO()
    Image.new("RGB", (10, 10)).save(gif, "GIF")
    return {
        "assets/fake.jpg": b"<script>alert(1)</script>",
        "assets/bomb.png": bomb_png((10_000, 10_000)),
        "assets/bigbomb.png": bomb_png((20_000, 20_000)),
        "assets/huge.jpg": jpeg_bytes((64, 64)) + b"\0" * (20 * 1024 * 1024),
        "assets/anim.gif": gif.getvalue(),
    }


@pytest.fixture(scope="module")
def assets() -> dict[str, bytes]:
    return hostile_assets()


@pytest.mark.parametrize("name", list(DOCUMENTS))
def test_each_hostile_document_is_rejected_with_a_located_message(
    name: str, assets: dict[str, bytes]
) -> None:
    raw, loc, fragment = DOCUMENTS[name]
    store = MemoryStore()
    for key, body in assets.items():
        store.put(key, body, content_type="application/octet-stream")
    with pytest.raises(ArticleRejected) as caught:
        load_article_images(parse_article(raw), ImageLoader(store))
    found = [p.as_dict() for p in caught.value.problems]
    assert any(p["loc"] == loc and fragment in p["msg"] for p in found), found


def test_a_batch_of_every_hostile_case_rejects_each_and_still_publishes_the_good_one(
    s3: Any, handler: ModuleType, assets: dict[str, bytes]
) -> None:
    # Given every hostile document, and one good article, uploaded together
    put_seed_assets(s3)
    for key, body in assets.items():
        s3.put_object(Bucket=ARTICLES_BUCKET, Key=key, Body=body)
    keys = {}
    for index, (name, (raw, _, _)) in enumerate(DOCUMENTS.items()):
        keys[name] = f"incoming/hostile/{index}.json"
        s3.put_object(Bucket=ARTICLES_BUCKET, Key=keys[name], Body=raw)
    s3.put_object(Bucket=ARTICLES_BUCKET, Key="incoming/good.json", Body=SEED.read_bytes())

    # When they arrive in one batch
    records = [s3_record("created", key) for key in [*keys.values(), "incoming/good.json"]]
    response = handler.lambda_handler(sqs_event(*records), LambdaContext())

    # Then nothing is retried, each hostile upload has a rejected report and only the good one is live
    assert response == {"batchItemFailures": []}
    for name, key in keys.items():
        report = read_report(s3, "reports/" + key.removeprefix("incoming/"))
        assert report["status"] == "rejected", name
        assert report["errors"] and all(e["msg"] for e in report["errors"]), name
    assert read_report(s3, "reports/good.json")["status"] == "published"
    article_dirs = {
        k.split("/")[1] for k in site_keys(s3) if k.startswith(("articles/", "cards/", "images/"))
    }
    assert article_dirs == {"us-russia-overtures-deepen-european-fears-over-future-of-alliance"}


def test_a_traversal_in_the_upload_key_stays_a_literal_key(s3: Any, handler: ModuleType) -> None:
    key = "incoming/../../site/index.json"
    s3.put_object(Bucket=ARTICLES_BUCKET, Key=key, Body=json.dumps(text_only(slug="k")).encode())
    handler.lambda_handler(sqs_event(s3_record("created", key)), LambdaContext())
    assert read_report(s3, "reports/../../site/index.json")["status"] == "published"
    outputs = [k for k in site_keys(s3) if k.startswith(("articles/", "cards/", "images/"))]
    assert outputs == ["articles/k/index.html", "articles/k/manifest.json"] + [
        k for k in outputs if k.startswith("cards/k/")
    ]


HOSTILE = '</script><script>alert("x")</script><img src=x onerror=alert(1)>"\'&<!--'


def test_script_and_markup_in_every_text_field_come_out_inert(s3: Any, handler: ModuleType) -> None:
    put_seed_assets(s3)
    document = seed_document(
        headline=HOSTILE,
        dek=HOSTILE,
        section=HOSTILE,
        slug="hostile",
        tags=[HOSTILE[:40]],
        authors=[{"name": HOSTILE, "url": 'https://example.com/"><script>alert(1)</script>'}],
        canonical_url='https://example.com/a"onmouseover="alert(1)',
    )
    document["hero"].update(alt=HOSTILE, caption=HOSTILE, credit=HOSTILE)
    document["body"] = [
        {"type": "heading", "text": HOSTILE},
        {"type": "paragraph", "text": HOSTILE},
        {"type": "quote", "text": HOSTILE, "attribution": HOSTILE},
        {"type": "image", "src": "assets/starmer-macron-merz.jpg", "alt": HOSTILE, "caption": HOSTILE},
    ]
    s3.put_object(Bucket=ARTICLES_BUCKET, Key="incoming/hostile.json", Body=json.dumps(document).encode())
    handler.lambda_handler(sqs_event(s3_record("created", "incoming/hostile.json")), LambdaContext())
    assert read_report(s3, "reports/hostile.json")["status"] == "published"

    html = s3.get_object(Bucket=SITE_BUCKET, Key="articles/hostile/index.html")["Body"].read().decode()
    elements = ElementCollector()
    elements.feed(html)
    # Exactly one script element (the JSON-LD); no injected element, event handler or comment
    assert [attrs for tag, attrs in elements.tags if tag == "script"] == [{"type": "application/ld+json"}]
    assert not any(name.startswith("on") for _, attrs in elements.tags for name in attrs)
    assert {tag for tag, _ in elements.tags} <= ALLOWED_TAGS
    assert elements.comments == []
    assert not any(value.startswith("javascript:") for _, attrs in elements.tags for value in attrs.values())
    # The text reads back exactly as written, in the page and in the JSON-LD
    assert HOSTILE in elements.text
    data = json.loads(elements.scripts[0])
    assert data["headline"] == HOSTILE[:110]
    assert data["author"][0]["name"] == HOSTILE

    # The feed and the sitemap stay well-formed XML whose text is the hostile text, verbatim
    atom = "{http://www.w3.org/2005/Atom}"
    feed = ElementTree.fromstring(s3.get_object(Bucket=SITE_BUCKET, Key="feed.xml")["Body"].read())
    (entry,) = feed.findall(f"{atom}entry")
    assert entry.findtext(f"{atom}title") == HOSTILE
    media = "{http://search.yahoo.com/mrss/}"  # the entry's image (Media RSS)
    assert {child.tag for child in entry.iter()} <= {f"{atom}{name}" for name in FEED_ELEMENTS} | {
        f"{media}thumbnail",
        f"{media}content",
    }
    parsed = feedparser.parse(s3.get_object(Bucket=SITE_BUCKET, Key="feed.xml")["Body"].read())
    assert not parsed.bozo and parsed.entries[0].title == HOSTILE
    news = s3.get_object(Bucket=SITE_BUCKET, Key="sitemaps/news.xml")["Body"].read()
    sitemap = ElementTree.fromstring(news)
    news_titles = [element.text for element in sitemap.iter() if element.tag.endswith("}title")]
    assert news_titles in ([], [HOSTILE])
    assert all(not element.tag.endswith("script") for element in sitemap.iter())


FEED_ELEMENTS = {
    "entry",
    "id",
    "title",
    "link",
    "updated",
    "published",
    "summary",
    "author",
    "name",
    "uri",
    "category",
    "content",
    "rights",
}
ALLOWED_TAGS = {
    "html",
    "head",
    "meta",
    "title",
    "link",
    "script",
    "style",
    "body",
    "header",
    "a",
    "main",
    "article",
    "p",
    "h1",
    "h2",
    "time",
    "figure",
    "picture",
    "source",
    "img",
    "figcaption",
    "span",
    "bdi",
    "blockquote",
    "footer",
    "ul",
    "li",
    "nav",
    "section",
    "small",
    "br",
}


class ElementCollector(HTMLParser):
    """Every start tag with its attributes, comments, text and script bodies, as a browser would see them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.comments: list[str] = []
        self.scripts: list[str] = []
        self.text = ""
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {name: value or "" for name, value in attrs}))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_comment(self, data: str) -> None:
        self.comments.append(data)

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts.append(data)
        else:
            self.text += data
