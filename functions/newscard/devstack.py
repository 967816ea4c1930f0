"""A docker-free stack on 127.0.0.1: moto's S3/SQS server, the template's resources, the real handler.

Used by `newscard demo` (and `newscard dev`). Imports moto lazily: it is a dev dependency,
never part of the Lambda bundle.
"""

from __future__ import annotations

import base64
import importlib
import json
import logging
import os
import re
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import boto3
import yaml

from newscard.dal.state_table import create_state_table

REPO_ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = REPO_ROOT / "template.yaml"
REGION = "us-east-1"
# API Gateway refuses request bodies over 10 MB (413) before they reach the function.
MAX_API_PAYLOAD = 10 * 1024 * 1024


class _CloudFormationLoader(yaml.SafeLoader):
    """YAML loader that keeps CloudFormation short-form tags (!Ref, !Sub, ...) as {Fn: value}."""


def _cfn_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = str(value).split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {name: value}


_CloudFormationLoader.add_multi_constructor("!", _cfn_tag)


def load_template(path: Path = TEMPLATE) -> dict[str, Any]:
    """template.yaml as plain data, intrinsic functions kept as {"Ref": ...} / {"Fn::X": ...}."""
    with path.open() as handle:
        template: dict[str, Any] = yaml.load(handle, Loader=_CloudFormationLoader)  # noqa: S506 - SafeLoader subclass
    return template


_sequence_lock = threading.Lock()
_last_sequencer = [0]


def _add_s3_sequencers() -> None:
    """Give moto's S3 notifications the `sequencer` real S3 sends (moto sends none to SQS).

    S3's sequencers grow for each key, which is how the handler orders a key's events that
    arrive late or twice; without them every event looks equally new. Nanoseconds since the
    epoch, made strictly increasing, as fixed-width hex.
    """
    from moto.s3 import notifications

    original = notifications._get_s3_event
    if getattr(original, "adds_sequencer", False):
        return

    def with_sequencer(*args: Any, **kwargs: Any) -> dict[str, Any]:
        event: dict[str, Any] = original(*args, **kwargs)
        with _sequence_lock:
            _last_sequencer[0] = max(time.time_ns(), _last_sequencer[0] + 1)
            sequencer = f"{_last_sequencer[0]:020X}"
        for record in event.get("Records", []):
            record["s3"]["object"]["sequencer"] = sequencer
        return event

    with_sequencer.adds_sequencer = True  # type: ignore[attr-defined]
    notifications._get_s3_event = with_sequencer


@dataclass
class LambdaContext:
    """Enough of Lambda's context object for Powertools."""

    function_name: str = "newscard-dev-publish"
    memory_limit_in_mb: int = 1024
    invoked_function_arn: str = f"arn:aws:lambda:{REGION}:123456789012:function:newscard-dev-publish"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


