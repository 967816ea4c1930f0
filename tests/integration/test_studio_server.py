"""The studio's HTTP surface: 127.0.0.1 only, bounded requests, only the studio page may change state."""

from __future__ import annotations

import http.client
import io
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from PIL import Image

from newscard.cli import _local_settings, build_parser
from newscard.studio.server import HOST, MAX_PREVIEW_BYTES, build_studio, initial_article_text, serve_studio
from tests.conftest import EXAMPLES, SEED, jpeg_bytes

pytestmark = pytest.mark.enable_socket


class Client:
    def __init__(self, port: int) -> None:
        self.port = port

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        studio: bool = True,
    ) -> tuple[int, dict[str, str], bytes]:
        connection = http.client.HTTPConnection(HOST, self.port, timeout=60)
        try:
            sent = {"X-Newscard-Studio": "1"} if studio else {}
            connection.request(method, path, body=body, headers={**sent, **(headers or {})})
            response = connection.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            connection.close()

    def preview(self, article: str, theme: object = None) -> tuple[int, dict[str, Any]]:
        body = json.dumps({"article": article, "theme": theme}).encode()
        status, _, data = self.request("POST", "/api/preview", body, {"Content-Type": "application/json"})
        return status, json.loads(data)


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    studio = build_studio(_local_settings(None, None), EXAMPLES)
    server = serve_studio(studio, initial_article_text(SEED), port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Client(server.server_address[1])
    server.shutdown()
    server.server_close()
    studio.close()


def test_the_cli_has_a_studio_command_with_port_and_assets() -> None:
    args = build_parser().parse_args(["studio", "--port", "0", "--assets", "examples"])
    assert (args.port, args.assets, args.func.__name__) == (0, "examples", "cmd_studio")
    assert build_parser().parse_args(["studio"]).port == 8765


def test_it_listens_on_loopback_only(client: Client) -> None:
    studio = build_studio(_local_settings(None, None), EXAMPLES)
    server = serve_studio(studio, "{}", port=0)
    try:
        assert server.server_address[0] == "127.0.0.1"
    finally:
        server.server_close()
        studio.close()


def test_the_page_and_its_assets_are_served_with_a_strict_policy(client: Client) -> None:
    status, headers, body = client.request("GET", "/", studio=False)
    assert status == 200 and headers["content-type"].startswith("text/html")
    policy = headers["content-security-policy"]
    for directive in ("default-src 'none'", "script-src 'self'", "frame-ancestors 'none'"):
        assert directive in policy
    assert b'textarea id="article" name="article"' in body
    # nothing from another origin: every script, stylesheet and image is this server's own
    assert b"http://" not in body.replace(b"http://www.w3.org", b"") and b"https://" not in body
    for path, kind in (("/static/studio.js", "text/javascript"), ("/static/studio.css", "text/css")):
        status, headers, body = client.request("GET", path, studio=False)
        assert status == 200 and headers["content-type"].startswith(kind) and b"https://" not in body
    assert headers["x-content-type-options"] == "nosniff"


def test_the_session_opens_the_seed_article_and_the_environments_theme(client: Client) -> None:
    status, _, body = client.request("GET", "/api/session", studio=False)
    session = json.loads(body)
    assert status == 200
    assert session["article"] == SEED.read_text()
    assert session["theme"] == {
        "accent": "#d6002a",
        "background": "#14213d",
        "text": "#ffffff",
        "font": "sans",
        "logo_key": "",
    }
    assert session["presets"] == {"og": [1200, 630], "square": [1080, 1080], "story": [1080, 1920]}


def test_a_preview_then_its_cards_by_digest(client: Client) -> None:
    status, preview = client.preview(SEED.read_text())
    assert status == 200 and preview["problems"] == []
    for preset, card in preview["cards"].items():
        status, headers, body = client.request("GET", card["url"], studio=False)
        assert status == 200 and headers["content-type"] == "image/jpeg"
        assert "immutable" in headers["cache-control"]
        assert Image.open(io.BytesIO(body)).size == (card["width"], card["height"]), preset
    for url in preview["images"].values():
        status, headers, _ = client.request("GET", url, studio=False)
        assert status == 200 and headers["content-type"] == "image/jpeg"


def test_invalid_articles_answer_located_problems(client: Client) -> None:
    status, preview = client.preview(SEED.read_text().replace('"section": "Politics', '"sektion": "Politics'))
    assert status == 200 and preview["cards"] == {} and preview["page"] is None
    located = sorted((p["loc"], p["line"] or 0) for p in preview["problems"])
    assert located == [("/section", 0), ("/sektion", 4)]


@pytest.mark.parametrize(
    "path",
    [
        "/assets/european-leaders.jpg",
        "/examples/seed-article.json",
        "/static/../session.py",
        "/static/%2e%2e/server.py",
        "/images/../../etc/passwd",
        "/images/" + "0" * 64,
        "/cards/og/" + "0" * 32,
        "/cards/banner/" + "0" * 32,
        "/etc/passwd",
    ],
)
def test_nothing_else_is_served(client: Client, path: str) -> None:
    status, headers, body = client.request("GET", path, studio=False)
    assert status == 404 and headers["content-type"].startswith("application/json")
    assert json.loads(body)["problems"][0]["msg"]


def test_state_changing_requests_need_the_studio_header(client: Client) -> None:
    body = json.dumps({"article": SEED.read_text()}).encode()
    status, _, data = client.request("POST", "/api/preview", body, studio=False)
    assert status == 403 and "studio page only" in data.decode()
    status, _, _ = client.request("POST", "/api/upload?name=x.jpg", jpeg_bytes(), studio=False)
    assert status == 403


@pytest.mark.parametrize("host", ["evil.example", "127.0.0.1", "localhost:1", "attacker.test:8765"])
def test_other_host_names_are_refused(client: Client, host: str) -> None:
    """A DNS-rebinding page reaches 127.0.0.1 under its own name: the Host header gives it away."""
    status, _, _ = client.request("GET", "/api/session", headers={"Host": host}, studio=False)
    assert status == 421
    body = json.dumps({"article": SEED.read_text()}).encode()
    status, _, _ = client.request("POST", "/api/preview", body, headers={"Host": host})
    assert status == 403


def test_request_sizes_are_bounded_before_reading(client: Client) -> None:
    connection = http.client.HTTPConnection(HOST, client.port, timeout=30)
    try:
        # Announce a huge body and send none: the answer comes without waiting for it.
        connection.putrequest("POST", "/api/preview")
        connection.putheader("X-Newscard-Studio", "1")
        connection.putheader("Content-Length", str(MAX_PREVIEW_BYTES + 1))
        connection.endheaders()
        response = connection.getresponse()
        assert response.status == 413 and "the limit is" in response.read().decode()
    finally:
        connection.close()
    connection = http.client.HTTPConnection(HOST, client.port, timeout=30)
    try:
        connection.putrequest("POST", "/api/upload?name=big.jpg")
        connection.putheader("X-Newscard-Studio", "1")
        connection.putheader("Content-Length", str(20 * 1024 * 1024 + 1))
        connection.endheaders()
        assert connection.getresponse().status == 413
    finally:
        connection.close()
    status, _, _ = client.request("POST", "/api/preview", b"not json")
    assert status == 400
    status, _, _ = client.request("POST", "/api/preview", json.dumps({"article": 5}).encode())
    assert status == 400


def test_an_article_over_the_publishing_limit_is_a_problem(client: Client) -> None:
    document = json.loads(SEED.read_text())
    document["dek"] = "x" * (1024 * 1024)
    status, preview = client.preview(json.dumps(document))
    assert status == 200 and "the limit is 1,048,576" in preview["problems"][0]["msg"]


def test_uploads_become_assets_keys_the_article_can_use(client: Client) -> None:
    status, _, body = client.request("POST", "/api/upload?name=../../etc/passwd.jpg", jpeg_bytes((1400, 900)))
    uploaded = json.loads(body)
    assert status == 200
    assert uploaded["src"].startswith("assets/studio/etc-passwd-") and ".." not in uploaded["src"]
    document = json.loads(SEED.read_text())
    document["hero"] = {"src": uploaded["src"], "alt": "A plain photo"}
    status, preview = client.preview(json.dumps(document))
    assert status == 200 and preview["problems"] == []
    status, _, body = client.request("POST", "/api/upload?name=page.html", b"<html><script>x</script>")
    assert status == 422 and "not a JPEG, PNG or WebP" in body.decode()


def test_newscard_studio_starts_serves_the_seed_and_stops() -> None:
    """The command as an editor runs it: its address on stdout, the seed article, the examples' images."""
    process = subprocess.Popen(
        [sys.executable, "-m", "newscard.cli", "studio", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "THEME_ACCENT": "#123456"},
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("newscard studio: http://127.0.0.1:"), line
        client = Client(int(line.split("127.0.0.1:")[1].split("/")[0]))
        status, _, body = client.request("GET", "/api/session", studio=False)
        session = json.loads(body)
        assert status == 200 and session["article"] == SEED.read_text()
        assert session["theme"]["accent"] == "#123456" and "THEME_ACCENT=#123456" in session["env"]
        status, preview = client.preview(session["article"])
        assert (
            status == 200 and preview["problems"] == [] and set(preview["cards"]) == {"og", "square", "story"}
        )
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0


def test_an_explicit_article_must_exist(tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    from newscard.cli import main

    assert main(["studio", "--article", str(tmp_path / "missing.json")]) == 2
    assert "missing.json: no such file" in capsys.readouterr().err
    latin1 = tmp_path / "old.json"
    latin1.write_bytes('{"headline": "Caf\xe9"}'.encode("latin-1"))
    assert initial_article_text(latin1) == '{"headline": "Caf\ufffd"}'
