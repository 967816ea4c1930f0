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


def test_only_the_articles_bucket_notifies_and_only_for_incoming(template: dict[str, Any]) -> None:
    buckets = resources(template, "AWS::S3::Bucket")
    assert "NotificationConfiguration" not in buckets["SiteBucket"]["Properties"]
    rules = buckets["ArticlesBucket"]["Properties"]["NotificationConfiguration"]["QueueConfigurations"]
    assert {r["Event"] for r in rules} == {"s3:ObjectCreated:*", "s3:ObjectRemoved:*"}
    for rule in rules:
        filters = {f["Name"]: f["Value"] for f in rule["Filter"]["S3Key"]["Rules"]}
        # No suffix filter: S3's is case-sensitive and would drop incoming/x.JSON (the handler
        # takes any case of .json itself).
        assert filters == {"prefix": "incoming/"}


def test_the_publish_function_knows_the_queues_max_receive_count(template: dict[str, Any]) -> None:
    redrive = template["Resources"]["UploadsQueue"]["Properties"]["RedrivePolicy"]
    variables = template["Resources"]["PublishFunction"]["Properties"]["Environment"]["Variables"]
    assert int(variables["MAX_RECEIVE_COUNT"]) == int(redrive["maxReceiveCount"])


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


# --- Delivery and operations (issue 6) ----------------------------------------------------------


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_every_setting_is_wired_to_a_template_parameter(template: dict[str, Any]) -> None:
    from newscard.models.settings import Settings

    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    assert {f.alias for f in Settings.model_fields.values()} <= set(variables)
    # Theme and language come from validated parameters, not hard-coded values.
    for name in ("THEME_TEXT", "THEME_FONT", "THEME_LOGO_KEY", "SITE_LANGUAGE"):
        assert set(variables[name]) == {"Ref"} and variables[name]["Ref"] in template["Parameters"]


def test_functions_skip_pydantics_plugin_scan_at_cold_start(template: dict[str, Any]) -> None:
    # Without it, building the models scans every installed distribution's entry points.
    assert template["Globals"]["Function"]["Environment"]["Variables"]["PYDANTIC_DISABLE_PLUGINS"] == "true"


@pytest.mark.parametrize(
    ("parameter", "good", "bad"),
    [
        (
            "SiteBaseUrl",
            ["", "https://news.example.com", "https://example.com/news"],
            ["http://x.com", "https://x.com/"],
        ),
        ("ThemeText", ["#ffffff"], ["white", "#fff"]),
        ("ThemeLogoKey", ["", "assets/logo.png"], ["logo.png", "incoming/logo.png"]),
        ("SiteLanguage", ["en", "pt-BR", "ar-u-nu-latn", "zh-yue-HK"], ["", "english!", "en_US"]),
        ("DomainName", ["", "news.example.com"], ["News.Example.com", "https://news.example.com"]),
        (
            "CertificateArn",
            ["", "arn:aws:acm:us-east-1:123456789012:certificate/0a1b-2c"],
            ["arn:aws:acm:eu-west-1:123456789012:certificate/0a"],
        ),
    ],
)
def test_parameters_validate_their_values(
    template: dict[str, Any], parameter: str, good: list[str], bad: list[str]
) -> None:
    # CloudFormation matches AllowedPattern against the whole value.
    pattern = re.compile(template["Parameters"][parameter]["AllowedPattern"])
    assert all(pattern.fullmatch(value) for value in good)
    assert not any(pattern.fullmatch(value) for value in bad)


def test_theme_font_is_limited_to_the_bundled_families(template: dict[str, Any]) -> None:
    assert template["Parameters"]["ThemeFont"]["AllowedValues"] == ["sans", "serif"]


def test_site_is_served_only_through_cloudfront_with_origin_access_control(template: dict[str, Any]) -> None:
    oac = resources(template, "AWS::CloudFront::OriginAccessControl")["SiteOriginAccessControl"]
    config = oac["Properties"]["OriginAccessControlConfig"]
    assert (
        config["OriginAccessControlOriginType"],
        config["SigningBehavior"],
        config["SigningProtocol"],
    ) == (
        "s3",
        "always",
        "sigv4",
    )
    distribution = template["Resources"]["SiteDistribution"]["Properties"]["DistributionConfig"]
    [origin] = distribution["Origins"]
    assert origin["DomainName"] == {"Fn::GetAtt": ["SiteBucket", "RegionalDomainName"]}
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": ["SiteOriginAccessControl", "Id"]}
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}  # no legacy OAI
    behaviour = distribution["DefaultCacheBehavior"]
    assert behaviour["ViewerProtocolPolicy"] == "redirect-to-https"
    assert behaviour["AllowedMethods"] == ["GET", "HEAD"]
    assert behaviour["ResponseHeadersPolicyId"] == {"Ref": "SiteResponseHeadersPolicy"}


