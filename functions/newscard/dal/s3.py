"""The S3 adapter of the storage port: the only code that talks to S3."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from newscard.dal.store import StoredObject
from newscard.models.errors import NotFound, PreconditionFailed, StorageError

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

# The site bucket's lifecycle rule (template.yaml, ExpireSuperseded) deletes objects tagged so.
SUPERSEDED_TAG = ("newscard", "superseded")
_NOT_FOUND_CODES = frozenset({"NoSuchKey", "404", "NotFound"})
# 412: the If-Match/If-None-Match condition failed; 409: a concurrent conditional write won first.
_CONFLICT_CODES = frozenset({"PreconditionFailed", "412", "ConditionalRequestConflict", "409"})


class S3Store:
    """One bucket through one client; the client is made once by the caller and shared."""

    def __init__(self, client: S3Client, bucket: str) -> None:
        self.client = client
        self.bucket = bucket

    def get(self, key: str) -> StoredObject:
        with _translated(key):
            response = self.client.get_object(Bucket=self.bucket, Key=key)
            body = response["Body"].read()
        return StoredObject(
            body,
            response.get("ContentType"),
            response.get("CacheControl"),
            dict(response.get("Metadata", {})),
            response.get("ETag"),
        )

    def put(
        self,
        key: str,
        body: bytes,
        *,
        content_type: str,
        cache_control: str | None = None,
        metadata: dict[str, str] | None = None,
        if_match: str | None = None,
        if_none_match: bool = False,
    ) -> str:
        extra: dict[str, Any] = {}
        if cache_control:
            extra["CacheControl"] = cache_control
        if metadata:
            extra["Metadata"] = metadata
        # S3 conditional writes: the check and the write are one atomic step on the server.
        if if_match is not None:
            extra["IfMatch"] = if_match
        if if_none_match:
            extra["IfNoneMatch"] = "*"
        with _translated(key):
            response = self.client.put_object(
                Bucket=self.bucket, Key=key, Body=body, ContentType=content_type, **extra
            )
        return response["ETag"]

    def etag(self, key: str) -> str | None:
        try:
            with _translated(key):
                return self.client.head_object(Bucket=self.bucket, Key=key)["ETag"]
        except NotFound:
            return None

    def delete(self, key: str) -> None:
        with _translated(key):
            self.client.delete_object(Bucket=self.bucket, Key=key)

    def expire(self, key: str) -> None:
        try:
            with _translated(key):
                self.client.put_object_tagging(
                    Bucket=self.bucket,
                    Key=key,
                    Tagging={"TagSet": [{"Key": SUPERSEDED_TAG[0], "Value": SUPERSEDED_TAG[1]}]},
                )
        except NotFound:
            pass

    def exists(self, key: str) -> bool:
        try:
            with _translated(key):
                self.client.head_object(Bucket=self.bucket, Key=key)
        except NotFound:
            return False
        return True

    def list_keys(self, prefix: str) -> Iterator[str]:
        paginator = self.client.get_paginator("list_objects_v2")
        with _translated(prefix):
            for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
                for item in page.get("Contents", []):
                    yield item["Key"]


@contextmanager
def _translated(key: str) -> Iterator[None]:
    """Map botocore failures to domain errors by error code, never by message text."""
    try:
        yield
    except ClientError as error:
        code = str(error.response.get("Error", {}).get("Code", ""))
        if code in _NOT_FOUND_CODES:
            raise NotFound(key) from error
        if code in _CONFLICT_CODES:
            raise PreconditionFailed(key) from error
        raise StorageError(f"S3 {code or 'error'} on {key}") from error
    except BotoCoreError as error:
        raise StorageError(f"S3 unreachable on {key}: {type(error).__name__}") from error
