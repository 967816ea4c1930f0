"""What a phone downloads for the front page: build a small site, serve it, load it in Chromium.

    .venv/bin/python scripts/page_weight.py [--out DIR]

Publishes the seed article and the multilingual examples (each with a hero photo) through the real
Publisher into a folder, serves it from 127.0.0.1 and opens the front page as a phone would
(390x844 CSS px at 3x, touch). Prints the bytes transferred on load (lazy images below the fold
stay unloaded) and after scrolling to the bottom (everything a reader who scrolls would fetch),
per resource type.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import tempfile
import threading
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
CHROMIUM = "/usr/bin/chromium"
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
}
ENVIRONMENT = {
    "ARTICLES_BUCKET": "newscard-articles-local",
    "SITE_BUCKET": "newscard-site-local",
    "STATE_TABLE": "newscard-state-local",
    "SITE_BASE_URL": "https://news.example.com",
    "SITE_NAME": "The Example Gazette",
}


def build(root: Path) -> None:
    from newscard.dal.memory import DirectoryStore
    from newscard.logic.images import ImageLoader
    from newscard.logic.publish import Publisher
    from newscard.models.settings import Settings

    publisher = Publisher(
        site=DirectoryStore(root),
        images=ImageLoader(DirectoryStore(EXAMPLES)),
        settings=Settings.from_env(ENVIRONMENT),
        clock=lambda: datetime.fromisoformat("2025-12-07T06:00:00+00:00"),
    )
    sources = [EXAMPLES / "seed-article.json", *sorted((EXAMPLES / "multilingual").glob("*.json"))]
    for source in sources:
        publisher.publish(source.read_bytes(), source_key=f"incoming/{source.name}")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serve(root: Path) -> Iterator[str]:
    """The folder over HTTP on 127.0.0.1 (a free port), for as long as the block runs."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def measure(url: str) -> dict[str, Any]:
    """Bytes by resource type, on load and after scrolling to the end, as a phone loads the page."""
    from playwright.sync_api import sync_playwright

    loaded: list[tuple[str, str, int]] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        context = browser.new_context(**PHONE)  # type: ignore[arg-type]
        page = context.new_page()
        page.on(
            "requestfinished",
            lambda r: loaded.append((r.url, r.resource_type, r.sizes()["responseBodySize"])),
        )
        page.goto(url, wait_until="networkidle")
        on_load = list(loaded)
        height = page.evaluate("document.documentElement.scrollHeight")
        for y in range(0, int(height) + 844, 400):
            page.evaluate(f"window.scrollTo(0, {y})")
            page.wait_for_timeout(60)
        page.wait_for_load_state("networkidle")
        browser.close()

    def summary(requests: list[tuple[str, str, int]]) -> dict[str, Any]:
        by_type: dict[str, int] = defaultdict(int)
        for _, kind, size in requests:
            by_type[kind] += size
        return {"bytes": sum(by_type.values()), "requests": len(requests), "by_type": dict(by_type)}

    return {"on_load": summary(on_load), "scrolled": summary(loaded)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="keep the built site here (default: a temporary folder)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        root = args.out or Path(scratch)
        build(root)
        with serve(root) as url:
            print(json.dumps({"page": "front", "phone": "390x844@3x", **measure(url)}, indent=2))


if __name__ == "__main__":
    main()
