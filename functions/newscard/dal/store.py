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


class ObjectStore(Protocol):
    """A flat key/value bucket. Missing keys raise NotFound; transient faults raise StorageError."""

    def get(self, key: str) -> StoredObject: ...

    def put(
        self,
        key: str,
        body: bytes,
        *,
        content_type: str,
        cache_control: str | None = None,
        metadata: dict[str, str] | None = None,
    ) -> None: ...

    def delete(self, key: str) -> None: ...

    def exists(self, key: str) -> bool: ...

    def list_keys(self, prefix: str) -> Iterator[str]: ...