@dataclass
class DevStack:
    """moto on 127.0.0.1 with the template's buckets and queues, and the publish handler wired to them."""

    site_base_url: str = "http://localhost:8000"
    port: int = 0
    # Bucket and queue names end in this; random unless given (newscard dev uses "dev").
    suffix: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    # Locally a failed message should come back within seconds, not the template's minutes.
    visibility_timeout: int = 2
    template: dict[str, Any] = field(default_factory=load_template)
    names: dict[str, str] = field(default_factory=dict)
    queue_urls: dict[str, str] = field(default_factory=dict)
    endpoint: str = ""
    _server: Any = None
    _modules: dict[str, ModuleType] = field(default_factory=dict)

    def start(self) -> DevStack:
        from moto.server import ThreadedMotoServer

        # moto's server logs every request through werkzeug; keep the console for our own lines.
        logging.getLogger("werkzeug").setLevel(logging.ERROR)

        _add_s3_sequencers()
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"
        # Every boto3 client in this process (the handler's too) now talks to moto, unchanged.
        os.environ.update(
            {
                "AWS_ENDPOINT_URL": self.endpoint,
                "AWS_ACCESS_KEY_ID": "testing",
                "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_DEFAULT_REGION": REGION,
            }
        )
        self._provision()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def client(self, service: str) -> Any:
        return boto3.client(service, endpoint_url=self.endpoint, region_name=REGION)  # type: ignore[call-overload]

    def _resources(self, kind: str) -> Iterator[tuple[str, dict[str, Any]]]:
        for name, resource in self.template["Resources"].items():
            if resource["Type"] == kind:
                yield name, resource.get("Properties", {})

    def _provision(self) -> None:
        s3, sqs = self.client("s3"), self.client("sqs")
        suffix = self.suffix
        for logical, _ in self._resources("AWS::SQS::Queue"):
            url = sqs.create_queue(QueueName=f"newscard-{logical.lower()}-{suffix}")["QueueUrl"]
            self.queue_urls[logical] = url
        for logical, props in self._resources("AWS::SQS::Queue"):
            redrive = props.get("RedrivePolicy")
            attributes = {"VisibilityTimeout": str(self.visibility_timeout)}
            if redrive:
                target = redrive["deadLetterTargetArn"]["Fn::GetAtt"][0]
                attributes["RedrivePolicy"] = json.dumps(
                    {
                        "deadLetterTargetArn": self._queue_arn(target),
                        "maxReceiveCount": redrive["maxReceiveCount"],
                    }
                )
            sqs.set_queue_attributes(QueueUrl=self.queue_urls[logical], Attributes=attributes)
        for logical, _ in self._resources("AWS::DynamoDB::Table"):
            table = f"newscard-{logical.lower()}-{suffix}"
            self.names[logical] = table
            create_state_table(self.client("dynamodb"), table)
        for logical, _ in self._resources("AWS::S3::Bucket"):
            bucket = f"newscard-{logical.lower()}-{suffix}"
            self.names[logical] = bucket
            s3.create_bucket(Bucket=bucket)
        for logical, props in self._resources("AWS::S3::Bucket"):
            notification = props.get("NotificationConfiguration")
            if notification:
                s3.put_bucket_notification_configuration(
                    Bucket=self.names[logical],
                    NotificationConfiguration={
                        "QueueConfigurations": [
                            {
                                "Events": [rule["Event"]],
                                "QueueArn": self._queue_arn(rule["Queue"]["Fn::GetAtt"][0]),
                                "Filter": {"Key": {"FilterRules": rule["Filter"]["S3Key"]["Rules"]}},
                            }
                            for rule in notification.get("QueueConfigurations", [])
                        ]
                    },
                )

    def _queue_arn(self, logical: str) -> str:
        attributes = self.client("sqs").get_queue_attributes(
            QueueUrl=self.queue_urls[logical], AttributeNames=["QueueArn"]
        )
        return str(attributes["Attributes"]["QueueArn"])

    def function_environment(self) -> dict[str, str]:
        """The Globals environment of template.yaml, with local names for its references.

        A variable set from a template parameter (SITE_NAME, SITE_LANGUAGE, THEME_*, ...) takes its
        value from this process's environment when set there, as a deploy takes it from a parameter
        override; otherwise the parameter's default. Resource names are always the local ones.
        """
        parameters = self.template.get("Parameters", {})
        # Locally the site is served from a folder or localhost, not from the CloudFront domain.
        local = {"SITE_BASE_URL": self.site_base_url}
        resolved: dict[str, str] = {}
        variables = self.template["Globals"]["Function"]["Environment"]["Variables"]
        for name, value in variables.items():
            if name in local:
                value = local[name]
            elif isinstance(value, dict) and "Ref" in value:
                ref = value["Ref"]
                if ref in self.names:
                    value = self.names[ref]
                elif os.environ.get(name):
                    value = os.environ[name]
                else:
                    value = parameters[ref].get("Default", "")
            elif isinstance(value, dict):
                raise ValueError(f"devstack cannot resolve {name}: {value}")
            resolved[name] = str(value)
        return resolved

    def handler(self) -> ModuleType:
        """The real publish handler module, imported with the template's environment."""
        return self._load("s3_events")

    def api_handler(self) -> ModuleType:
        """The real HTTP API handler module, imported with the template's environment."""
        return self._load("api")

    def _load(self, name: str) -> ModuleType:
        if name not in self._modules:
            os.environ.update(self.function_environment())
            from newscard.handlers import wiring
            from newscard.models.settings import settings_from_env

            # The modules build clients and settings at import, like a Lambda cold start;
            # (re)load so this stack's environment is the one they read.
            settings_from_env.cache_clear()
            wiring.s3_client.cache_clear()
            wiring.dynamodb_client.cache_clear()
            module = importlib.import_module(f"newscard.handlers.{name}")
            self._modules[name] = importlib.reload(module)
        return self._modules[name]

    def pump(
        self, *, queue: str = "UploadsQueue", wait_seconds: int = 1, batch_size: int = 5
    ) -> dict[str, int]:
        """Deliver one batch from the queue to the handler, the way Lambda's SQS poller does."""
        return deliver_batch(
            self.client("sqs"),
            self.queue_urls[queue],
            self._queue_arn(queue),
            self.handler(),
            wait_seconds=wait_seconds,
            batch_size=batch_size,
        )

    def worker_settings(self, queue: str = "UploadsQueue") -> WorkerSettings:
        """What a separate publish worker process needs to poll this stack's queue."""
        environment = {
            **{k: v for k, v in os.environ.items() if k.startswith("AWS_")},
            **self.function_environment(),
        }
        return WorkerSettings(environment, self.queue_urls[queue], self._queue_arn(queue))

    def copy_site(self, out: Path) -> int:
        """Download the site bucket into a folder; returns the number of objects."""
        from newscard.dal.memory import DirectoryStore
        from newscard.dal.s3 import S3Store

        site = S3Store(self.client("s3"), self.names["SiteBucket"])
        local = DirectoryStore(out)
        count = 0
        for key in site.list_keys(""):
            obj = site.get(key)
            local.put(key, obj.body, content_type=obj.content_type or "", cache_control=obj.cache_control)
            count += 1
        return count


