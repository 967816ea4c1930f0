"""The article registry port (SPEC section 8): who owns which slug, each article's version and live outputs.

Two adapters with the same semantics: DynamoRegistry (the site state table, through boto3) and
MemoryRegistry (a dict under a lock, for fast tests and fault injection). Logic never sees a
DynamoDB exception: a lost race is ArticleBusy or SlugTaken, anything else StorageError.

Items (key prefixes owned by the registry in the shared state table):
- `SRC#{source}` / `ARTICLE`: one per source (an incoming/ key or api/<slug>.json). Its version
  grows by one on every commit; a writer holds a lease on it (`leaseToken`, `leaseUntil`) while it
  changes the site, so two writers of one article never interleave; the commit is conditional on
  both the lease and the version it read.
- `SLUG#{slug}` / `CLAIM`: who owns a slug. Created only where absent (or already this source's),
  so a slug belongs to the source that claimed it first; a claim with a `target` is a permanent
  redirect from a former slug to the article's current one.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from newscard.models.errors import StorageError


class ArticleBusy(StorageError):
    """Another writer holds the article's lease; retry later (the queue or the client will)."""


class SlugTaken(Exception):
    """The slug belongs to another source."""

    def __init__(self, slug: str, owner: str) -> None:
        self.slug, self.owner = slug, owner
        super().__init__(f"{slug} is owned by {owner}")


@dataclass(frozen=True)
class Pending:
    """Work a commit promised and a later holder finishes if the committer died: listings, old files."""

    upsert: str | None = None  # an IndexEntry as JSON
    remove_slugs: tuple[str, ...] = ()
    delete_keys: tuple[str, ...] = ()
    superseded_keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class ArticleState:
    """One source's article as the registry records it."""

    source: str
    version: int = 0
    live: bool = False
    slug: str | None = None  # the live slug (or, once unpublished, the last one)
    sha256: str | None = None
    renderer_version: str | None = None
    sequencer: str | None = None  # the newest S3 event applied for this source
    outputs: tuple[str, ...] = ()
    former_slugs: tuple[str, ...] = ()  # each answers a 301 to `slug` while live
    claimed: tuple[str, ...] = ()  # every slug this source holds a claim on
    pending: Pending | None = None


@dataclass(frozen=True)
class SlugClaim:
    slug: str
    source: str
    target: str | None = None  # set: a former slug, redirecting to target


class Registry(Protocol):
    """The article registry; every method is one atomic step on the store."""

    def get(self, source: str) -> ArticleState | None: ...

    def acquire(self, source: str, *, token: str, now: float, until: float) -> ArticleState:
        """Take the article's lease (creating the article at version 0); ArticleBusy if held."""
        ...

    def release(self, source: str, *, token: str) -> None:
        """Give the lease back without a commit (best effort: it expires anyway)."""
        ...

    def claim(self, source: str, slug: str, *, token: str) -> None:
        """Own the slug (a no-op if already ours); SlugTaken names the owner otherwise."""
        ...

    def commit(self, state: ArticleState, *, token: str, keep_until: float | None = None) -> ArticleState:
        """Write state over the version it was read at (state.version), under the lease.

        In the same transaction: former slugs become redirects to state.slug; claims no longer
        needed (all of them once not live) are dropped. The lease is released, or kept until
        keep_until when the holder has more to do. Returns the state as stored.
        """
        ...

    def claim_of(self, slug: str) -> SlugClaim | None: ...

    def articles(self) -> Iterator[ArticleState]: ...

    def restore(self, state: ArticleState) -> None:
        """Rebuild from a manifest (newscard reindex): the article and its claims, unconditionally."""
        ...


def claims_after(state: ArticleState) -> tuple[dict[str, str | None], set[str]]:
    """What a commit does to claims: slug -> redirect target to write, and slugs to drop."""
    if not state.live or state.slug is None:
        return {}, set(state.claimed) | set(state.former_slugs) | ({state.slug} if state.slug else set())
    redirects: dict[str, str | None] = {former: state.slug for former in state.former_slugs}
    drop = set(state.claimed) - set(state.former_slugs) - {state.slug}
    return redirects, drop


def committed(state: ArticleState) -> ArticleState:
    """The state a commit stores: the next version, holding claims only on the slugs it uses."""
    keep = {*state.former_slugs, state.slug} if state.live and state.slug else set()
    return replace(state, version=state.version + 1, claimed=tuple(sorted(keep)))


