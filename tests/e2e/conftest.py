"""The deployed stack under test: named by AWS_SAM_STACK_NAME, described by its outputs.

Opt-in: without AWS_SAM_STACK_NAME, or without credentials that can describe the stack, every
e2e test is skipped (never failed), so `pytest` stays green on a laptop and in CI.
"""

from __future__ import annotations

import os
from typing import Any

import pytest


@pytest.fixture(scope="session")
def stack_outputs() -> dict[str, str]:
    """OutputKey -> OutputValue of the deployed stack."""
    name = os.environ.get("AWS_SAM_STACK_NAME")
    if not name:
        pytest.skip("e2e: set AWS_SAM_STACK_NAME to a deployed stack to run these tests")
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        stack = boto3.client("cloudformation").describe_stacks(StackName=name)["Stacks"][0]
    except (BotoCoreError, ClientError) as error:  # no credentials, no region, no such stack
        pytest.skip(f"e2e: cannot describe stack {name}: {error}")
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


@pytest.fixture(scope="session")
def s3(stack_outputs: dict[str, str]) -> Any:
    import boto3

    return boto3.client("s3")