def test_cache_policy_lets_the_objects_cache_control_rule(template: dict[str, Any]) -> None:
    distribution = template["Resources"]["SiteDistribution"]["Properties"]["DistributionConfig"]
    policy_name = distribution["DefaultCacheBehavior"]["CachePolicyId"]["Ref"]
    config = template["Resources"][policy_name]["Properties"]["CachePolicyConfig"]
    # MinTTL 0: a page's short max-age is honoured; MaxTTL a year: immutable cards stay cached.
    assert config["MinTTL"] == 0
    assert config["MaxTTL"] >= 31536000
    keys = config["ParametersInCacheKeyAndForwardedToOrigin"]
    assert keys["QueryStringsConfig"]["QueryStringBehavior"] == "none"
    assert keys["CookiesConfig"]["CookieBehavior"] == "none"


def test_response_headers_policy_sets_the_security_headers(template: dict[str, Any]) -> None:
    config = template["Resources"]["SiteResponseHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"]
    security = config["SecurityHeadersConfig"]
    assert security["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000
    assert security["FrameOptions"]["FrameOption"] == "DENY"
    assert "ContentTypeOptions" in security
    assert "ReferrerPolicy" in security
    csp = security["ContentSecurityPolicy"]["ContentSecurityPolicy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert "script-src" not in csp  # no script may run on the site's pages


def test_site_bucket_policy_lets_only_this_distribution_read_only_published_prefixes(
    template: dict[str, Any],
) -> None:
    policy = template["Resources"]["SiteBucketPolicy"]["Properties"]
    assert policy["Bucket"] == {"Ref": "SiteBucket"}
    allows = [s for s in policy["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
    [read] = allows
    assert read["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert read["Action"] == "s3:GetObject"
    source = read["Condition"]["StringEquals"]["AWS:SourceArn"]
    assert "${SiteDistribution}" in source["Fn::Sub"]
    keys = [r["Fn::Sub"].removeprefix("${SiteBucket.Arn}/") for r in read["Resource"]]
    assert "*" not in keys  # never the whole bucket
    assert not any(key.startswith("_") for key in keys)  # private prefixes stay private
    # every listing the site renders (logic/site_index.py) is readable: pages, archive, sitemaps
    assert {"index.html", "feed.xml", "sitemap.xml", "articles/*", "cards/*", "sections/*"} <= set(keys)
    assert {"page/*", "archive/*", "sitemaps/*"} <= set(keys)


def test_both_buckets_refuse_plain_http(template: dict[str, Any]) -> None:
    for name in ("SiteBucketPolicy", "ArticlesBucketPolicy"):
        statements = template["Resources"][name]["Properties"]["PolicyDocument"]["Statement"]
        assert any(
            s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
            for s in statements
        )


def test_custom_domain_and_certificate_are_optional_together(template: dict[str, Any]) -> None:
    distribution = template["Resources"]["SiteDistribution"]["Properties"]["DistributionConfig"]
    assert distribution["Aliases"]["Fn::If"][0] == "HasCustomDomain"
    certificate = distribution["ViewerCertificate"]["Fn::If"]
    assert certificate[0] == "HasCustomDomain"
    assert certificate[1]["MinimumProtocolVersion"].startswith("TLSv1.2")
    assert certificate[2] == {"CloudFrontDefaultCertificate": True}
    needed = {str(c) for c in template["Conditions"]["HasCustomDomain"]["Fn::And"]}
    assert any("DomainName" in c for c in needed) and any("CertificateArn" in c for c in needed)


def test_base_url_defaults_to_the_site_that_serves_it(template: dict[str, Any]) -> None:
    base = template["Globals"]["Function"]["Environment"]["Variables"]["SITE_BASE_URL"]
    assert base == template["Outputs"]["SiteUrl"]["Value"]
    assert "${SiteDistribution.DomainName}" in str(base)


def test_publish_function_has_bounded_concurrency_and_retained_logs(template: dict[str, Any]) -> None:
    publish = template["Resources"]["PublishFunction"]["Properties"]
    assert publish["ReservedConcurrentExecutions"] == {
        "Fn::If": ["ReservesConcurrency", {"Ref": "PublishConcurrency"}, {"Ref": "AWS::NoValue"}]
    }
    scaling = publish["Events"]["Uploads"]["Properties"]["ScalingConfig"]
    assert scaling["MaximumConcurrency"] == {"Ref": "PublishConcurrency"}
    log_group = template["Resources"][publish["LoggingConfig"]["LogGroup"]["Ref"]]["Properties"]
    assert log_group["RetentionInDays"] == {"Ref": "LogRetentionDays"}


def test_alarms_watch_the_dead_letter_queue_errors_throttles_and_failures(template: dict[str, Any]) -> None:
    alarms = resources(template, "AWS::CloudWatch::Alarm").values()
    watched = {(a["Properties"]["Namespace"], a["Properties"]["MetricName"]) for a in alarms}
    assert {
        ("AWS/SQS", "ApproximateNumberOfMessagesVisible"),
        ("AWS/Lambda", "Errors"),
        ("AWS/Lambda", "Throttles"),
        ("Newscard", "Articles_failed"),
    } <= watched
    dlq_alarm = next(a for a in alarms if a["Properties"]["Namespace"] == "AWS/SQS")
    assert dlq_alarm["Properties"]["Dimensions"][0]["Value"] == {
        "Fn::GetAtt": ["UploadsDeadLetterQueue", "QueueName"]
    }


def test_outputs_give_a_user_what_they_need(template: dict[str, Any]) -> None:
    assert {
        "ArticlesBucketName",
        "SiteBucketName",
        "UploadsQueueUrl",
        "UploadsDeadLetterQueueUrl",
        "SiteUrl",
        "DistributionId",
    } <= set(template["Outputs"])


def test_samconfig_has_dev_and_prod_environments() -> None:
    config = tomllib.loads((ROOT / "samconfig.toml").read_text())
    for env in ("dev", "prod"):
        deploy = config[env]["deploy"]["parameters"]
        assert deploy["stack_name"].startswith("newscard-")
        assert "CAPABILITY_IAM" in deploy["capabilities"]
        assert config[env]["build"]["parameters"]["use_container"] is False


def test_the_function_build_ships_unchecked_hash_bytecode_for_arm64(template: dict[str, Any]) -> None:
    metadata = template["Resources"]["PublishFunction"]["Metadata"]
    assert (metadata["BuildMethod"], metadata["BuildArchitecture"]) == ("makefile", "arm64")
    makefile = (ROOT / "functions" / "Makefile").read_text()
    assert "build-PublishFunction build-ApiFunction:" in makefile
    # Timestamp .pyc would be ignored once the deployment zip resets mtimes; unchecked-hash is not.
    assert "--invalidation-mode unchecked-hash" in makefile
    # Third-party wheels (arm64, hash-checked) are built into the shared dependency layer.
    layer = (ROOT / "layers" / "dependencies" / "Makefile").read_text()
    assert "--invalidation-mode unchecked-hash" in layer
    assert "--only-binary=:all:" in layer and "aarch64" in layer and "--require-hashes" in layer


def test_the_api_function_cannot_touch_uploads_or_reports(template: dict[str, Any]) -> None:
    statements = template["Resources"]["ApiFunction"]["Properties"]["Policies"][0]["Statement"]
    text = str(statements)
    assert "incoming" not in text and "reports" not in text
    writes = [
        s for s in statements if "s3:PutObject" in str(s["Action"]) and "ArticlesBucket" in str(s["Resource"])
    ]
    assert [str(s["Resource"]) for s in writes] == ["{'Fn::Sub': '${ArticlesBucket.Arn}/api/*'}"]


def test_every_function_logs_to_a_group_with_retention(template: dict[str, Any]) -> None:
    for name, function in template["Resources"].items():
        if function["Type"] == "AWS::Serverless::Function":
            group = function["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
            assert "RetentionInDays" in template["Resources"][group]["Properties"], name


def test_the_face_detector_layer_is_arm64_python313_and_optional(template: dict[str, Any]) -> None:
    layer = template["Resources"]["FaceDetectorLayer"]
    assert layer["Condition"] == "DetectsFaces"
    assert layer["Properties"]["CompatibleArchitectures"] == ["arm64"]
    assert layer["Properties"]["CompatibleRuntimes"] == ["python3.13"]
    assert layer["Metadata"] == {"BuildMethod": "makefile", "BuildArchitecture": "arm64"}
    for name in ("PublishFunction", "ApiFunction"):
        _, with_faces, without = template["Resources"][name]["Properties"]["Layers"]["Fn::If"]
        assert {"Ref": "FaceDetectorLayer"} in with_faces and {"Ref": "FaceDetectorLayer"} not in without
    # The runtime it installs is the one the package declares for the detector
    requirements = (ROOT / "layers" / "face-detector" / "requirements.txt").read_text().split()
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert [r for r in requirements if not r.startswith("#") and ">=" in r] == declared["detector"]