class MemoryRegistry:
    """The registry in a dict: the DynamoDB adapter's semantics, atomic under one lock."""

    def __init__(self) -> None:
        self.states: dict[str, ArticleState] = {}
        self.claims: dict[str, SlugClaim] = {}
        self.leases: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def get(self, source: str) -> ArticleState | None:
        return self.states.get(source)

    def acquire(self, source: str, *, token: str, now: float, until: float) -> ArticleState:
        with self._lock:
            held = self.leases.get(source)
            if held is not None and held[1] >= now:
                raise ArticleBusy(f"{source} is being written by another worker")
            self.leases[source] = (token, until)
            return self.states.setdefault(source, ArticleState(source))

    def release(self, source: str, *, token: str) -> None:
        with self._lock:
            if self.leases.get(source, ("", 0))[0] == token:
                del self.leases[source]

    def claim(self, source: str, slug: str, *, token: str) -> None:
        with self._lock:
            self._check_lease(source, token)
            owner = self.claims.get(slug)
            if owner is not None and owner.source != source:
                raise SlugTaken(slug, owner.source)
            self.claims[slug] = SlugClaim(slug, source)
            state = self.states[source]
            self.states[source] = replace(state, claimed=tuple(sorted({*state.claimed, slug})))

    def commit(self, state: ArticleState, *, token: str, keep_until: float | None = None) -> ArticleState:
        with self._lock:
            self._check_lease(state.source, token)
            stored = self.states.get(state.source)
            if (stored.version if stored else 0) != state.version:
                raise ArticleBusy(f"{state.source} changed since it was read")
            redirects, drop = claims_after(state)
            for slug in drop:
                if slug in self.claims and self.claims[slug].source == state.source:
                    del self.claims[slug]
            for slug, target in redirects.items():
                self.claims[slug] = SlugClaim(slug, state.source, target)
            new = committed(state)
            self.states[state.source] = new
            if keep_until is None:
                self.leases.pop(state.source, None)
            else:
                self.leases[state.source] = (token, keep_until)
            return new

    def claim_of(self, slug: str) -> SlugClaim | None:
        return self.claims.get(slug)

    def articles(self) -> Iterator[ArticleState]:
        yield from sorted(self.states.values(), key=lambda state: state.source)

    def restore(self, state: ArticleState) -> None:
        with self._lock:
            stored = self.states.get(state.source)
            self.states[state.source] = replace(state, version=(stored.version + 1) if stored else 1)
            for slug in state.claimed:
                target = state.slug if slug in state.former_slugs else None
                self.claims[slug] = SlugClaim(slug, state.source, target)

    def _check_lease(self, source: str, token: str) -> None:
        if self.leases.get(source, ("", 0))[0] != token:
            raise ArticleBusy(f"{source}: the lease was lost")


# --- DynamoDB --------------------------------------------------------------------------------------

ARTICLE_SK = "ARTICLE"
CLAIM_SK = "CLAIM"
_CONFLICT = "ConditionalCheckFailedException"


def source_key(source: str) -> dict[str, Any]:
    return {"PK": {"S": f"SRC#{source}"}, "SK": {"S": ARTICLE_SK}}


def slug_key(slug: str) -> dict[str, Any]:
    return {"PK": {"S": f"SLUG#{slug}"}, "SK": {"S": CLAIM_SK}}


def _strings(values: tuple[str, ...] | list[str]) -> dict[str, Any]:
    return {"L": [{"S": value} for value in values]}


def _item(state: ArticleState) -> dict[str, Any]:
    item: dict[str, Any] = {
        **source_key(state.source),
        "source": {"S": state.source},
        "version": {"N": str(state.version)},
        "live": {"BOOL": state.live},
        "outputs": _strings(state.outputs),
        "formerSlugs": _strings(state.former_slugs),
        "claimed": _strings(state.claimed),
    }
    for name, value in (
        ("slug", state.slug),
        ("sha256", state.sha256),
        ("rendererVersion", state.renderer_version),
        ("sequencer", state.sequencer),
    ):
        if value is not None:
            item[name] = {"S": value}
    if state.pending is not None:
        pending = state.pending
        item["pending"] = {
            "M": {
                "removeSlugs": _strings(pending.remove_slugs),
                "deleteKeys": _strings(pending.delete_keys),
                "supersededKeys": _strings(pending.superseded_keys),
                **({"upsert": {"S": pending.upsert}} if pending.upsert is not None else {}),
            }
        }
    return item


