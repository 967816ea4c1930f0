"""The registry port: the DynamoDB adapter (on moto) and the in-memory twin behave the same."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import boto3
import pytest

from newscard.dal.registry import (
    ArticleBusy,
    ArticleState,
    DynamoRegistry,
    MemoryRegistry,
    Registry,
    SlugTaken,
)
from tests.conftest import STATE_TABLE


@pytest.fixture(params=["memory", "dynamodb"])
def registry(request: pytest.FixtureRequest) -> Iterator[Registry]:
    if request.param == "memory":
        yield MemoryRegistry()
    else:
        request.getfixturevalue("s3")  # moto, with the state table made as template.yaml declares it
        yield DynamoRegistry(boto3.client("dynamodb", region_name="us-east-1"), STATE_TABLE)


def test_a_lease_excludes_a_second_writer_until_released_or_expired(registry: Registry) -> None:
    state = registry.acquire("incoming/a.json", token="one", now=100, until=400)
    assert (state.source, state.version, state.live) == ("incoming/a.json", 0, False)
    with pytest.raises(ArticleBusy):
        registry.acquire("incoming/a.json", token="two", now=200, until=500)
    registry.acquire("incoming/a.json", token="three", now=401, until=700)  # the first expired
    registry.release("incoming/a.json", token="three")
    registry.acquire("incoming/a.json", token="four", now=402, until=700)


def test_a_slug_belongs_to_its_first_claimant(registry: Registry) -> None:
    registry.acquire("incoming/a.json", token="a", now=0, until=100)
    registry.acquire("incoming/b.json", token="b", now=0, until=100)
    registry.claim("incoming/a.json", "storm", token="a")
    registry.claim("incoming/a.json", "storm", token="a")  # again: still ours
    with pytest.raises(SlugTaken) as taken:
        registry.claim("incoming/b.json", "storm", token="b")
    assert taken.value.owner == "incoming/a.json"
    with pytest.raises(ArticleBusy):
        registry.claim("incoming/a.json", "other", token="not-the-lease")


def test_a_commit_is_conditional_on_the_version_and_leaves_redirects(registry: Registry) -> None:
    source = "incoming/a.json"
    state = registry.acquire(source, token="t", now=0, until=100)
    registry.claim(source, "first", token="t")
    live = registry.commit(
        replace(state, live=True, slug="first", claimed=("first",), outputs=("articles/first/index.html",)),
        token="t",
        keep_until=100,
    )
    assert live.version == 1
    with pytest.raises(ArticleBusy):  # written over a version that is no longer current
        registry.commit(replace(state, sequencer="x"), token="t", keep_until=100)
    registry.claim(source, "second", token="t")
    moved = registry.commit(
        replace(live, slug="second", former_slugs=("first",), claimed=("first", "second")), token="t"
    )
    assert moved.version == 2 and registry.get(source) == moved
    first, second = registry.claim_of("first"), registry.claim_of("second")
    assert first is not None and (first.source, first.target) == (source, "second")
    assert second is not None and (second.source, second.target) == (source, None)

    # Unpublished: every claim goes, so the slugs are free for anyone.
    state = registry.acquire(source, token="u", now=200, until=300)
    registry.commit(replace(state, live=False, outputs=(), former_slugs=()), token="u")
    assert registry.claim_of("first") is None and registry.claim_of("second") is None
    assert [s.source for s in registry.articles()] == [source]


def test_restore_rebuilds_an_article_with_its_claims(registry: Registry) -> None:
    state = ArticleState(
        "incoming/a.json", live=True, slug="new", former_slugs=("old",), claimed=("new", "old")
    )
    registry.restore(state)
    stored = registry.get("incoming/a.json")
    assert stored is not None and (stored.slug, stored.former_slugs) == ("new", ("old",))
    old = registry.claim_of("old")
    assert old is not None and old.target == "new"


def test_storage_failures_are_domain_errors(s3: Any) -> None:
    from newscard.models.errors import StorageError

    broken = DynamoRegistry(boto3.client("dynamodb", region_name="us-east-1"), "no-such-table")
    with pytest.raises(StorageError):
        broken.get("incoming/a.json")
