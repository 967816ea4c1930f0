"""The studio over HTTP (stdlib http.server): 127.0.0.1 only, bounded requests, no third-party assets.

Routes:
  GET  /                     the studio page (static/index.html, studio.js, studio.css)
  GET  /api/session          the starting article, theme, site and presets
  POST /api/preview          {article: text, theme: {...}} -> problems, card digests, page HTML
  GET  /cards/<preset>/<d>   a card's bytes by digest (waits for its render)
  GET  /images/<sha256>      an image the page preview shows
  POST /api/upload?name=...  image bytes -> an assets/studio/... key (kept in memory)
"""

from __future__ import annotations

import contextlib
import json
import re
import sys
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from newscard.dal.memory import DirectoryStore
from newscard.models.article import MAX_DOCUMENT_BYTES
from newscard.models.errors import ArticleRejected, Problem
from newscard.models.settings import Settings
from newscard.rendering.cards import PRESETS
from newscard.rendering.images import MAX_IMAGE_BYTES, ImageProblem
from newscard.studio.session import Studio

HOST = "127.0.0.1"
# The article's own limit is enforced by parse_article; this bounds the envelope around it
# (JSON string escaping can lengthen a text, the theme is a few bytes).
MAX_PREVIEW_BYTES = 2 * MAX_DOCUMENT_BYTES + 64 * 1024
STATIC_FILES = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/static/studio.js": ("studio.js", "text/javascript; charset=utf-8"),
    "/static/studio.css": ("studio.css", "text/css; charset=utf-8"),
}
# Everything from this origin; the page preview (a sandboxed srcdoc frame inherits this policy)
# needs the template's inline <style>. Images: the studio's own URLs and blob: for fetched cards.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' blob: data:; "
    "connect-src 'self'; frame-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
# Requests that change state carry this header: a page on another origin cannot add it without a
# CORS preflight, which this server never grants.
STUDIO_HEADER = "X-Newscard-Studio"
_CARD_PATH = re.compile(r"^/cards/(og|square|story)/([0-9a-f]{32})$")
_IMAGE_PATH = re.compile(r"^/images/([0-9a-f]{64})$")


def _read_static(name: str) -> bytes:
    return (resources.files("newscard.studio") / "static" / name).read_bytes()


