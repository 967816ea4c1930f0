"""The listing store: plain items in the site state table (`LIST#...` and `PAGE#...` keys), two adapters.

Logic sees only the ListingTable port: get, put (optionally conditional), delete, a range query over
one partition, an atomic counter and a batch writer. DynamoListingTable is the real thing;
MemoryListingTable is its in-memory twin with the same semantics (sort order, conditions,
counters), used by `newscard render`, unit tests, and the benchmark that shows the design's own
scaling (moto answers every query by scanning, so its timings grow whatever the design).

Items are flat: string or integer attributes only (JSON text where structure is needed), so no
Decimal or type descriptors leak out of the adapter.
"""

from __future__ import annotations

import bisect
import threading
import weakref
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from newscard.dal.state_table import PARTITION_KEY, SORT_KEY
from newscard.models.errors import PreconditionFailed, StorageError

Item = dict[str, str | int]
Key = tuple[str, str]

# BatchWriteItem takes at most 25 requests (moto and DynamoDB alike reject the 26th).
BATCH_MAX = 25
_UNPROCESSED_RETRIES = 8


class ListingTable(Protocol):
    """Items addressed by (partition, sort) key; conditions raise PreconditionFailed, faults StorageError."""

    def get(self, pk: str, sk: str) -> Item | None: ...

    def put(self, item: Item, *, if_absent: bool = False, if_version: int | None = None) -> None:
        """Write the item. if_absent: only where none exists. if_version: only over the item whose
        `version` is that number (0 means: absent, or version 0)."""
        ...

    def delete(self, pk: str, sk: str, *, if_version: int | None = None) -> None: ...

    def query(
        self, pk: str, *, low: str, high: str, newest_first: bool = True, limit: int | None = None
    ) -> list[Item]:
        """Items of one partition whose sort key is within [low, high], in sort-key order."""
        ...

    def increment(self, pk: str, sk: str, attribute: str = "version") -> int:
        """Add one to a counter (creating it at 1) and return the new value: atomic."""
        ...

    def write_batch(self, puts: Iterable[Item] = (), deletes: Iterable[Key] = ()) -> None:
        """Unconditional puts and deletes, in batches of 25 (for seeding and bulk moves)."""
        ...


def _key(item: Mapping[str, str | int]) -> Key:
    return str(item[PARTITION_KEY]), str(item[SORT_KEY])