def deliver_batch(
    sqs: Any, url: str, arn: str, handler: ModuleType, *, wait_seconds: int = 1, batch_size: int = 5
) -> dict[str, int]:
    """Receive one batch, hand it to the handler as Lambda's SQS poller does, delete what succeeded."""
    received = sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=batch_size, WaitTimeSeconds=wait_seconds, AttributeNames=["All"]
    ).get("Messages", [])
    if not received:
        return {"received": 0, "failed": 0}
    event = {
        "Records": [
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": message.get("Attributes", {}),
                "messageAttributes": {},
                "md5OfBody": message["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": arn,
                "awsRegion": REGION,
            }
            for message in received
        ]
    }
    response = handler.lambda_handler(event, LambdaContext())
    failed = {item["itemIdentifier"] for item in response.get("batchItemFailures", [])}
    for message in received:
        if message["MessageId"] not in failed:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return {"received": len(received), "failed": len(failed)}


@dataclass(frozen=True)
class WorkerSettings:
    environment: dict[str, str]
    queue_url: str
    queue_arn: str


def publish_worker(settings: WorkerSettings, stop: Any, number: int) -> None:
    """One publish consumer in its own process, as one Lambda execution environment: it imports
    the handler (a cold start) and polls the queue until stop is set."""
    # Ctrl-C reaches the whole process group; the parent stops us through `stop` instead.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    os.environ.update(settings.environment)
    handler = importlib.import_module("newscard.handlers.s3_events")
    sqs = boto3.client("sqs", endpoint_url=settings.environment["AWS_ENDPOINT_URL"], region_name=REGION)
    while not stop.is_set():
        try:
            deliver_batch(sqs, settings.queue_url, settings.queue_arn, handler, wait_seconds=1)
        except Exception as error:  # keep the worker up; the handler has logged the cause
            print(f"worker {number}: {type(error).__name__}: {error}", flush=True)
            stop.wait(1)