def make_handler(studio: Studio, initial_article: str) -> type[BaseHTTPRequestHandler]:
    class StudioRequest(BaseHTTPRequestHandler):
        server_version = "newscard-studio"
        sys_version = ""
        # A stalled client cannot hold a thread for ever.
        timeout = 30

        # Plumbing ----------------------------------------------------------------------------

        def _send(
            self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("Referrer-Policy", "no-referrer")
            self.send_header("Cross-Origin-Resource-Policy", "same-origin")
            for name, value in (headers or {"Cache-Control": "no-store"}).items():
                self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD":
                # A broken pipe means the browser moved on to a newer card.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(body)

        def _json(self, status: int, data: object) -> None:
            body = json.dumps(data, ensure_ascii=False).encode("utf-8")
            self._send(status, body, "application/json; charset=utf-8")

        def _problems(self, status: int, problems: list[Problem]) -> None:
            self._json(status, {"problems": [{"loc": p.loc or "/", "msg": p.msg} for p in problems]})

        def _host_allowed(self) -> bool:
            """Only this machine's names for this port: a DNS-rebinding page cannot talk to the studio."""
            port = self.server.server_address[1]  # type: ignore[index]  # an (host, port) for AF_INET
            return self.headers.get("Host", "") in {f"127.0.0.1:{port}", f"localhost:{port}"}

        def _body(self, limit: int) -> bytes | None:
            """The request body within limit, or None after answering 411/413."""
            length = self.headers.get("Content-Length")
            if length is None or not length.isdigit():
                self._problems(
                    HTTPStatus.LENGTH_REQUIRED, [Problem("", "the request needs a Content-Length")]
                )
                return None
            if int(length) > limit:
                self.close_connection = True
                self._problems(
                    HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                    [Problem("", f"the request is {int(length):,} bytes; the limit is {limit:,}")],
                )
                return None
            return self.rfile.read(int(length))

        def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
            self._problems(code, [Problem("", message or HTTPStatus(code).phrase)])

        def log_message(self, format: str, *args: Any) -> None:
            pass  # quiet: the terminal shows only the studio's address

        # Routes ------------------------------------------------------------------------------

        def do_GET(self) -> None:
            if not self._host_allowed():
                self._problems(HTTPStatus.MISDIRECTED_REQUEST, [Problem("", "use http://127.0.0.1")])
                return
            path = urlsplit(self.path).path
            if path in STATIC_FILES:
                name, content_type = STATIC_FILES[path]
                self._send(
                    HTTPStatus.OK,
                    _read_static(name),
                    content_type,
                    {"Cache-Control": "no-cache", "Content-Security-Policy": CONTENT_SECURITY_POLICY},
                )
            elif path == "/api/session":
                self._json(HTTPStatus.OK, self._session())
            elif match := _CARD_PATH.match(path):
                self._card(match.group(1), match.group(2))
            elif match := _IMAGE_PATH.match(path):
                found = studio.image(match.group(1))
                if found is None:
                    self._problems(HTTPStatus.NOT_FOUND, [Problem("", "no such image")])
                else:
                    self._send(HTTPStatus.OK, found[0], found[1], {"Cache-Control": "private, max-age=3600"})
            else:
                self._problems(HTTPStatus.NOT_FOUND, [Problem("", f"nothing at {path}")])

        def do_POST(self) -> None:
            if not self._host_allowed() or self.headers.get(STUDIO_HEADER) != "1":
                self._problems(HTTPStatus.FORBIDDEN, [Problem("", "requests come from the studio page only")])
                return
            split = urlsplit(self.path)
            if split.path == "/api/preview":
                self._preview()
            elif split.path == "/api/upload":
                name = (parse_qs(split.query).get("name") or ["image"])[0]
                self._upload(name)
            else:
                self._problems(HTTPStatus.NOT_FOUND, [Problem("", f"nothing at {split.path}")])

        def _session(self) -> dict[str, Any]:
            settings = studio.settings
            return {
                "article": initial_article,
                "theme": studio.theme_values(),
                "env": studio.env_lines(settings),
                "site": {"name": settings.site_name, "url": settings.site_base_url},
                "presets": {name: [p.width, p.height] for name, p in PRESETS.items()},
                "limits": {"article": MAX_DOCUMENT_BYTES, "image": MAX_IMAGE_BYTES},
            }

        def _preview(self) -> None:
            raw = self._body(MAX_PREVIEW_BYTES)
            if raw is None:
                return
            try:
                request = json.loads(raw)
                text = request["article"]
                if not isinstance(text, str):
                    raise TypeError
            except (ValueError, KeyError, TypeError):
                self._problems(
                    HTTPStatus.BAD_REQUEST, [Problem("", 'send {"article": text, "theme": {...}}')]
                )
                return
            try:
                preview = studio.preview(text, request.get("theme"))
            except Exception as error:  # a renderer bug must reach the editor as a problem, not a hang
                self._problems(
                    HTTPStatus.INTERNAL_SERVER_ERROR, [Problem("", f"the preview failed: {error!r}")]
                )
                return
            self._json(HTTPStatus.OK, preview.as_dict())

        def _card(self, preset: str, digest: str) -> None:
            try:
                card = studio.card(preset, digest)
            except Exception as error:  # a renderer bug must reach the editor, not kill the thread
                self._problems(
                    HTTPStatus.INTERNAL_SERVER_ERROR,
                    [Problem("", f"the {preset} card could not be rendered: {error}")],
                )
                return
            if card is None:
                self._problems(
                    HTTPStatus.NOT_FOUND, [Problem("", "that card was superseded by a newer edit")]
                )
                return
            self._send(
                HTTPStatus.OK,
                card.data,
                card.content_type,
                # The digest names every input, and rendering is deterministic.
                {"Cache-Control": "private, max-age=31536000, immutable"},
            )

        def _upload(self, name: str) -> None:
            data = self._body(MAX_IMAGE_BYTES)
            if data is None:
                return
            try:
                self._json(HTTPStatus.OK, studio.upload(data, name))
            except ImageProblem as error:
                self._problems(HTTPStatus.UNPROCESSABLE_ENTITY, [Problem("", str(error))])
            except ArticleRejected as rejection:
                self._problems(HTTPStatus.UNPROCESSABLE_ENTITY, rejection.problems)

    return StudioRequest


def serve_studio(studio: Studio, initial_article: str, port: int = 0) -> ThreadingHTTPServer:
    """A server bound to 127.0.0.1 (never another interface); call serve_forever on it."""
    server = ThreadingHTTPServer((HOST, port), make_handler(studio, initial_article))
    server.daemon_threads = True
    return server


def build_studio(settings: Settings, assets: Path) -> Studio:
    """The studio with publishing's image rules: assets/ keys under the folder, https per ASSET_HOSTS."""
    from newscard.dal.https_images import HttpsImageFetcher

    fetcher = HttpsImageFetcher(settings.asset_hosts) if settings.asset_hosts else None
    return Studio(settings, DirectoryStore(assets), fetcher.fetch if fetcher else None)


def run_studio(settings: Settings, *, port: int, assets: Path | None, article: Path | None) -> int:
    """Serve until Ctrl-C. assets defaults to the article's folder, as for `newscard render`."""
    if assets is None:
        assets = article.resolve().parent if article is not None else Path.cwd()
    studio = build_studio(settings, assets)
    server = serve_studio(studio, initial_article_text(article), port)
    print(f"newscard studio: http://{HOST}:{server.server_address[1]}/  (Ctrl-C stops it)", flush=True)
    print(f"  images: {assets}/assets/...  theme: THEME_* from the environment", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print(file=sys.stderr)
    finally:
        server.server_close()
        studio.close()
    return 0


def initial_article_text(path: Path | None) -> str:
    """The article the editor opens with: the given file, or a minimal valid one."""
    if path is not None:
        # Not UTF-8? Open it anyway, with U+FFFD where a byte was not UTF-8, for the editor to fix.
        return path.read_bytes().decode("utf-8-sig", errors="replace")
    return json.dumps(
        {
            "headline": "Write the headline here",
            "section": "News",
            "published_at": "2025-12-06T09:00:00+00:00",
            "body": [{"type": "paragraph", "text": "The first paragraph."}],
        },
        indent=2,
    )
