"""The storage port: what logic may ask of a bucket. Adapters live beside it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class StoredObject:
    body: bytes
    content_type: str | None = None
    cache_control: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    # Opaque version tag (S3's ETag); what a conditional put compares against.
    etag: str | None = None


class ObjectStore(Protocol):
    """A flat key/value bucket. Missing keys raise NotFound; transient faults raise StorageError.

    put() is compare-and-swap when asked: with if_match it writes only over that exact version,
    with if_none_match only where nothing exists; otherwise it raises PreconditionFailed. This is
    what lets concurrent Lambdas share one document without losing each other's changes.
    """

    def get(self, key: str) -> StoredObject: ...

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
        """Write the object; returns its new version tag (ETag)."""
        ...

    def etag(self, key: str) -> str | None:
        """The current version tag, or None when the key does not exist."""
        ...

    def delete(self, key: str) -> None: ...

    def expire(self, key: str) -> None:
        """Mark a superseded object for deletion by the bucket's lifecycle rule, days from now.

        Readers may still hold cached pages that reference it, so it is not deleted at once; a later
        put of the same key (the same bytes published again) clears the mark. Missing keys are fine.
        """
        ...

    def exists(self, key: str) -> bool: ...

    def list_keys(self, prefix: str) -> Iterator[str]: ...
