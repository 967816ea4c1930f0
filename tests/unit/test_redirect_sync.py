"""infra/redirects/app.py: slug-claim stream records -> KeyValueStore keys (the data plane is not in
moto, so a recording client stands in for it; the stream records are DynamoDB's real shape)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from botocore.exceptions import ClientError

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def app() -> ModuleType:
    spec = importlib.util.spec_from_file_location("redirect_sync", ROOT / "infra" / "redirects" / "app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class KeyValueStore:
    """Keeps keys and an ETag like the service; the first write may be made to lose a race (409)."""

    def __init__(self, conflicts: int = 0) -> None:
        self.keys: dict[str, str] = {}
        self.etag = 0
        self.conflicts = conflicts

    def describe_key_value_store(self, KvsARN: str) -> dict[str, Any]:
        return {"ETag": str(self.etag)}

    def _check(self, if_match: str) -> None:
        if self.conflicts or if_match != str(self.etag):
            self.conflicts = max(0, self.conflicts - 1)
            raise ClientError({"Error": {"Code": "ConflictException"}}, "UpdateKeys")
        self.etag += 1

    def put_key(self, KvsARN: str, Key: str, Value: str, IfMatch: str) -> None:
        self._check(IfMatch)
        self.keys[Key] = Value

    def delete_key(self, KvsARN: str, Key: str, IfMatch: str) -> None:
        if Key not in self.keys:
            raise ClientError({"Error": {"Code": "ResourceNotFoundException"}}, "DeleteKey")
        self._check(IfMatch)
        del self.keys[Key]


def record(event: str, slug: str, target: str | None = None, pk: str | None = None) -> dict[str, Any]:
    image = {"PK": {"S": pk or f"SLUG#{slug}"}, "SK": {"S": "CLAIM"}, "source": {"S": "incoming/a.json"}}
    if target is not None:
        image["target"] = {"S": target}
    change: dict[str, Any] = {"Keys": {"PK": image["PK"], "SK": image["SK"]}}
    if event != "REMOVE":
        change["NewImage"] = image
    return {"eventName": event, "eventSource": "aws:dynamodb", "dynamodb": change}


def test_a_former_slug_becomes_a_key_and_a_move_back_or_removal_deletes_it(app: ModuleType) -> None:
    store = KeyValueStore(conflicts=1)
    redirects = app.Redirects(store, "arn:kvs")
    applied = app.handle(
        [
            record("INSERT", "new-slug"),
            record("MODIFY", "old-slug", target="new-slug"),
            record("INSERT", "x", pk="SRC#incoming/a.json"),  # not a claim: ignored
        ],
        redirects,
    )
    assert applied == 2 and store.keys == {"old-slug": "new-slug"}
    app.handle([record("MODIFY", "old-slug")], redirects)  # live again at its old slug
    assert store.keys == {}
    app.handle([record("REMOVE", "old-slug"), record("REMOVE", "old-slug")], redirects)  # idempotent
    assert store.keys == {}
