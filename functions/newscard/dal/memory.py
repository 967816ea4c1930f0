"""In-memory and on-disk stores: for tests, previews and `newscard render`."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from pathlib import Path

from newscard.dal.store import StoredObject
from newscard.models.errors import NotFound, PreconditionFailed


def _etag(body: bytes) -> str:
    """S3's ETag for a single-part upload: the quoted MD5 of the bytes (an identity, not security)."""
    return '"' + hashlib.md5(body, usedforsecurity=False).hexdigest() + '"'


def _check_precondition(key: str, current: str | None, if_match: str | None, if_none_match: bool) -> None:
    if if_none_match and current is not None:
        raise PreconditionFailed(f"{key} already exists")
    if if_match is not None and (current is None or current.strip('"') != if_match.strip('"')):
        raise PreconditionFailed(f"{key} changed since it was read")


class MemoryStore:
    """A dict that behaves like a bucket."""

    def __init__(self) -> None:
        self.objects: dict[str, StoredObject] = {}
        # Keys marked for the lifecycle rule (S3 tags them); a put clears the mark, as on S3.
        self.superseded: set[str] = set()
        # Check-and-write must be atomic, as it is in S3, for threads sharing one store.
        self._lock = threading.Lock()

    def get(self, key: str) -> StoredObject:
        try:
            return self.objects[key]
        except KeyError:
            raise NotFound(key) from None

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
        etag = _etag(body)
        with self._lock:
            current = self.objects.get(key)
            _check_precondition(key, current.etag if current else None, if_match, if_none_match)
            self.objects[key] = StoredObject(
                bytes(body), content_type, cache_control, dict(metadata or {}), etag
            )
            self.superseded.discard(key)
        return etag

    def etag(self, key: str) -> str | None:
        current = self.objects.get(key)
        return current.etag if current is not None else None

    def delete(self, key: str) -> None:
        with self._lock:
            self.objects.pop(key, None)
            self.superseded.discard(key)

    def expire(self, key: str) -> None:
        with self._lock:
            if key in self.objects:
                self.superseded.add(key)

    def exists(self, key: str) -> bool:
        return key in self.objects

    def list_keys(self, prefix: str) -> Iterator[str]:
        yield from sorted(k for k in self.objects if k.startswith(prefix))


class DirectoryStore:
    """A folder that behaves like a bucket; headers go to a sidecar so a local site can be inspected."""

    HEADERS_FILE = ".headers.json"

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        # One process writes a local site (the CLI); a lock is enough to make put() and delete()
        # atomic there, for the threads one publish writes and deletes with (store.each_at_once).
        self._lock = threading.Lock()

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root) or path == self.root:
            raise NotFound(key)
        return path

    def get(self, key: str) -> StoredObject:
        path = self._path(key)
        if not path.is_file():
            raise NotFound(key)
        headers = self._headers().get(key, {})
        body = path.read_bytes()
        metadata = {k.removeprefix("meta:"): v for k, v in headers.items() if k.startswith("meta:")}
        return StoredObject(
            body, headers.get("content_type"), headers.get("cache_control"), metadata, etag=_etag(body)
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
        path = self._path(key)
        with self._lock:
            _check_precondition(key, self.etag(key), if_match, if_none_match)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(body)
            headers = self._headers()
            headers[key] = {
                "content_type": content_type,
                "cache_control": cache_control or "",
                **{f"meta:{name}": value for name, value in (metadata or {}).items()},
            }
            self._write_headers(headers)
        return _etag(body)

    def etag(self, key: str) -> str | None:
        path = self._path(key)
        return _etag(path.read_bytes()) if path.is_file() else None

    def delete(self, key: str) -> None:
        path = self._path(key)
        with self._lock:  # the headers sidecar is read, changed and rewritten
            path.unlink(missing_ok=True)
            headers = self._headers()
            if headers.pop(key, None) is not None:
                self._write_headers(headers)

    def expire(self, key: str) -> None:
        # A local site has no lifecycle rule and one writer: superseded files go at once.
        self.delete(key)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def list_keys(self, prefix: str) -> Iterator[str]:
        if not self.root.exists():
            return
        keys = (
            path.relative_to(self.root).as_posix()
            for path in self.root.rglob("*")
            if path.is_file() and path.name != self.HEADERS_FILE
        )
        yield from sorted(k for k in keys if k.startswith(prefix))

    def _headers(self) -> dict[str, dict[str, str]]:
        path = self.root / self.HEADERS_FILE
        return json.loads(path.read_text()) if path.exists() else {}

    def _write_headers(self, headers: dict[str, dict[str, str]]) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / self.HEADERS_FILE).write_text(json.dumps(headers, indent=1, sort_keys=True))
