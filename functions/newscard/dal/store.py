"""The storage port: what logic may ask of a bucket. Adapters live beside it."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Protocol

# Store calls that do not depend on each other go this many at a time. Each is a network round
# trip (S3 answers a small PUT in some 20-30 ms from Lambda) that waits on the network, not the
# CPU, so a seed article's 15 cards and images take two round trips' time instead of fifteen.
# Below botocore's default pool of 10 connections per client.
CONCURRENT_CALLS = 8


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


def each_at_once[T, R](call: Callable[[T], R], items: Iterable[T]) -> list[R]:
    """call(item) for every item, up to CONCURRENT_CALLS at a time, and their results in item order:
    for calls whose order does not matter (writing files nothing references yet, deleting files
    nothing links to any more, checking that files exist).

    Returns only once every call has ended, then raises the first failure in item order: a caller
    never goes on to write what references these files while one is unwritten or still in flight.
    """
    pending = list(items)
    if len(pending) < 2:
        return [call(item) for item in pending]
    workers = min(CONCURRENT_CALLS, len(pending))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="newscard-store") as pool:
        futures = [pool.submit(call, item) for item in pending]
    return [future.result() for future in futures]
