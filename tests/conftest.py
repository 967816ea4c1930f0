"""Shared fixtures: template-shaped moto buckets, the real handler, sample events from events/."""

from __future__ import annotations

# First, before anything imports PIL.ImageFont: load the FriBiDi the Lambda layer ships, so tests
# lay text out with the same engine (Raqm + that FriBiDi) as production.
import newscard.rendering  # noqa: F401

# isort: split
import copy
import importlib
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import quote_plus

import boto3
import pytest
from moto import mock_aws
from PIL import Image

from newscard.dal.state_table import create_state_table

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ROOT / "events"
EXAMPLES = ROOT / "examples"
SEED = EXAMPLES / "seed-article.json"

ARTICLES_BUCKET = "newscard-articles-test"
SITE_BUCKET = "newscard-site-test"
STATE_TABLE = "newscard-state-test"
BASE_URL = "https://news.example.com"

ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "ARTICLES_BUCKET": ARTICLES_BUCKET,
    "SITE_BUCKET": SITE_BUCKET,
    "STATE_TABLE": STATE_TABLE,
    "SITE_BASE_URL": BASE_URL,
    "SITE_NAME": "The Test Gazette",
    "ASSET_HOSTS": "",
    "POWERTOOLS_SERVICE_NAME": "newscard",
    "POWERTOOLS_METRICS_NAMESPACE": "NewscardTest",
    "POWERTOOLS_TRACE_DISABLED": "1",
}


def load_event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / name).read_text())


def seed_document(**changes: Any) -> dict[str, Any]:
    document = json.loads(SEED.read_text())
    document.update(changes)
    return {key: value for key, value in document.items() if value is not None}


