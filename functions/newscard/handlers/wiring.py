"""The composition root for Lambda: clients and stores made once per execution environment."""

from __future__ import annotations

from functools import lru_cache

import boto3
from botocore.config import Config

from newscard.dal.https_images import HttpsImageFetcher
from newscard.dal.registry import DynamoRegistry
from newscard.dal.s3 import S3Store
from newscard.logic.images import ImageLoader
from newscard.logic.publish import Publisher
from newscard.logic.uploads import UploadProcessor
from newscard.models.errors import ConfigurationError
from newscard.models.settings import Settings, settings_from_env
from newscard.rendering.images import ImageProblem, decode

# Standard retry mode backs off on throttling and 5xx before our own queue-level retry.
_BOTO_CONFIG = Config(retries={"max_attempts": 4, "mode": "standard"}, connect_timeout=5, read_timeout=20)


@lru_cache(maxsize=1)
def s3_client():  # type: ignore[no-untyped-def]  # boto3's client type comes from stubs, optional here
    return boto3.client("s3", config=_BOTO_CONFIG)


def build_publisher(settings: Settings | None = None, client: object | None = None) -> Publisher:
    settings = settings or settings_from_env()
    s3 = client if client is not None else s3_client()
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
    return Publisher(
        site=S3Store(s3, settings.site_bucket),  # type: ignore[arg-type]
        images=ImageLoader(articles, fetcher.fetch if fetcher else None),
        settings=settings,
        sources=articles,
        # Made with the publisher (once per execution environment), so it always talks to the
        # endpoint and credentials of this environment.
        registry=DynamoRegistry(boto3.client("dynamodb", config=_BOTO_CONFIG), settings.state_table),
    )


def build_upload_processor(settings: Settings | None = None, client: object | None = None) -> UploadProcessor:
    settings = settings or settings_from_env()
    s3 = client if client is not None else s3_client()
    publisher = build_publisher(settings, s3)
    return UploadProcessor(articles=S3Store(s3, settings.articles_bucket), publisher=publisher)  # type: ignore[arg-type]
