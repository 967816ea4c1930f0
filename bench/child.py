"""Fresh-process probes for bench/run.py: what a Lambda cold start pays, and peak memory.

python bench/child.py cold PHOTO OUT HEADLINE    -> "<handler import ms> <first card ms>"
python bench/child.py handler-libraries          -> the third-party modules the handler import loads
python bench/child.py libraries < NAMES          -> "<import ms of those modules alone>"
python bench/child.py memory PHOTO HEADLINE      -> "<VmHWM after imports MB> <VmHWM after MB> <w> <h>"
python bench/child.py article-memory ASSETS N    -> "<VmHWM after imports MB> <VmHWM after MB> <status>"
"""

from __future__ import annotations

import sys
import time


def high_water_mb() -> float:
    # VmHWM belongs to this process image; ru_maxrss would include the parent's pre-exec peak.
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def render_one(photo_path: str, preset_name: str, headline: str) -> tuple[bytes, int, int]:
    from newscard.models.settings import Theme
    from newscard.rendering import images
    from newscard.rendering.cards import PRESETS, CardText, render_card

    with open(photo_path, "rb") as handle:
        data = handle.read()
    info = images.inspect_image(data)
    preset = PRESETS[preset_name]
    needed = images.cover_source_size(info.width, info.height, [(preset.width, preset.height)])
    photo = images.decode(data, at_least=needed)
    card = render_card(CardText(headline, "World", "Newscard"), preset=preset, theme=Theme(), photo=photo)
    return card.data, info.width, info.height


def publish_many_images(assets: str, count: int) -> None:
    """Publish an article whose hero and N body images are the heavy photo, from a folder (so the
    source bytes are read on demand, as from S3, not held by the store)."""
    import json
    from pathlib import Path

    from newscard.dal.memory import DirectoryStore, MemoryStore
    from newscard.logic.images import ImageLoader
    from newscard.logic.publish import Publisher
    from newscard.models.settings import Settings

    settings = Settings.from_env(
        {
            "ARTICLES_BUCKET": "bench-articles",
            "SITE_BUCKET": "bench-site",
            "STATE_TABLE": "bench-state",
            "SITE_BASE_URL": "https://news.example.com",
            "SITE_NAME": "Newscard",
        }
    )
    body: list[dict[str, str]] = [{"type": "paragraph", "text": "Fifty photos."}]
    body += [
        {"type": "image", "src": f"assets/{index}.jpg", "alt": f"Photo {index}"} for index in range(count)
    ]
    document = {
        "headline": "Fifty heavy photos",
        "section": "World",
        "published_at": "2025-12-06T09:00:00+00:00",
        "hero": {"src": "assets/0.jpg", "alt": "The first photo"},
        "body": body,
    }
    publisher = Publisher(
        site=MemoryStore(), images=ImageLoader(DirectoryStore(Path(assets))), settings=settings
    )
    before = high_water_mb()
    outcome = publisher.publish(json.dumps(document).encode())
    print(before, high_water_mb(), outcome.status if outcome is not None else "no outcome")


def main() -> None:
    mode = sys.argv[1]
    if mode == "cold":
        photo, out, headline = sys.argv[2:5]
        start = time.perf_counter()
        from newscard.handlers import s3_events  # noqa: F401  - the Lambda module: settings, boto3 client

        imported = time.perf_counter()
        data, _, _ = render_one(photo, "og", headline)
        with open(out, "wb") as handle:
            handle.write(data)
        done = time.perf_counter()
        # Wall-clock time the card was on disk, for the parent to subtract its spawn time from:
        # the process's exit (interpreter teardown) is not part of a Lambda cold start.
        print(f"{(imported - start) * 1000:.1f} {(done - imported) * 1000:.1f} {time.time():.6f}")
    elif mode == "libraries":
        # The floor under the handler import: the third-party modules that importing the handler
        # loads (listed by "handler-libraries" in another process), imported alone, in its order.
        # The handler's import above this is our own code (models, fonts, the page machinery).
        import importlib

        names = sys.stdin.read().split()
        start = time.perf_counter()
        for name in names:
            importlib.import_module(name)
        print(f"{(time.perf_counter() - start) * 1000:.1f}")
    elif mode == "handler-libraries":
        import importlib

        importlib.import_module("newscard.handlers.s3_events")

        ours_or_standard = {*sys.stdlib_module_names, "newscard", "__main__"}
        print(
            "\n".join(
                name
                for name in list(sys.modules)
                if name.split(".")[0] not in ours_or_standard and not name.startswith("_sysconfigdata")
            )
        )
    elif mode == "article-memory":
        publish_many_images(sys.argv[2], int(sys.argv[3]))
    elif mode == "memory":
        photo, headline = sys.argv[2:4]
        import newscard.rendering.cards  # noqa: F401  - imports before the baseline reading

        before = high_water_mb()
        _, width, height = render_one(photo, "story", headline)
        print(before, high_water_mb(), width, height)


if __name__ == "__main__":
    main()
