"""template.yaml holds the properties the pipeline's safety depends on."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from newscard.devstack import load_template

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template()


def resources(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in template["Resources"].items() if r["Type"] == kind}


def test_only_the_articles_bucket_notifies_and_only_for_incoming_json(template: dict[str, Any]) -> None:
    buckets = resources(template, "AWS::S3::Bucket")
    assert "NotificationConfiguration" not in buckets["SiteBucket"]["Properties"]
    rules = buckets["ArticlesBucket"]["Properties"]["NotificationConfiguration"]["QueueConfigurations"]
    assert {r["Event"] for r in rules} == {"s3:ObjectCreated:*", "s3:ObjectRemoved:*"}
    for rule in rules:
        filters = {f["Name"]: f["Value"] for f in rule["Filter"]["S3Key"]["Rules"]}
        assert filters == {"prefix": "incoming/", "suffix": ".json"}


def test_buckets_block_public_access_and_are_encrypted(template: dict[str, Any]) -> None:
    for props in (r["Properties"] for r in resources(template, "AWS::S3::Bucket").values()):
        assert all(props["PublicAccessBlockConfiguration"].values())
        assert props["OwnershipControls"]["Rules"][0]["ObjectOwnership"] == "BucketOwnerEnforced"
        assert "BucketEncryption" in props


def test_the_queue_has_a_dead_letter_queue_and_a_long_enough_visibility(template: dict[str, Any]) -> None:
    queue = template["Resources"]["UploadsQueue"]["Properties"]
    timeout = template["Globals"]["Function"]["Timeout"]
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {"Fn::GetAtt": ["UploadsDeadLetterQueue", "Arn"]}
    assert 1 < queue["RedrivePolicy"]["maxReceiveCount"] <= 10
    assert queue["VisibilityTimeout"] >= 6 * timeout


def test_functions_run_python313_on_arm64_and_terminate_recursive_loops(template: dict[str, Any]) -> None:
    globals_ = template["Globals"]["Function"]
    assert (globals_["Runtime"], globals_["Architectures"], globals_["RecursiveLoop"]) == (
        "python3.13",
        ["arm64"],
        "Terminate",
    )
    publish = template["Resources"]["PublishFunction"]["Properties"]
    assert publish["Events"]["Uploads"]["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_publish_policy_is_least_privilege(template: dict[str, Any]) -> None:
    statements = template["Resources"]["PublishFunction"]["Properties"]["Policies"][0]["Statement"]
    for statement in statements:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert all("*" not in action for action in actions), statement
        resources_ = (
            statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        )
        assert all(r != "*" for r in resources_), statement
    writes = [s for s in statements if "s3:PutObject" in str(s["Action"])]
    write_targets = {
        str(r)
        for s in writes
        for r in (s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])
    }
    # The function may write only reports/ in the articles bucket, never incoming/ (that would loop).
    assert not any("incoming" in target for target in write_targets)
    assert any("reports/*" in target for target in write_targets)


def test_every_environment_variable_the_settings_need_is_set(template: dict[str, Any]) -> None:
    from newscard.models.settings import Settings

    required = {f.alias for f in Settings.model_fields.values() if f.is_required()}
    assert required <= set(template["Globals"]["Function"]["Environment"]["Variables"])


def test_lambda_requirements_match_the_project_runtime_dependencies() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    bundled = [
        line.strip()
        for line in (ROOT / "functions" / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    # boto3 is provided by the Lambda runtime; everything else must be bundled at the same bound.
    assert sorted(bundled) == sorted(d for d in project if not re.match(r"boto3\b", d))


def test_the_site_is_served_only_through_cloudfront_with_origin_access_control(
    template: dict[str, Any],
) -> None:
    distribution = template["Resources"]["SiteDistribution"]["Properties"]["DistributionConfig"]
    (origin,) = distribution["Origins"]
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": ["SiteOriginAccessControl", "Id"]}
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}
    assert distribution["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "redirect-to-https"
    oac = template["Resources"]["SiteOriginAccessControl"]["Properties"]["OriginAccessControlConfig"]
    assert (oac["SigningBehavior"], oac["SigningProtocol"]) == ("always", "sigv4")
    statements = template["Resources"]["SiteBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    allow = next(s for s in statements if s["Effect"] == "Allow")
    assert allow["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert "AWS:SourceArn" in allow["Condition"]["StringEquals"]
    assert allow["Action"] == "s3:GetObject"


def test_the_internal_site_index_is_not_readable_through_cloudfront(template: dict[str, Any]) -> None:
    statements = template["Resources"]["SiteBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    allowed = [str(r) for s in statements if s["Effect"] == "Allow" for r in s["Resource"]]
    assert allowed and not any("_index" in r or r.endswith("}/*") for r in allowed)
    code = template["Resources"]["SiteRequestRouter"]["Properties"]["FunctionCode"]
    assert "'/_index/'" in code and "404" in code


def test_caching_follows_each_objects_cache_control_and_security_headers_are_set(
    template: dict[str, Any],
) -> None:
    cache = template["Resources"]["SiteCachePolicy"]["Properties"]["CachePolicyConfig"]
    assert cache["MinTTL"] == 0 and cache["MaxTTL"] >= 31536000
    headers = template["Resources"]["SiteSecurityHeaders"]["Properties"]["ResponseHeadersPolicyConfig"]
    security = headers["SecurityHeadersConfig"]
    assert {"StrictTransportSecurity", "ContentTypeOptions", "FrameOptions", "ContentSecurityPolicy"} <= set(
        security
    )
    assert (
        "script-src" not in security["ContentSecurityPolicy"]["ContentSecurityPolicy"]
    )  # default-src 'none'


def test_every_function_has_a_log_group_with_retention(template: dict[str, Any]) -> None:
    functions = set(resources(template, "AWS::Serverless::Function"))
    groups = resources(template, "AWS::Logs::LogGroup").values()
    covered = {g["Properties"]["LogGroupName"]["Fn::Sub"].rsplit("${", 1)[1].rstrip("}") for g in groups}
    assert covered == functions
    assert all("RetentionInDays" in g["Properties"] for g in groups)


def test_alarms_watch_the_dlq_errors_failures_and_throttles(template: dict[str, Any]) -> None:
    alarms = resources(template, "AWS::CloudWatch::Alarm")
    watched = {a["Properties"].get("MetricName") for a in alarms.values()}
    assert {"ApproximateNumberOfMessagesVisible", "Errors", "Articles_failed"} <= watched
    assert any("Throttles" in str(a["Properties"].get("Metrics")) for a in alarms.values())


def test_no_statement_uses_a_wildcard_resource_where_a_name_is_known(template: dict[str, Any]) -> None:
    for name, function in resources(template, "AWS::Serverless::Function").items():
        for statement in function["Properties"]["Policies"][0]["Statement"]:
            targets = (
                statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            )
            assert all(t != "*" for t in targets), (name, statement)
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            assert all(not a.endswith("*") for a in actions), (name, statement)


def test_the_api_function_cannot_touch_uploads_or_reports(template: dict[str, Any]) -> None:
    statements = template["Resources"]["ApiFunction"]["Properties"]["Policies"][0]["Statement"]
    text = str(statements)
    assert "incoming" not in text and "reports" not in text
    writes = [s for s in statements if "s3:PutObject" in str(s["Action"]) and "ArticlesBucket" in str(s["Resource"])]
    assert [str(s["Resource"]) for s in writes] == ["{'Fn::Sub': '${ArticlesBucket.Arn}/api/*'}"]
