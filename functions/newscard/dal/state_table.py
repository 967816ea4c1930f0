"""The site state table: one DynamoDB table, generic keys, item kinds told apart by key prefix.

template.yaml declares it (SiteStateTable); tests and `newscard dev` create the same shape in
moto with create_state_table. Key prefixes, so that each part of the product owns its own items:

- registry (article identity, SPEC section 8): `SRC#...`, `SLUG#...`, `OBJ#...`, `GC#...`
- listings (front page, sections, archive, sitemaps, pins): `LIST#...`, `PAGE#...`

Items expire through the `expiresAt` TTL attribute (epoch seconds) where a kind asks for it.
"""

from __future__ import annotations

from typing import Any

PARTITION_KEY = "PK"
SORT_KEY = "SK"
TTL_ATTRIBUTE = "expiresAt"


def create_state_table(client: Any, name: str) -> None:
    """Create the table as template.yaml declares it (for moto in tests and the dev stack)."""
    client.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": PARTITION_KEY, "AttributeType": "S"},
            {"AttributeName": SORT_KEY, "AttributeType": "S"},
        ],
        KeySchema=[
            {"AttributeName": PARTITION_KEY, "KeyType": "HASH"},
            {"AttributeName": SORT_KEY, "KeyType": "RANGE"},
        ],
    )
    client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.05, "MaxAttempts": 40})
    client.update_time_to_live(
        TableName=name, TimeToLiveSpecification={"AttributeName": TTL_ATTRIBUTE, "Enabled": True}
    )
