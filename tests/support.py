"""Test doubles shared by the reliability tests: a fault-injecting store and site invariants."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from newscard.dal.listings import Item, Key, ListingTable
from newscard.dal.memory import MemoryStore
from newscard.dal.registry import ArticleState, MemoryRegistry, SlugClaim
from newscard.dal.store import StoredObject
from newscard.models.errors import StorageError
from newscard.models.manifest import Manifest


@dataclass
class FaultPlan:
    """Counts storage operations across stores and fails the one numbered fail_at.

    Independent writes run on several threads at once (dal.store.each_at_once): each operation
    takes its number under a lock, so exactly one fails, whichever thread reaches it.
    """

    fail_at: int | None = None
    count: int = 0
    log: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def tick(self, operation: str) -> None:
        with self._lock:
            index = self.count
            self.count += 1
            self.log.append(operation)
        if index == self.fail_at:
            raise StorageError(f"injected fault on operation {index}: {operation}")


class FaultyStore:
    """Wraps a store; every call goes through the plan first (throttling, 5xx and timeouts alike)."""

    def __init__(self, inner: MemoryStore, plan: FaultPlan, name: str) -> None:
        self.inner, self.plan, self.name = inner, plan, name

    def get(self, key: str) -> StoredObject:
        self.plan.tick(f"{self.name}.get {key}")
        return self.inner.get(key)

    def put(self, key: str, body: bytes, **options: Any) -> str:
        self.plan.tick(f"{self.name}.put {key}")
        return self.inner.put(key, body, **options)

    def etag(self, key: str) -> str | None:
        self.plan.tick(f"{self.name}.etag {key}")
        return self.inner.etag(key)

    def delete(self, key: str) -> None:
        self.plan.tick(f"{self.name}.delete {key}")
        self.inner.delete(key)

    def exists(self, key: str) -> bool:
        self.plan.tick(f"{self.name}.exists {key}")
        return self.inner.exists(key)

    def expire(self, key: str) -> None:
        self.plan.tick(f"{self.name}.expire {key}")
        self.inner.expire(key)

    def list_keys(self, prefix: str) -> Iterator[str]:
        self.plan.tick(f"{self.name}.list {prefix}")
        return iter(list(self.inner.list_keys(prefix)))


class FaultyListingTable:
    """Wraps a listing table the same way: a DynamoDB throttle or timeout mid-listing is a fault too."""

    def __init__(self, inner: ListingTable, plan: FaultPlan, name: str = "listings") -> None:
        self.inner, self.plan, self.name = inner, plan, name

    def get(self, pk: str, sk: str) -> Item | None:
        self.plan.tick(f"{self.name}.get {pk} {sk}")
        return self.inner.get(pk, sk)

    def put(self, item: Item, **options: Any) -> None:
        self.plan.tick(f"{self.name}.put {item['PK']} {item['SK']}")
        self.inner.put(item, **options)

    def delete(self, pk: str, sk: str, **options: Any) -> None:
        self.plan.tick(f"{self.name}.delete {pk} {sk}")
        self.inner.delete(pk, sk, **options)

    def query(self, pk: str, **options: Any) -> list[Item]:
        self.plan.tick(f"{self.name}.query {pk}")
        return self.inner.query(pk, **options)

    def increment(self, pk: str, sk: str, attribute: str = "version") -> int:
        self.plan.tick(f"{self.name}.increment {pk}")
        return self.inner.increment(pk, sk, attribute)

    def write_batch(self, puts: Iterable[Item] = (), deletes: Iterable[Key] = ()) -> None:
        self.plan.tick(f"{self.name}.write_batch")
        self.inner.write_batch(puts, deletes)


class FaultyRegistry:
    """Wraps the registry twin; every DynamoDB call goes through the plan first."""

    def __init__(self, inner: MemoryRegistry, plan: FaultPlan) -> None:
        self.inner, self.plan = inner, plan

    def get(self, source: str) -> ArticleState | None:
        self.plan.tick(f"registry.get {source}")
        return self.inner.get(source)

    def acquire(self, source: str, *, token: str, now: float, until: float) -> ArticleState:
        self.plan.tick(f"registry.acquire {source}")
        return self.inner.acquire(source, token=token, now=now, until=until)

    def release(self, source: str, *, token: str) -> None:
        self.plan.tick(f"registry.release {source}")
        self.inner.release(source, token=token)

    def claim(self, source: str, slug: str, *, token: str) -> None:
        self.plan.tick(f"registry.claim {slug}")
        self.inner.claim(source, slug, token=token)

    def commit(self, state: ArticleState, *, token: str, keep_until: float | None = None) -> ArticleState:
        self.plan.tick(f"registry.commit {state.source} v{state.version}")
        return self.inner.commit(state, token=token, keep_until=keep_until)

    def claim_of(self, slug: str) -> SlugClaim | None:
        self.plan.tick(f"registry.claim_of {slug}")
        return self.inner.claim_of(slug)

    def articles(self) -> Iterator[ArticleState]:
        self.plan.tick("registry.articles")
        return iter(list(self.inner.articles()))

    def restore(self, state: ArticleState) -> None:
        self.plan.tick(f"registry.restore {state.source}")
        self.inner.restore(state)


def registry_view(registry: MemoryRegistry) -> dict[str, Any]:
    """The registry's meaning, without version numbers (a retry may commit more often)."""
    return {
        "articles": {
            source: (s.live, s.slug, s.sha256, s.outputs, s.former_slugs, s.claimed, s.pending)
            for source, s in registry.states.items()
        },
        "claims": dict(registry.claims),
    }


# Cards, images and article pages, linked absolutely or relatively (listings use "", "../../").
_REFERENCE = re.compile(
    r'(?:content|src|href)="(?:https://news\.example\.com/|(?:\.\./)*)((?:cards|images)/[^"]+|articles/[^"/?#]+/)"'
)


def _key_for(reference: str) -> str:
    return reference + "index.html" if reference.endswith("/") else reference


def dangling_references(site: MemoryStore) -> list[str]:
    """Keys that a live page or listing references but the site does not hold (or lets expire)."""
    missing = []
    for key in site.list_keys(""):
        if key.endswith(".html") and key not in site.superseded:
            html = site.get(key).body.decode("utf-8")
            missing += [
                f"{key} -> {ref}"
                for ref in _REFERENCE.findall(html)
                if not site.exists(_key_for(ref)) or _key_for(ref) in site.superseded
            ]
    return missing


def manifest_mismatches(site: MemoryStore) -> list[str]:
    """Differences between each manifest and what the site holds for that slug."""
    problems = []
    for key in site.list_keys("articles/"):
        if not key.endswith("/manifest.json"):
            continue
        manifest = Manifest.model_validate_json(site.get(key).body)
        listed = manifest.keys()
        held = {
            k
            for prefix in (f"cards/{manifest.slug}/", f"images/{manifest.slug}/")
            for k in site.list_keys(prefix)
            if k not in site.superseded  # expiring by lifecycle: no longer part of the article
        } | {f"articles/{manifest.slug}/index.html"}
        problems += [f"listed, not held: {k}" for k in sorted(listed - held)]
        problems += [f"held, not listed: {k}" for k in sorted(held - listed)]
        for output in manifest.outputs:
            if site.exists(output.key) and len(site.get(output.key).body) != output.size:
                problems.append(f"size differs: {output.key}")
    return problems