def jpeg_bytes(size: tuple[int, int] = (1600, 1000), colour: tuple[int, int, int] = (90, 120, 160)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def sqs_event(*s3_records: dict[str, Any]) -> dict[str, Any]:
    """An SQS batch (shape of events/sqs-s3-put.json), one message per S3 record."""
    template = load_event("sqs-s3-put.json")["Records"][0]
    records = []
    for index, s3_record in enumerate(s3_records):
        record = copy.deepcopy(template)
        record["messageId"] = f"message-{index}"
        record["body"] = json.dumps({"Records": [s3_record]})
        records.append(record)
    return {"Records": records}


def s3_record(kind: str, key: str, *, sequencer: str | None = "0A1B2C3D4E5F678901") -> dict[str, Any]:
    """An S3 notification record (from events/s3-put.json or s3-delete.json) for a raw key."""
    source = "s3-put.json" if kind == "created" else "s3-delete.json"
    record = copy.deepcopy(load_event(source)["Records"][0])
    record["s3"]["bucket"]["name"] = ARTICLES_BUCKET
    # Real S3 form-encodes keys in notifications ("a b+c" -> "a+b%2Bc"); keep '/' readable like S3.
    record["s3"]["object"]["key"] = quote_plus(key, safe="/")
    if sequencer is None:
        record["s3"]["object"].pop("sequencer", None)
    else:
        record["s3"]["object"]["sequencer"] = sequencer
    return record


@dataclass
class LambdaContext:
    function_name: str = "newscard-test-publish"
    memory_limit_in_mb: int = 1024
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:newscard-test-publish"
    aws_request_id: str = "test-request"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


def template_bucket_properties(logical_id: str) -> dict[str, Any]:
    from newscard.devstack import load_template

    return dict(load_template()["Resources"][logical_id].get("Properties", {}))


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for name, value in ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    return dict(ENVIRONMENT)


@pytest.fixture
def s3(environment: dict[str, str]) -> Iterator[Any]:
    """moto in-process, with the two buckets created from template.yaml's own properties."""
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        for logical, name in (("ArticlesBucket", ARTICLES_BUCKET), ("SiteBucket", SITE_BUCKET)):
            props = template_bucket_properties(logical)
            client.create_bucket(Bucket=name)
            if "VersioningConfiguration" in props:
                client.put_bucket_versioning(
                    Bucket=name, VersioningConfiguration=props["VersioningConfiguration"]
                )
            assert "NotificationConfiguration" not in props or logical == "ArticlesBucket"
        create_state_table(boto3.client("dynamodb", region_name="us-east-1"), STATE_TABLE)
        yield client


def _fresh_handler_module(name: str) -> ModuleType:
    """A handler module imported anew, as a cold start would: its clients made inside the mock."""
    from newscard.handlers import wiring
    from newscard.models import settings

    wiring.s3_client.cache_clear()
    wiring.dynamodb_client.cache_clear()
    settings.settings_from_env.cache_clear()
    return importlib.reload(importlib.import_module(f"newscard.handlers.{name}"))


@pytest.fixture
def handler(s3: Any) -> ModuleType:
    """The real publish handler module, with the test environment and moto."""
    return _fresh_handler_module("s3_events")


@pytest.fixture
def api(s3: Any) -> ModuleType:
    """The real HTTP API handler module, with the test environment and moto."""
    return _fresh_handler_module("api")


def seed_image_count() -> int:
    """Page renditions of the seed article: its hero (2400 px wide) and one body image (1600 px),
    each at every page width up to 1200, in every format."""
    from newscard.rendering import renditions

    return 2 * len(renditions.rendition_widths(1200)) * len(renditions.formats())


def put_seed_assets(client: Any) -> None:
    for image in (EXAMPLES / "assets").glob("*.jpg"):
        client.put_object(Bucket=ARTICLES_BUCKET, Key=f"assets/{image.name}", Body=image.read_bytes())


def site_keys(client: Any) -> list[str]:
    response = client.list_objects_v2(Bucket=SITE_BUCKET)
    return sorted(item["Key"] for item in response.get("Contents", []))


LISTING_KEYS = ("index.html", "feed.xml", "sitemap.xml")


def is_listing(key: str) -> bool:
    """Site-wide objects (front pages, sections, archive, feed, sitemaps, brand files), not one article's."""
    return key in LISTING_KEYS or key.startswith(("sections/", "page/", "archive/", "sitemaps/", "brand/"))


def article_keys(client: Any) -> list[str]:
    """The site bucket's keys that belong to articles (pages, manifests, cards, images)."""
    return [key for key in site_keys(client) if not is_listing(key)]


def site_text(client: Any, key: str) -> str:
    return client.get_object(Bucket=SITE_BUCKET, Key=key)["Body"].read().decode("utf-8")


def read_report(client: Any, report_key: str) -> dict[str, Any]:
    return json.loads(client.get_object(Bucket=ARTICLES_BUCKET, Key=report_key)["Body"].read())


# A small but varied site, built once per session through the real Publisher into a folder:
# the seed article, an RTL article, an article in a second section with every block type, an older
# article (outside the Google News window) and one whose every field is hostile markup.
SITE_NOW = "2025-12-07T06:00:00+00:00"
HOSTILE = "</script><script>alert(1)</script><!-- \"'><img src=x onerror=alert(2)> & \u2028"


def hostile_document() -> dict[str, Any]:
    return {
        "headline": f"Hostile {HOSTILE} headline",
        "slug": "hostile",
        "dek": f"Dek {HOSTILE}",
        "section": f"Sec {HOSTILE}",
        "published_at": "2025-12-06T08:00:00+00:00",
        "language": "en",
        "authors": [{"name": f"Eve {HOSTILE}", "url": 'https://evil.example/"onmouseover="alert(3)'}],
        "hero": {
            "src": "assets/european-leaders.jpg",
            "alt": f"Alt {HOSTILE}",
            "caption": f"Caption {HOSTILE}",
            "credit": f"Credit {HOSTILE}",
        },
        "body": [
            {"type": "heading", "text": f"Heading {HOSTILE}"},
            {"type": "paragraph", "text": f"Paragraph {HOSTILE}"},
            {"type": "quote", "text": f"Quote {HOSTILE}", "attribution": f"Attribution {HOSTILE}"},
            {
                "type": "image",
                "src": "assets/starmer-macron-merz.jpg",
                "alt": f"Image alt {HOSTILE}",
                "caption": f"Image caption {HOSTILE}",
                "credit": f"Image credit {HOSTILE}",
            },
        ],
        "tags": [f"Tag {HOSTILE}"[:40], "</script>"],
        "canonical_url": 'https://news.example.com/articles/hostile/?a=1&b="2"',
    }


SITE_DOCUMENTS: dict[str, dict[str, Any]] = {
    "seed": json.loads(SEED.read_text()),
    "rtl": {
        "headline": "القادة الأوروبيون يناقشون مستقبل التحالف عبر الأطلسي",
        "slug": "alliance-ar",
        "dek": "مخاوف أوروبية من تحول في السياسة الأمريكية تجاه روسيا.",
        "section": "سياسة",
        "published_at": "2025-12-06T07:30:00+03:00",
        "updated_at": "2025-12-06T10:00:00+03:00",
        "language": "ar",
        "authors": [
            {"name": "ليلى حسن", "url": "https://news.example.com/authors/layla"},
            {"name": "عمر خالد"},
        ],
        "hero": {
            "src": "assets/european-leaders.jpg",
            "alt": "قادة أوروبيون في اجتماع",
            "caption": "القادة الأوروبيون خلال القمة",
            "credit": "وكالة الأنباء",
        },
        "body": [
            {"type": "paragraph", "text": "يواجه المسؤولون الأوروبيون قلقا متجددا بشأن مستقبل الشراكة."},
            {"type": "heading", "text": "رسالة واضحة"},
            {"type": "quote", "text": "علينا أن نعتمد على أنفسنا.", "attribution": "مسؤول أوروبي"},
        ],
        "tags": ["أوروبا", "روسيا"],
    },
    "culture": {
        "headline": "A Quiet Festival Returns to the Old Harbour",
        "slug": "quiet-festival",
        "dek": "After three years away, the harbour's winter music weekend is back, smaller and stranger.",
        "section": "Culture",
        "published_at": "2025-12-05T18:15:00+01:00",
        "updated_at": "2025-12-06T08:00:00+01:00",
        "language": "en-GB",
        "authors": [{"name": "Ana Ruiz", "url": "https://news.example.com/authors/ana"}, {"name": "Tom Lee"}],
        "body": [
            {"type": "paragraph", "text": "The boats were the first to come back, strung with lights."},
            {
                "type": "quote",
                "text": "We wanted it to feel like a secret again.",
                "attribution": "An organiser",
            },
            {
                "type": "image",
                "src": "assets/starmer-macron-merz.jpg",
                "alt": "Musicians on a moored boat at dusk",
                "caption": "The opening night",
                "credit": "Harbour Archive",
            },
            {"type": "heading", "text": "Smaller, stranger"},
            {"type": "paragraph", "text": "Only four stages this year, two of them afloat."},
        ],
        "tags": ["Music", "Harbour"],
    },
    "older": {
        "headline": "Council Approves Harbour Budget",
        "slug": "harbour-budget",
        "section": "Culture",
        "published_at": "2025-11-01T09:00:00+00:00",
        "language": "en",
        "body": [{"type": "paragraph", "text": "The budget passed by nine votes to two."}],
    },
    "hostile": hostile_document(),
}


@dataclass(frozen=True)
class BuiltSite:
    root: Path
    slugs: dict[str, str]  # document name -> slug
    settings: Any

    def page(self, name: str) -> Path:
        return self.root / "articles" / self.slugs[name] / "index.html"

    def text(self, key: str) -> str:
        return (self.root / key).read_text(encoding="utf-8")


def build_site(root: Path, documents: dict[str, dict[str, Any]], fillers: int = 0) -> BuiltSite:
    from datetime import datetime

    from newscard.dal.memory import DirectoryStore
    from newscard.logic.images import ImageLoader
    from newscard.logic.publish import Publisher
    from newscard.models.settings import Settings

    settings = Settings.from_env(ENVIRONMENT)
    publisher = Publisher(
        site=DirectoryStore(root),
        images=ImageLoader(DirectoryStore(EXAMPLES)),
        settings=settings,
        clock=lambda: datetime.fromisoformat(SITE_NOW),
    )
    slugs = {}
    for name, document in documents.items():
        outcome = publisher.publish(json.dumps(document).encode(), source_key=f"incoming/{name}.json")
        slugs[name] = outcome.manifest.slug
    if fillers:
        add_listing_fillers(publisher, slugs, fillers)
    return BuiltSite(root, slugs, settings)


def add_listing_fillers(publisher: Any, slugs: dict[str, str], count: int) -> None:
    """`count` more Culture stories, one every three hours before the built ones, straight into the
    listings (no article pages: enough to paginate sections and fill archive days, fast). They
    show the seed article's hero, so every teaser image still loads."""
    from datetime import datetime, timedelta

    from newscard.models.site_index import IndexEntry

    indexer = publisher.indexer
    seed = indexer.table.get(f"LIST#ART#{slugs['seed']}", "ENTRY")
    image = IndexEntry.model_validate_json(str(seed["entry"])).image if seed else None
    start = datetime.fromisoformat(SITE_NOW) - timedelta(days=1, hours=2)
    for number in range(count):
        slug = f"filler-{number}"
        entry = IndexEntry(
            slug=slug,
            url=f"{BASE_URL}/articles/{slug}/",
            path=f"articles/{slug}/",
            headline=f"Harbour notes, part {number + 1}",
            dek="A short filler story that pushes older ones onto the next page.",
            section="Culture",
            section_slug="culture",
            language="en",
            published_at=start - timedelta(hours=3 * number),
            authors=["Ana Ruiz"],
            image=image,
        )
        indexer.upsert(entry)
    slugs["filler"] = "filler-0"


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    return build_site(tmp_path_factory.mktemp("site"), SITE_DOCUMENTS)


# Listing pages past the first (front, section) and the archive, from a second, smaller site.
PAGED_PAGES = (
    "page/2/index.html",
    "sections/culture/page/2/index.html",
    "sections/culture/page/3/index.html",
    "archive/index.html",
    "archive/2025/12/index.html",
    "archive/2025/12/05/index.html",
)


@pytest.fixture(scope="session")
def paged_site(tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    documents = {name: SITE_DOCUMENTS[name] for name in ("seed", "rtl", "hostile")}
    return build_site(tmp_path_factory.mktemp("paged-site"), documents, fillers=45)
