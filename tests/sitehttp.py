"""Built sites for browser tests: published through the real Publisher, served as CloudFront would.

The server answers from a folder written by DirectoryStore with each object's stored Content-Type
and Cache-Control, and gzips text when the browser asks (CloudFront's Compress), on 127.0.0.1.
"""

from __future__ import annotations

import gzip
import http.server
import json
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from tests.conftest import ENVIRONMENT, EXAMPLES, SITE_NOW


def build(
    root: Path, documents: dict[str, dict[str, Any]], assets: Path = EXAMPLES, **env: str
) -> dict[str, str]:
    """Publish documents (name -> article JSON) into root; env overrides the test settings. name -> slug."""
    from newscard.dal.memory import DirectoryStore
    from newscard.logic.images import ImageLoader
    from newscard.logic.publish import Publisher
    from newscard.models.settings import Settings

    publisher = Publisher(
        site=DirectoryStore(root),
        images=ImageLoader(DirectoryStore(assets)),
        settings=Settings.from_env({**ENVIRONMENT, **env}),
        clock=lambda: datetime.fromisoformat(SITE_NOW),
    )
    slugs = {}
    for name, document in documents.items():
        outcome = publisher.publish(json.dumps(document).encode(), source_key=f"incoming/{name}.json")
        slugs[name] = outcome.manifest.slug
    return slugs


def with_example_assets(folder: Path) -> Path:
    """A copy of the example assets folder that tests can add images to."""
    shutil.copytree(EXAMPLES / "assets", folder / "assets")
    return folder


class _SiteHandler(http.server.BaseHTTPRequestHandler):
    root: Path
    headers_by_key: dict[str, dict[str, str]]

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        key = unquote(urlsplit(self.path).path).lstrip("/")
        if key == "" or key.endswith("/"):
            key += "index.html"
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root) or not path.is_file() or key.startswith("."):
            self.send_error(404)
            return
        stored = self.headers_by_key.get(key, {})
        body = path.read_bytes()
        content_type = stored.get("content_type") or "application/octet-stream"
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        if stored.get("cache_control"):
            self.send_header("Cache-Control", stored["cache_control"])
        textual = content_type.startswith(
            ("text/", "application/xml", "application/atom+xml", "application/json")
        )
        if textual and "gzip" in self.headers.get("Accept-Encoding", ""):
            body = gzip.compress(body, mtime=0)
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Vary", "Accept-Encoding")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@contextmanager
def serve(root: Path) -> Iterator[str]:
    """The built site at http://127.0.0.1:<free port>/ for the duration of the block."""
    headers_file = root / ".headers.json"
    handler = type(
        "SiteHandler",
        (_SiteHandler,),
        {
            "root": root.resolve(),
            "headers_by_key": json.loads(headers_file.read_text()) if headers_file.exists() else {},
        },
    )
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