def _list(item: dict[str, Any], name: str) -> tuple[str, ...]:
    return tuple(value["S"] for value in item.get(name, {}).get("L", []))


def _text(item: dict[str, Any], name: str) -> str | None:
    value = item.get(name)
    return str(value["S"]) if value is not None else None


def _state(item: dict[str, Any]) -> ArticleState:
    pending = None
    if "pending" in item:
        stored = item["pending"]["M"]
        pending = Pending(
            upsert=_text(stored, "upsert"),
            remove_slugs=_list(stored, "removeSlugs"),
            delete_keys=_list(stored, "deleteKeys"),
            superseded_keys=_list(stored, "supersededKeys"),
        )
    return ArticleState(
        source=item["source"]["S"],
        version=int(item.get("version", {"N": "0"})["N"]),
        live=bool(item.get("live", {"BOOL": False})["BOOL"]),
        slug=_text(item, "slug"),
        sha256=_text(item, "sha256"),
        renderer_version=_text(item, "rendererVersion"),
        sequencer=_text(item, "sequencer"),
        outputs=_list(item, "outputs"),
        former_slugs=_list(item, "formerSlugs"),
        claimed=_list(item, "claimed"),
        pending=pending,
    )


@dataclass
class DynamoRegistry:
    """The registry in the site state table; the client is made once by the caller and shared."""

    client: Any
    table: str
    _page_size: int = field(default=100, repr=False)

    def get(self, source: str) -> ArticleState | None:
        with _translated(source):
            item = self.client.get_item(TableName=self.table, Key=source_key(source), ConsistentRead=True)
        return _state(item["Item"]) if "Item" in item else None

    def acquire(self, source: str, *, token: str, now: float, until: float) -> ArticleState:
        try:
            with _translated(source):
                response = self.client.update_item(
                    TableName=self.table,
                    Key=source_key(source),
                    UpdateExpression=(
                        "SET leaseToken = :t, leaseUntil = :u, #src = :s,"
                        " version = if_not_exists(version, :zero)"
                    ),
                    ConditionExpression="attribute_not_exists(leaseToken) OR leaseUntil < :now",
                    ExpressionAttributeNames={"#src": "source"},
                    ExpressionAttributeValues={
                        ":t": {"S": token},
                        ":u": {"N": repr(until)},
                        ":now": {"N": repr(now)},
                        ":s": {"S": source},
                        ":zero": {"N": "0"},
                    },
                    ReturnValues="ALL_NEW",
                )
        except _Conflict:
            raise ArticleBusy(f"{source} is being written by another worker") from None
        return _state(response["Attributes"])

    def release(self, source: str, *, token: str) -> None:
        try:
            with _translated(source):
                self.client.update_item(
                    TableName=self.table,
                    Key=source_key(source),
                    UpdateExpression="REMOVE leaseToken, leaseUntil",
                    ConditionExpression="leaseToken = :t",
                    ExpressionAttributeValues={":t": {"S": token}},
                )
        except _Conflict:
            pass  # no longer ours: nothing to give back

    def claim(self, source: str, slug: str, *, token: str) -> None:
        try:
            with _translated(slug):
                self.client.transact_write_items(
                    TransactItems=[
                        {
                            "Put": {
                                "TableName": self.table,
                                "Item": {**slug_key(slug), "source": {"S": source}, "slug": {"S": slug}},
                                "ConditionExpression": "attribute_not_exists(PK) OR #src = :s",
                                "ExpressionAttributeNames": {"#src": "source"},
                                "ExpressionAttributeValues": {":s": {"S": source}},
                                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                            }
                        },
                        {
                            "Update": {
                                "TableName": self.table,
                                "Key": source_key(source),
                                "UpdateExpression": (
                                    "SET claimed = list_append(if_not_exists(claimed, :empty), :slug)"
                                ),
                                "ConditionExpression": "leaseToken = :t",
                                "ExpressionAttributeValues": {
                                    ":t": {"S": token},
                                    ":slug": _strings([slug]),
                                    ":empty": {"L": []},
                                },
                            }
                        },
                    ]
                )
        except _Cancelled as cancelled:
            reasons = cancelled.reasons
            if reasons and reasons[0].get("Code") == "ConditionalCheckFailed":
                owner = reasons[0].get("Item", {}).get("source", {}).get("S", "another source")
                raise SlugTaken(slug, owner) from None
            raise ArticleBusy(f"{source}: the lease was lost") from None

    def commit(self, state: ArticleState, *, token: str, keep_until: float | None = None) -> ArticleState:
        new = committed(state)
        item = _item(new)
        if keep_until is not None:
            item["leaseToken"] = {"S": token}
            item["leaseUntil"] = {"N": repr(keep_until)}
        redirects, drop = claims_after(state)
        actions: list[dict[str, Any]] = [
            {
                "Put": {
                    "TableName": self.table,
                    "Item": item,
                    "ConditionExpression": "version = :v AND leaseToken = :t",
                    "ExpressionAttributeValues": {":v": {"N": str(state.version)}, ":t": {"S": token}},
                }
            }
        ]
        owned = {
            "ConditionExpression": "attribute_not_exists(PK) OR #src = :s",
            "ExpressionAttributeNames": {"#src": "source"},
            "ExpressionAttributeValues": {":s": {"S": state.source}},
        }
        for slug, target in sorted(redirects.items()):
            claim = {**slug_key(slug), "source": {"S": state.source}, "slug": {"S": slug}}
            if target is not None:
                claim["target"] = {"S": target}
            actions.append({"Put": {"TableName": self.table, "Item": claim, **owned}})
        for slug in sorted(drop):
            actions.append({"Delete": {"TableName": self.table, "Key": slug_key(slug), **owned}})
        try:
            with _translated(state.source):
                # A transaction takes at most 100 actions: far more former slugs than any article has.
                self.client.transact_write_items(TransactItems=actions[:100])
        except _Cancelled:
            raise ArticleBusy(f"{state.source} changed since it was read") from None
        return new

    def claim_of(self, slug: str) -> SlugClaim | None:
        with _translated(slug):
            item = self.client.get_item(TableName=self.table, Key=slug_key(slug), ConsistentRead=True)
        if "Item" not in item:
            return None
        stored = item["Item"]
        return SlugClaim(slug, stored["source"]["S"], _text(stored, "target"))

    def articles(self) -> Iterator[ArticleState]:
        paginator = self.client.get_paginator("scan")
        with _translated("articles"):
            for page in paginator.paginate(
                TableName=self.table,
                FilterExpression="SK = :sk AND begins_with(PK, :src)",
                ExpressionAttributeValues={":sk": {"S": ARTICLE_SK}, ":src": {"S": "SRC#"}},
                PaginationConfig={"PageSize": self._page_size},
            ):
                for item in page.get("Items", []):
                    yield _state(item)

    def restore(self, state: ArticleState) -> None:
        stored = self.get(state.source)
        item = _item(replace(state, version=(stored.version + 1) if stored else 1))
        with _translated(state.source):
            self.client.put_item(TableName=self.table, Item=item)
            for slug in state.claimed:
                claim = {**slug_key(slug), "source": {"S": state.source}, "slug": {"S": slug}}
                if slug in state.former_slugs and state.slug:
                    claim["target"] = {"S": state.slug}
                self.client.put_item(TableName=self.table, Item=claim)


class _Conflict(Exception):
    """A conditional write's condition did not hold."""


class _Cancelled(Exception):
    """A transaction was cancelled; reasons are in TransactItems order."""

    def __init__(self, reasons: list[dict[str, Any]]) -> None:
        self.reasons = reasons
        super().__init__("transaction cancelled")


@contextmanager
def _translated(what: str) -> Iterator[None]:
    """Map botocore failures to domain errors by error code, never by message text."""
    try:
        yield
    except ClientError as error:
        code = str(error.response.get("Error", {}).get("Code", ""))
        if code == _CONFLICT:
            raise _Conflict(what) from error
        if code == "TransactionCanceledException":
            reasons: list[dict[str, Any]] = [dict(r) for r in error.response.get("CancellationReasons", [])]
            raise _Cancelled(reasons) from error
        raise StorageError(f"DynamoDB {code or 'error'} on {what}") from error
    except BotoCoreError as error:
        raise StorageError(f"DynamoDB unreachable on {what}: {type(error).__name__}") from error
