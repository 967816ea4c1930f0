"""The S3 adapter turns throttling, 5xx, timeouts and missing keys into domain errors by code."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError
from botocore.stub import Stubber

from newscard.dal.s3 import S3Store
from newscard.models.errors import NotFound, StorageError


@pytest.fixture
def stubbed() -> Any:
    client = boto3.client("s3", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stubber:
        yield client, stubber


RETRYABLE = [
    ("SlowDown", 503),
    ("InternalError", 500),
    ("ServiceUnavailable", 503),
    ("RequestTimeout", 400),
    ("AccessDenied", 403),
]


@pytest.mark.parametrize(("code", "status"), RETRYABLE)
@pytest.mark.parametrize("operation", ["get", "put", "delete"])
def test_throttling_5xx_and_refusals_are_storage_errors(
    stubbed: Any, code: str, status: int, operation: str
) -> None:
    client, stubber = stubbed
    stubber.add_client_error(f"{operation}_object", service_error_code=code, http_status_code=status)
    store = S3Store(client, "bucket")
    call = {
        "get": lambda: store.get("k"),
        "put": lambda: store.put("k", b"x", content_type="text/plain"),
        "delete": lambda: store.delete("k"),
    }[operation]
    with pytest.raises(StorageError, match=code):
        call()


def test_a_missing_key_is_not_found(stubbed: Any) -> None:
    client, stubber = stubbed
    stubber.add_client_error("get_object", service_error_code="NoSuchKey", http_status_code=404)
    with pytest.raises(NotFound):
        S3Store(client, "bucket").get("k")


def test_head_of_a_missing_key_is_false_not_an_error(stubbed: Any) -> None:
    client, stubber = stubbed
    stubber.add_client_error("head_object", service_error_code="404", http_status_code=404)
    assert S3Store(client, "bucket").exists("missing") is False


@pytest.mark.parametrize(
    "error",
    [
        ReadTimeoutError(endpoint_url="https://s3.amazonaws.com"),
        ConnectTimeoutError(endpoint_url="https://s3.amazonaws.com"),
        EndpointConnectionError(endpoint_url="https://s3.amazonaws.com"),
    ],
)
def test_timeouts_and_unreachable_endpoints_are_retryable_storage_errors(error: Exception) -> None:
    client = boto3.client("s3", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")

    def fail(**kwargs: Any) -> Any:
        raise error

    client.get_object = fail
    with pytest.raises(StorageError, match=type(error).__name__):
        S3Store(client, "bucket").get("k")