def start_workers(stack: DevStack, count: int) -> tuple[list[Any], Any]:
    """count publish consumers polling the stack's queue at once, as Lambda runs PublishConcurrency."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")  # a clean interpreter each, like a cold start
    stop = context.Event()
    settings = stack.worker_settings()
    workers = [
        context.Process(
            target=publish_worker,
            args=(settings, stop, number),
            name=f"newscard-worker-{number}",
            daemon=True,
        )
        for number in range(1, count + 1)
    ]
    for worker in workers:
        worker.start()
    return workers, stop


def run_demo(*, seed: Path, out: Path) -> int:
    """Publish one article through S3 -> SQS -> the real handler on moto, then copy the site out."""
    stack = DevStack().start()
    try:
        s3 = stack.client("s3")
        articles = stack.names["ArticlesBucket"]
        for image in sorted((seed.parent / "assets").glob("*")):
            if image.suffix.lower() in (".jpg", ".jpeg", ".png", ".webp"):
                s3.put_object(Bucket=articles, Key=f"assets/{image.name}", Body=image.read_bytes())
        key = f"incoming/{seed.name}"
        started = time.perf_counter()
        s3.put_object(Bucket=articles, Key=key, Body=seed.read_bytes(), ContentType="application/json")
        report_key = "reports/" + key.removeprefix("incoming/")
        report: dict[str, Any] | None = None
        deadline = time.monotonic() + 60
        while report is None and time.monotonic() < deadline:
            stack.pump()
            try:
                report = json.loads(s3.get_object(Bucket=articles, Key=report_key)["Body"].read())
            except s3.exceptions.NoSuchKey:
                continue
        elapsed = (time.perf_counter() - started) * 1000
        if report is None:
            print("no report after 60 s: the upload was not processed")
            return 1
        count = stack.copy_site(out)
        print(f"uploaded s3://{articles}/{key} -> {report['status']} in {elapsed:.0f} ms (upload to report)")
        for error in report.get("errors", []):
            print(f"  {error['loc'] or '/'}: {error['msg']}")
        if report["status"] != "published":
            return 1
        print(f"handler timings (ms): {report['timings_ms']}")
        print(f"copied {count} objects from the site bucket to {out}/")
        page = out / "articles" / str(report["slug"]) / "index.html"
        print(f"open {page.resolve()}")
        print(
            f"or serve it: python3 -m http.server -d {out} 8000 -> http://localhost:8000/articles/{report['slug']}/"
        )
        return 0
    finally:
        stack.stop()


def api_gateway_event(
    method: str, path: str, query: dict[str, str], headers: dict[str, str], body: bytes
) -> dict[str, Any]:
    """An API Gateway REST proxy event (the shape of events/api-*.json) for a local HTTP request."""
    return {
        "resource": path,
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} or None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": path,
            "httpMethod": method,
            "path": f"/v1{path}",
            "stage": "v1",
            "requestId": str(uuid.uuid4()),
            "identity": {"sourceIp": "127.0.0.1"},
        },
        "body": base64.b64encode(body).decode("ascii") if body else None,
        "isBase64Encoded": bool(body),
    }


def serve_api(stack: DevStack, host: str, port: int) -> ThreadingHTTPServer:
    """The HTTP API on host:port through the real API handler (requests handled one at a time)."""
    module = stack.api_handler()
    lock = threading.Lock()

    class ApiRequest(BaseHTTPRequestHandler):
        # A client that announces more body than it sends must not hold the server forever.
        timeout = 10

        def _call(self) -> None:
            parts = urlsplit(self.path)
            length = self._content_length()
            if length is None:
                return
            try:
                body = self.rfile.read(length) if length else b""
            except TimeoutError:
                self._problem(400, "the request body is shorter than its Content-Length")
                return
            if len(body) < length:
                self._problem(400, "the request body is shorter than its Content-Length")
                return
            # HEAD is GET without the body, as API Gateway answers it.
            method = "GET" if self.command == "HEAD" else self.command
            event = api_gateway_event(
                method, parts.path, dict(parse_qsl(parts.query)), dict(self.headers.items()), body
            )
            with lock:  # the resolver keeps the current event on the app object
                response = module.lambda_handler(event, LambdaContext(function_name="newscard-dev-api"))
            payload = response.get("body") or ""
            data = base64.b64decode(payload) if response.get("isBase64Encoded") else payload.encode("utf-8")
            self._answer(int(response["statusCode"]), response.get("multiValueHeaders") or {}, data)

        def _content_length(self) -> int | None:
            """The body's length, or None after answering 400 or 413 as API Gateway does (never a drop)."""
            declared = self.headers.get("Content-Length") or "0"
            if not declared.isdigit():
                self._problem(400, f"Content-Length must be a whole number of bytes, not {declared[:40]!r}")
                return None
            if int(declared) > MAX_API_PAYLOAD:
                self._problem(413, "the request body is over API Gateway's 10 MB payload limit")
                return None
            return int(declared)

        def _problem(self, status: int, msg: str) -> None:
            data = json.dumps({"errors": [{"loc": "", "msg": msg}]}).encode("utf-8")
            self.close_connection = True  # the body, if any, was not read
            self._answer(status, {"Content-Type": ["application/json"]}, data)

        def _answer(self, status: int, headers: dict[str, list[str]], data: bytes) -> None:
            self.send_response(status)
            for name, values in headers.items():
                for value in values:
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        do_GET = do_HEAD = do_POST = do_DELETE = do_PUT = do_PATCH = do_OPTIONS = _call

        def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
            # http.server's own refusals (a method the API does not have, a malformed request line)
            # in the API's {"errors": [...]} shape. An unknown method (TRACE, QUERY, ...) is the
            # client's mistake: 405, as API Gateway answers, not http.server's 501.
            status = 405 if code == 501 else code
            self._problem(status, message or HTTPStatus(status).phrase)

        def log_message(self, format: str, *args: Any) -> None:
            # A request line http.server could not read has no command or path.
            command, path = getattr(self, "command", None) or "?", getattr(self, "path", "?")
            print(f"api: {command} {path} -> {args[1] if len(args) > 1 else ''}", flush=True)

    server = ThreadingHTTPServer((host, port), ApiRequest)
    threading.Thread(target=server.serve_forever, name="newscard-api", daemon=True).start()
    return server


