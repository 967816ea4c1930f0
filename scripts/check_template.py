"""Checks that need the SAM translator (run with the tools venv, which has it; scripts/test.sh does).

SAM can accept a template and still translate it into something other than what it says: an
Fn::If DefaultAuthorizer, for one, passes `sam validate` and leaves the API open. So the
translated API must carry AWS_IAM on every route.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse

ROOT = Path(__file__).resolve().parent.parent


class _NoManagedPolicies:
    def load(self) -> dict[str, str]:
        return {}


def main() -> int:
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    template = yaml_parse((ROOT / "template.yaml").read_text())
    # The translator wants S3 URIs where sam build would upload code; placeholders do.
    template["Globals"]["Function"]["CodeUri"] = "s3://placeholder/code.zip"
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::Serverless::LayerVersion":
            resource["Properties"]["ContentUri"] = "s3://placeholder/layer.zip"
        if resource["Type"] == "AWS::Serverless::Function" and "CodeUri" in resource["Properties"]:
            resource["Properties"]["CodeUri"] = "s3://placeholder/code.zip"
    translated = transform(template, {}, _NoManagedPolicies())
    failures = []
    for name, resource in translated["Resources"].items():
        if resource["Type"] != "AWS::ApiGateway::RestApi":
            continue
        for path, methods in resource["Properties"]["Body"]["paths"].items():
            for method, operation in methods.items():
                if method == "options":
                    # CORS preflight: unsigned by design, answered by the function (which knows
                    # CORS_ORIGINS), never by an IAM check that a browser's preflight cannot pass.
                    if operation.get("security") not in (None, [], [{"NONE": []}]):
                        failures.append(
                            f"{name} OPTIONS {path}: preflight requires auth ({operation['security']})"
                        )
                    if operation.get("x-amazon-apigateway-integration", {}).get("type") != "aws_proxy":
                        failures.append(f"{name} OPTIONS {path}: preflight does not reach the function")
                elif operation.get("security") != [{"AWS_IAM": []}]:
                    failures.append(f"{name} {method.upper()} {path}: security {operation.get('security')}")
            if "options" not in methods:
                failures.append(f"{name} {path}: no OPTIONS route, so a browser's CORS preflight gets 403")
    failures += _max_receive_count_mismatch(translated["Resources"])
    for failure in failures:
        print(f"template: {failure}")
    print(
        "template: every API route requires IAM auth; every path answers CORS preflight; "
        "MAX_RECEIVE_COUNT matches the redrive policy"
        if not failures
        else "template: FAILED"
    )
    return 1 if failures else 0


def _max_receive_count_mismatch(resources: dict[str, Any]) -> list[str]:
    redrive = resources["UploadsQueue"]["Properties"]["RedrivePolicy"]["maxReceiveCount"]
    variables = resources["PublishFunction"]["Properties"]["Environment"]["Variables"]
    if str(variables.get("MAX_RECEIVE_COUNT")) != str(redrive):
        return [
            f"MAX_RECEIVE_COUNT {variables.get('MAX_RECEIVE_COUNT')} differs from maxReceiveCount {redrive}"
        ]
    return []


if __name__ == "__main__":
    sys.exit(main())
