"""The composition root for Lambda: clients and stores made once per execution environment.

boto3 is imported and the AWS clients made on first use, not when a handler module is imported: the
import stays small (a cold start that makes no AWS call, such as an s3:TestEvent, never pays for
them). Under SnapStart the before-snapshot hook makes them ahead instead (see `prime`).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import botocore

from newscard.dal.https_images import HttpsImageFetcher
from newscard.dal.listings import DynamoListingTable
from newscard.dal.registry import DynamoRegistry
from newscard.dal.s3 import S3Store
from newscard.logic.images import ImageLoader
from newscard.logic.publish import Publisher
from newscard.logic.uploads import UploadProcessor
from newscard.models.errors import ConfigurationError
from newscard.models.settings import Settings, settings_from_env
from newscard.rendering.images import ImageProblem, decode

# S3 compare-and-swap (put_object with IfMatch) needs this botocore; keep in step with the boto3
# floor in pyproject.toml (tests/unit/test_packaging.py checks that they agree).
MIN_BOTOCORE = (1, 35, 69)


def check_runtime_sdk(version: str | None = None) -> None:
    """Fail the cold start, naming the fix, when the runtime's botocore predates what the code calls.

    Lambda provides boto3/botocore (they are not bundled); its version moves with runtime updates.
    """
    found = version if version is not None else botocore.__version__
    numbers = tuple(int(part) for part in found.split(".")[:3] if part.isdigit())
    if numbers < MIN_BOTOCORE:
        wanted = ".".join(map(str, MIN_BOTOCORE))
        raise ConfigurationError(
            f"configuration error: the Lambda runtime provides botocore {found}, but S3 conditional "
            f"writes (IfMatch) need botocore >= {wanted}; update the runtime, or bundle boto3 in the "
            "dependency layer (see README, Packaging)"
        )


def _client(service: str) -> Any:
    import boto3  # on first use, not at import (see the module docstring)
    from botocore.config import Config

    # Standard retry mode backs off on throttling and 5xx before our own queue-level retry.
    config = Config(retries={"max_attempts": 4, "mode": "standard"}, connect_timeout=5, read_timeout=20)
    return boto3.client(service, config=config)  # type: ignore[call-overload]


@lru_cache(maxsize=1)
def s3_client():  # type: ignore[no-untyped-def]  # boto3's client type comes from stubs, optional here
    return _client("s3")


@lru_cache(maxsize=1)
def dynamodb_client():  # type: ignore[no-untyped-def]
    return _client("dynamodb")


class LazyClient:
    """Stands in for a boto3 client and makes the real one on first use (stores only call methods)."""

    def __init__(self, factory: Callable[[], Any]) -> None:
        self._factory = factory

    def __getattr__(self, name: str) -> Any:
        return getattr(self._factory(), name)


def prime() -> None:
    """Make now what the first request would make: the AWS clients and the page templates."""
    s3_client()
    dynamodb_client()
    from newscard.rendering.templating import environment

    environment()


def register_snapstart_hooks() -> None:
    """Under SnapStart: prime before the snapshot; reseed `random` in every restored copy.

    Copies restored from one snapshot share the random state, so their retry jitter (the site
    index's compare-and-swap retries, botocore's backoff) would collide without a reseed.
    """
    try:
        from snapshot_restore_py import (  # type: ignore[import-not-found]  # only on Lambda
            register_after_restore,
            register_before_snapshot,
        )
    except ImportError:
        return
    register_before_snapshot(prime)
    register_after_restore(random.seed)


def build_publisher(
    settings: Settings | None = None, client: object | None = None, dynamodb: object | None = None
) -> Publisher:
    """client and dynamodb: the S3 and DynamoDB clients to use (the command line's, pointed at
    `--endpoint-url`); by default the process's own, made on first use."""
    check_runtime_sdk()
    register_snapstart_hooks()
    settings = settings or settings_from_env()
    s3 = client if client is not None else LazyClient(s3_client)
    articles = S3Store(s3, settings.articles_bucket)  # type: ignore[arg-type]
    logo = settings.theme.logo_key
    if logo and not articles.exists(logo):
        # Better a failed cold start naming the variable than every publish failing on it.
        raise ConfigurationError(
            f"configuration error: THEME_LOGO_KEY names {logo}, which is not in the articles bucket"
        )
    if logo:
        try:  # decodable too: a broken logo would otherwise fail (and retry) every publish
            decode(articles.get(logo).body, keep_alpha=True)
        except ImageProblem as problem:
            raise ConfigurationError(f"configuration error: THEME_LOGO_KEY {logo}: {problem}") from None
    fetcher = HttpsImageFetcher(settings.asset_hosts) if settings.asset_hosts else None
    state = dynamodb if dynamodb is not None else LazyClient(dynamodb_client)
    return Publisher(
        site=S3Store(s3, settings.site_bucket),  # type: ignore[arg-type]
        images=ImageLoader(articles, fetcher.fetch if fetcher else None),
        settings=settings,
        sources=articles,
        registry=DynamoRegistry(state, settings.state_table),
        listings=DynamoListingTable(state, settings.state_table),
    )


def build_upload_processor(settings: Settings | None = None, client: object | None = None) -> UploadProcessor:
    settings = settings or settings_from_env()
    s3 = client if client is not None else LazyClient(s3_client)
    publisher = build_publisher(settings, s3)
    return UploadProcessor(articles=S3Store(s3, settings.articles_bucket), publisher=publisher)  # type: ignore[arg-type]
