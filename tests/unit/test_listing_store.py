"""The listing store's port: the DynamoDB adapter (on moto) and its in-memory twin behave alike."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from newscard.dal.listings import DynamoListingTable, ListingTable, MemoryListingTable
from newscard.dal.state_table import create_state_table
from newscard.models.errors import PreconditionFailed


@pytest.fixture(params=["memory", "moto"])
def table(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[ListingTable]:
    if request.param == "memory":
        yield MemoryListingTable()
        return
    for name, value in {
        "AWS_ACCESS_KEY_ID": "x",
        "AWS_SECRET_ACCESS_KEY": "x",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        create_state_table(client, "listings-test")
        yield DynamoListingTable(client, "listings-test")


def item(pk: str, sk: str, **values: Any) -> dict[str, Any]:
    return {"PK": pk, "SK": sk, **values}


def test_put_get_delete_round_trip_strings_and_integers(table: ListingTable) -> None:
    table.put(item("LIST#ART#a", "ENTRY", entry='{"x": "é"}', version=3))
    assert table.get("LIST#ART#a", "ENTRY") == item("LIST#ART#a", "ENTRY", entry='{"x": "é"}', version=3)
    table.delete("LIST#ART#a", "ENTRY")
    assert table.get("LIST#ART#a", "ENTRY") is None
    table.delete("LIST#ART#a", "ENTRY")  # deleting what is gone is not an error


def test_conditional_puts_refuse_what_they_should(table: ListingTable) -> None:
    table.put(item("LIST#SECTIONS", "world", name="World"), if_absent=True)
    with pytest.raises(PreconditionFailed):
        table.put(item("LIST#SECTIONS", "world", name="Other"), if_absent=True)
    assert table.get("LIST#SECTIONS", "world") == item("LIST#SECTIONS", "world", name="World")

    # version 0 means "absent (or at version 0)"; afterwards only the stored version is accepted
    table.put(item("PAGE#FRONT", "PINS", pins="[]", version=1), if_version=0)
    with pytest.raises(PreconditionFailed):
        table.put(item("PAGE#FRONT", "PINS", pins="[]", version=2), if_version=0)
    table.put(item("PAGE#FRONT", "PINS", pins='["a"]', version=2), if_version=1)
    with pytest.raises(PreconditionFailed):
        table.delete("PAGE#FRONT", "PINS", if_version=1)
    table.delete("PAGE#FRONT", "PINS", if_version=2)
    assert table.get("PAGE#FRONT", "PINS") is None


def test_query_reads_one_partition_in_order_within_bounds_and_limit(table: ListingTable) -> None:
    keys = [f"E#2026-11-{day:02d}T08:00:00.000000Z#s{day}" for day in range(1, 31)]
    table.write_batch(puts=[item("LIST#FRONT", key, entry=key) for key in keys])
    table.put(item("LIST#FRONT", "VERSION", version=7))
    table.put(item("LIST#SEC#world", keys[0], entry="other partition"))

    newest = table.query("LIST#FRONT", low="E#", high="E#~", limit=3)
    assert [i["SK"] for i in newest] == keys[::-1][:3]
    everything = table.query("LIST#FRONT", low="E#", high="E#~", newest_first=False)
    assert [i["SK"] for i in everything] == keys  # the VERSION item sorts outside the entry range
    since = table.query("LIST#FRONT", low="E#2026-11-28", high="E#~")
    assert [i["SK"] for i in since] == keys[::-1][:3]
    assert table.query("LIST#EMPTY", low="E#", high="E#~", limit=1) == []


def test_the_batch_writer_takes_more_than_25_at_a_time(table: ListingTable) -> None:
    puts = [item("LIST#DAY#2026-11-30", f"E#{n:04d}", entry=str(n)) for n in range(60)]
    table.write_batch(puts=puts)
    assert len(table.query("LIST#DAY#2026-11-30", low="E#", high="E#~")) == 60
    table.write_batch(deletes=[("LIST#DAY#2026-11-30", f"E#{n:04d}") for n in range(0, 60, 2)])
    left = table.query("LIST#DAY#2026-11-30", low="E#", high="E#~", newest_first=False)
    assert [i["entry"] for i in left] == [str(n) for n in range(1, 60, 2)]


def test_increment_creates_the_counter_and_counts_up(table: ListingTable) -> None:
    assert [table.increment("LIST#FRONT", "VERSION") for _ in range(3)] == [1, 2, 3]
    assert table.get("LIST#FRONT", "VERSION") == item("LIST#FRONT", "VERSION", version=3)


def test_query_pages_through_more_than_one_response(table: ListingTable) -> None:
    # ~4 KB items: 400 of them exceed DynamoDB's 1 MB page, so the adapter must follow LastEvaluatedKey
    big = "x" * 4000
    table.write_batch(puts=[item("LIST#DAY#2026-11-29", f"E#{n:04d}", entry=big) for n in range(400)])
    assert len(table.query("LIST#DAY#2026-11-29", low="E#", high="E#~", newest_first=False)) == 400
    assert len(table.query("LIST#DAY#2026-11-29", low="E#", high="E#~", limit=301)) == 301