@dataclass
class MemoryListingTable:
    """The in-memory twin: one sorted list of sort keys per partition, one lock for the table."""

    _items: dict[str, dict[str, Item]] = field(default_factory=dict)
    _order: dict[str, list[str]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def get(self, pk: str, sk: str) -> Item | None:
        with self._lock:
            found = self._items.get(pk, {}).get(sk)
            return dict(found) if found is not None else None

    def put(self, item: Item, *, if_absent: bool = False, if_version: int | None = None) -> None:
        pk, sk = _key(item)
        with self._lock:
            current = self._items.get(pk, {}).get(sk)
            _check(current, if_absent=if_absent, if_version=if_version, key=(pk, sk))
            self._store(pk, sk, dict(item))

    def delete(self, pk: str, sk: str, *, if_version: int | None = None) -> None:
        with self._lock:
            current = self._items.get(pk, {}).get(sk)
            if if_version is not None:
                _check(current, if_absent=False, if_version=if_version, key=(pk, sk))
            self._remove(pk, sk)

    def query(
        self, pk: str, *, low: str, high: str, newest_first: bool = True, limit: int | None = None
    ) -> list[Item]:
        if not (pk and low and high):
            raise StorageError("query: key values must not be empty (DynamoDB refuses them)")
        with self._lock:
            order = self._order.get(pk, [])
            start, stop = bisect.bisect_left(order, low), bisect.bisect_right(order, high)
            if newest_first:
                first = stop - limit if limit is not None else start
                keys = order[max(start, first) : stop][::-1]
            else:
                keys = order[start : stop if limit is None else min(stop, start + limit)]
            items = self._items[pk] if keys else {}
            return [dict(items[sk]) for sk in keys]

    def increment(self, pk: str, sk: str, attribute: str = "version") -> int:
        with self._lock:
            current = dict(self._items.get(pk, {}).get(sk) or {PARTITION_KEY: pk, SORT_KEY: sk})
            value = int(current.get(attribute, 0)) + 1
            current[attribute] = value
            self._store(pk, sk, current)
            return value

    def write_batch(self, puts: Iterable[Item] = (), deletes: Iterable[Key] = ()) -> None:
        with self._lock:
            for item in puts:
                self._store(*_key(item), dict(item))
            for pk, sk in deletes:
                self._remove(pk, sk)

    def _store(self, pk: str, sk: str, item: Item) -> None:
        partition = self._items.setdefault(pk, {})
        if sk not in partition:
            bisect.insort(self._order.setdefault(pk, []), sk)
        partition[sk] = item

    def _remove(self, pk: str, sk: str) -> None:
        partition = self._items.get(pk, {})
        if partition.pop(sk, None) is not None:
            order = self._order[pk]
            del order[bisect.bisect_left(order, sk)]


_TWINS: weakref.WeakKeyDictionary[object, MemoryListingTable] = weakref.WeakKeyDictionary()
_TWINS_LOCK = threading.Lock()


def memory_listings_for(site: object) -> MemoryListingTable:
    """The in-memory listing table that belongs with a site store, made on first use: listings
    live as long as the pages they describe, whichever Publisher wrote them."""
    with _TWINS_LOCK:
        table = _TWINS.get(site)
        if table is None:
            table = _TWINS[site] = MemoryListingTable()
        return table


def _check(current: Item | None, *, if_absent: bool, if_version: int | None, key: Key) -> None:
    if if_absent and current is not None:
        raise PreconditionFailed(f"{key}: already exists")
    if if_version is not None:
        found = int(current.get("version", 0)) if current is not None else 0
        if found != if_version:
            raise PreconditionFailed(f"{key}: version {found}, expected {if_version}")


def _to_dynamo(item: Mapping[str, str | int]) -> dict[str, Any]:
    return {
        name: {"N": str(value)} if isinstance(value, int) else {"S": value} for name, value in item.items()
    }


def _from_dynamo(raw: Mapping[str, Any]) -> Item:
    item: Item = {}
    for name, typed in raw.items():
        if "N" in typed:
            item[name] = int(typed["N"])
        elif "S" in typed:
            item[name] = str(typed["S"])
    return item


@dataclass(frozen=True)
class DynamoListingTable:
    """The port over a DynamoDB table with keys PK/SK (template.yaml's SiteStateTable).

    Reads are strongly consistent: the render-then-check-version loop in logic/site_index.py
    depends on reading what the last acknowledged write wrote.
    """

    client: Any
    table: str

    def get(self, pk: str, sk: str) -> Item | None:
        response = self._call(
            "get_item",
            TableName=self.table,
            Key=_to_dynamo({PARTITION_KEY: pk, SORT_KEY: sk}),
            ConsistentRead=True,
        )
        return _from_dynamo(response["Item"]) if "Item" in response else None

    def put(self, item: Item, *, if_absent: bool = False, if_version: int | None = None) -> None:
        extra: dict[str, Any] = {}
        if if_absent:
            extra["ConditionExpression"] = "attribute_not_exists(PK)"
        elif if_version is not None:
            extra.update(_version_condition(if_version))
        self._call("put_item", TableName=self.table, Item=_to_dynamo(item), **extra)

    def delete(self, pk: str, sk: str, *, if_version: int | None = None) -> None:
        extra = _version_condition(if_version) if if_version is not None else {}
        self._call(
            "delete_item", TableName=self.table, Key=_to_dynamo({PARTITION_KEY: pk, SORT_KEY: sk}), **extra
        )

    def query(
        self, pk: str, *, low: str, high: str, newest_first: bool = True, limit: int | None = None
    ) -> list[Item]:
        request: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "PK = :pk AND SK BETWEEN :low AND :high",
            "ExpressionAttributeValues": {":pk": {"S": pk}, ":low": {"S": low}, ":high": {"S": high}},
            "ScanIndexForward": not newest_first,
            "ConsistentRead": True,
        }
        items: list[Item] = []
        while True:
            if limit is not None:
                request["Limit"] = limit - len(items)
            response = self._call("query", **request)
            items.extend(_from_dynamo(raw) for raw in response.get("Items", []))
            last = response.get("LastEvaluatedKey")
            if last is None or (limit is not None and len(items) >= limit):
                return items
            request["ExclusiveStartKey"] = last

    def increment(self, pk: str, sk: str, attribute: str = "version") -> int:
        response = self._call(
            "update_item",
            TableName=self.table,
            Key=_to_dynamo({PARTITION_KEY: pk, SORT_KEY: sk}),
            UpdateExpression="ADD #a :one",
            ExpressionAttributeNames={"#a": attribute},
            ExpressionAttributeValues={":one": {"N": "1"}},
            ReturnValues="UPDATED_NEW",
        )
        return int(response["Attributes"][attribute]["N"])

    def write_batch(self, puts: Iterable[Item] = (), deletes: Iterable[Key] = ()) -> None:
        requests: list[dict[str, Any]] = [{"PutRequest": {"Item": _to_dynamo(item)}} for item in puts]
        requests += [
            {"DeleteRequest": {"Key": _to_dynamo({PARTITION_KEY: pk, SORT_KEY: sk})}} for pk, sk in deletes
        ]
        for start in range(0, len(requests), BATCH_MAX):
            pending: dict[str, Any] = {self.table: requests[start : start + BATCH_MAX]}
            for _ in range(_UNPROCESSED_RETRIES):
                response = self._call("batch_write_item", RequestItems=pending)
                pending = response.get("UnprocessedItems") or {}
                if not pending:
                    break
            else:
                raise StorageError(
                    f"{self.table}: batch write still throttled after {_UNPROCESSED_RETRIES} tries"
                )

    def _call(self, operation: str, **request: Any) -> Any:
        try:
            return getattr(self.client, operation)(**request)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if code == "ConditionalCheckFailedException":
                raise PreconditionFailed(f"{self.table}: condition failed on {operation}") from None
            raise StorageError(f"{self.table}: {operation} failed: {code or error}") from error
        except BotoCoreError as error:
            raise StorageError(f"{self.table}: {operation} failed: {error}") from error


def _version_condition(expected: int) -> dict[str, Any]:
    if expected == 0:
        return {
            "ConditionExpression": "attribute_not_exists(PK) OR version = :v",
            "ExpressionAttributeValues": {":v": {"N": "0"}},
        }
    return {"ConditionExpression": "version = :v", "ExpressionAttributeValues": {":v": {"N": str(expected)}}}