def site_key_for(path: str) -> str | None:
    """The site bucket key a URL path serves, as the CloudFront function (SiteRouterFunction) maps it.

    None: answered 404 at the edge. Like the function, the decoded path is checked, so
    /%2F_index/... and /%5Findex/... are hidden too; and S3 keys never start with "/", so a path
    that decodes to a double slash names no object.
    """
    try:
        decoded = unquote(path, errors="strict")
    except UnicodeDecodeError:
        return None
    if "/_" in decoded or "\\" in decoded or decoded.startswith("//"):
        return None
    if decoded.endswith("/"):
        decoded += "index.html"
    elif "." not in decoded.rsplit("/", 1)[-1]:
        decoded += "/index.html"
    return decoded.removeprefix("/")


_ARTICLE_PATH = re.compile(r"^/articles/([a-z0-9-]+)/?(index\.html)?$")


def redirect_for(registry: Any, path: str) -> str | None:
    """Where a former slug's page now lives (/articles/<new>/), or None."""
    match = _ARTICLE_PATH.match(unquote(path))
    if match is None:
        return None
    claim = registry.claim_of(match.group(1))
    if claim is None or claim.target is None:
        return None
    return f"/articles/{claim.target}/"


def serve_site(stack: DevStack, host: str, port: int) -> ThreadingHTTPServer:
    """The site bucket over HTTP, the way CloudFront serves it (directory indexes, headers)."""
    from newscard.dal.registry import DynamoRegistry
    from newscard.dal.s3 import S3Store
    from newscard.models.errors import NotFound

    site = S3Store(stack.client("s3"), stack.names["SiteBucket"])
    registry = DynamoRegistry(stack.client("dynamodb"), stack.names["SiteStateTable"])

    class SiteRequest(BaseHTTPRequestHandler):
        def do_HEAD(self) -> None:
            self.do_GET()  # send_head semantics: the headers of GET, no body (see below)

        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            target = redirect_for(registry, path)
            if target is None and site_key_for(path) is not None:
                last = path.rsplit("/", 1)[-1]
                # /articles/<slug> without the slash: 301 to it, as the CloudFront function does,
                # so the page's relative links resolve.
                target = path + "/" if last and "." not in last else None
            if target is not None:
                # A former slug: a permanent redirect, as the CloudFront function answers from its store.
                self.send_response(301)
                self.send_header("Location", target)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            key = site_key_for(path)
            try:
                if key is None:
                    raise NotFound(self.path)
                found = site.get(key)
            except NotFound:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", found.content_type or "application/octet-stream")
            self.send_header("Cache-Control", found.cache_control or "no-cache")
            self.send_header("Content-Length", str(len(found.body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(found.body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer((host, port), SiteRequest)
    threading.Thread(target=server.serve_forever, name="newscard-site", daemon=True).start()
    return server


def run_dev(
    *, s3_port: int, api_port: int, site_port: int, site_base_url: str | None, workers: int = 1
) -> int:
    """`newscard dev`: moto S3/SQS/DynamoDB, the template's resources, publish workers and the HTTP API."""
    stack = DevStack(port=s3_port, suffix="dev")
    stack.start()
    site_bucket = stack.names["SiteBucket"]
    site = serve_site(stack, "127.0.0.1", site_port)
    # Pages link cards absolutely: by default at the local site server, as CloudFront would.
    stack.site_base_url = site_base_url or f"http://127.0.0.1:{site.server_address[1]}"
    stack.handler()
    api = serve_api(stack, "127.0.0.1", api_port)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())

    consumers, stop_consumers = start_workers(stack, workers)
    articles = stack.names["ArticlesBucket"]
    api_url = f"http://127.0.0.1:{api.server_address[1]}"
    print(
        f"newscard dev is up (Ctrl-C stops it)\n"
        f"  S3 endpoint:     {stack.endpoint}\n"
        f"  articles bucket: {articles}   (upload to incoming/, images to assets/)\n"
        f"  site bucket:     {site_bucket}\n"
        f"  state table:     {stack.names['SiteStateTable']}\n"
        f"  publish workers: {workers}\n"
        f"  site:            {stack.site_base_url}/\n"
        f"  API:             {api_url}\n"
        f"  try: aws --endpoint-url {stack.endpoint} s3 cp examples/seed-article.json s3://{articles}/incoming/\n"
        f"       curl -s -X POST --data-binary @examples/seed-article.json \\\n"
        f"            '{api_url}/preview?preset=og' -o og.jpg",
        flush=True,
    )
    stop.wait()
    print("stopping", flush=True)
    stop_consumers.set()
    api.shutdown()
    site.shutdown()
    for consumer in consumers:
        consumer.join(timeout=10)
        if consumer.is_alive():
            consumer.terminate()
    stack.stop()
    return 0
