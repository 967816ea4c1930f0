"""Re-create events/ with `sam local generate-event` (needs the SAM CLI on PATH or in .tools-venv)."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
from pathlib import Path

EVENTS = Path(__file__).resolve().parent.parent / "events"
BUCKET = "newscard-articles-local"
TEST_EVENT = {
    "Service": "Amazon S3",
    "Event": "s3:TestEvent",
    "Time": "2026-11-28T19:00:00.000Z",
    "Bucket": BUCKET,
    "RequestId": "5582815E1AEA5ADF",
    "HostId": "8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3eKxsPzbB9wrR+YstdA6Knx4Ip8EXAMPLE",
}


def sam(*args: str) -> dict:
    binary = shutil.which("sam") or str(EVENTS.parent / ".tools-venv" / "bin" / "sam")
    env = {**os.environ, "SAM_CLI_TELEMETRY": "0", "AWS_DEFAULT_REGION": "us-east-1"}
    out = subprocess.run([binary, "local", "generate-event", *args], check=True, capture_output=True, env=env)
    return json.loads(out.stdout)


def main() -> None:
    s3_events = {
        "s3-put": sam("s3", "put", "--bucket", BUCKET, "--key", "incoming/seed-article.json"),
        "s3-put-encoded-key": sam(
            "s3", "put", "--bucket", BUCKET, "--key", "incoming/world/Élysée talks+update v2.json"
        ),
        "s3-delete": sam("s3", "delete", "--bucket", BUCKET, "--key", "incoming/seed-article.json"),
        "s3-testevent": TEST_EVENT,
    }
    # SAM does not JSON-escape --body, so wrap the S3 event into the default SQS message ourselves.
    sqs_template = sam("sqs", "receive-message", "--queue-name", "newscard-uploads")
    for name, event in s3_events.items():
        (EVENTS / f"{name}.json").write_text(json.dumps(event, indent=2) + "\n")
        wrapped = json.loads(json.dumps(sqs_template))
        wrapped["Records"][0]["body"] = json.dumps(event, separators=(",", ":"))
        (EVENTS / f"sqs-{name}.json").write_text(json.dumps(wrapped, indent=2) + "\n")
    write_api_events()


def api_event(
    method: str,
    path: str,
    resource: str,
    *,
    query: dict[str, str] | None = None,
    path_parameters: dict[str, str] | None = None,
    body: bytes | None = None,
) -> dict:
    """An API Gateway REST proxy event from SAM, with the parts SAM fills with placeholders set."""
    args = ["apigateway", "aws-proxy", "--method", method, "--path", path.lstrip("/"), "--resource", resource]
    event = sam(*args)
    event["path"] = path
    event["queryStringParameters"] = query
    event["multiValueQueryStringParameters"] = {k: [v] for k, v in query.items()} if query else None
    event["pathParameters"] = path_parameters
    event["requestContext"]["resourcePath"] = resource
    event["requestContext"]["httpMethod"] = method
    if body is None:
        event["body"], event["isBase64Encoded"] = None, False
    else:
        event["body"], event["isBase64Encoded"] = base64.b64encode(body).decode("ascii"), True
    for headers in (event["headers"], event["multiValueHeaders"]):
        headers.pop("Accept", None)
    return event


def write_api_events() -> None:
    seed = (EVENTS.parent / "examples" / "seed-article.json").read_bytes()
    slug = {"slug": "us-russia-overtures-deepen-european-fears-over-future-of-alliance"}
    events = {
        "api-post-articles": api_event("POST", "/articles", "/articles", body=seed),
        "api-get-article": api_event(
            "GET", f"/articles/{slug['slug']}", "/articles/{slug}", path_parameters=slug
        ),
        "api-delete-article": api_event(
            "DELETE", f"/articles/{slug['slug']}", "/articles/{slug}", path_parameters=slug
        ),
        "api-post-preview": api_event("POST", "/preview", "/preview", query={"preset": "square"}, body=seed),
    }
    for name, event in events.items():
        (EVENTS / f"{name}.json").write_text(json.dumps(event, indent=2) + "\n")


if __name__ == "__main__":
    main()
