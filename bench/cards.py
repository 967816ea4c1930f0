"""Card rendering benchmark: decode + render + encode per preset, on one core. A script, not a test.

    .venv/bin/python bench/cards.py [--runs 30] [--photo examples/assets/european-leaders.jpg]

Each timed card starts from the hero decoded once (as production does, at the scale the largest
preset needs): it crops or resamples its frame, shades under the text, typesets the headline and
encodes the card. The hero decode is timed on its own, and again in the three-card article
figure. Headlines rotate through the seed and the multilingual examples, so font fallback,
shaping and emoji are all on the path. Prints a table, then one JSON line for machines.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "functions"))


# isort: split
from PIL import Image, features  # noqa: E402

from newscard.models.article import text_direction  # noqa: E402
from newscard.models.settings import Theme  # noqa: E402
from newscard.rendering import images  # noqa: E402
from newscard.rendering.cards import (  # noqa: E402
    OG_MAX_BYTES,
    PRESETS,
    CardText,
    RenderedCard,
    clear_layout_caches,
    render_card,
)


def _headlines() -> list[CardText]:
    found = []
    for path in [
        ROOT / "examples" / "seed-article.json",
        *sorted((ROOT / "examples" / "multilingual").glob("*.json")),
    ]:
        doc = json.loads(path.read_text())
        language = doc.get("language", "en")
        direction = text_direction(language)
        found.append(CardText(doc["headline"], doc["section"], "Newscard", direction, language))
    return found


def decode_hero(photo_bytes: bytes) -> images.Photo:
    """The hero as production decodes it (logic/render.py): once, at the scale every preset needs."""
    info = images.inspect_image(photo_bytes)
    needed = images.cover_source_size(
        info.width, info.height, [(p.width, p.height) for p in PRESETS.values()]
    )
    photo = images.Photo(images.decode(photo_bytes, at_least=needed))
    # The 1/2 level is part of the hero too: og and the page image both crop from it, once per article.
    photo.level(images.reduction_factor(photo.size[0], 1600))
    return photo


def measure_presets(
    photo_bytes: bytes, headlines: list[CardText], *, runs: int, warmup: int
) -> tuple[dict[str, dict[str, float]], list[float], list[float]]:
    """Per preset: one card from an already decoded hero (crop/resample + scrim + text + encode), in ms;
    then the hero decode alone, and whole-article card sets (one decode + three cards)."""
    theme = Theme()
    hero = decode_hero(photo_bytes)
    # A warm process has loaded each script's fonts once: every headline in every preset first, so
    # no timed card pays a font's first load (that is the cold start's, measured by bench_cold).
    # The layout caches are cleared before every timed card, so none reuses the words the warm-up
    # (or an earlier card) measured: a real card sets a headline the process has not seen.
    for preset in PRESETS.values():
        for text in headlines:
            render_card(text, preset=preset, theme=theme, photo=hero, focal=(0.5, 0.35))
    results: dict[str, dict[str, float]] = {}
    for preset in PRESETS.values():
        timings: list[float] = []
        cpu: list[float] = []
        sizes: list[int] = []
        for index in range(warmup + runs):
            text = headlines[index % len(headlines)]
            # A new article's headline: nothing measured or built for it yet (fonts stay loaded).
            clear_layout_caches()
            start, cpu_start = time.perf_counter(), time.thread_time()
            card = render_card(text, preset=preset, theme=theme, photo=hero, focal=(0.5, 0.35))
            elapsed = (time.perf_counter() - start) * 1000
            if index >= warmup:
                timings.append(elapsed)
                # CPU time of this thread: on a shared, oversubscribed box the wall clock also
                # counts the time other processes held the core.
                cpu.append((time.thread_time() - cpu_start) * 1000)
                sizes.append(len(card.data))
        floor = _floor_ms(hero, card, runs=runs)
        results[preset.name] = {
            "min_ms": round(min(timings), 1),
            "median_ms": round(statistics.median(timings), 1),
            "max_ms": round(max(timings), 1),
            "cpu_median_ms": round(statistics.median(cpu), 1),
            # The mean as well: a peer's CPU comes as one total over its run (bench_peers).
            "cpu_mean_ms": round(statistics.fmean(cpu), 1),
            "max_kb": round(max(sizes) / 1024, 1),
            **floor,
            "above_floor_ms": round(statistics.median(timings) - floor["floor_ms"], 1),
        }
    decode_timings: list[float] = []
    for index in range(warmup + runs):
        start = time.perf_counter()
        decode_hero(photo_bytes)
        if index >= warmup:
            decode_timings.append((time.perf_counter() - start) * 1000)
    # The production path: one decode at the scale the largest preset needs, then all three cards.
    article_timings: list[float] = []
    for index in range(warmup + max(1, runs // 2)):
        text = headlines[index % len(headlines)]
        clear_layout_caches()
        start = time.perf_counter()
        photo = decode_hero(photo_bytes)
        for preset in PRESETS.values():
            render_card(text, preset=preset, theme=theme, photo=photo, focal=(0.5, 0.35))
        if index >= warmup:
            article_timings.append((time.perf_counter() - start) * 1000)
    return results, decode_timings, article_timings


def _floor_ms(hero: images.Photo, card: RenderedCard, *, runs: int) -> dict[str, float]:
    """What the card cannot avoid, timed alone: its photo region brought to its frame (the crop or
    the one resample the card does, from the same decoded hero) and the encode of a frame that size
    at the card's settings. The card's time above the sum is the text, the scrim and the copies."""
    if card.photo_area is None or card.photo_crop is None:
        return {"resample_ms": 0.0, "encode_ms": 0.0, "floor_ms": 0.0}
    left, top, right, bottom = card.photo_area
    size = (right - left, bottom - top)
    resample: list[float] = []
    encode: list[float] = []
    frame = Image.new("RGB", (card.width, card.height))
    for _ in range(runs):
        start = time.perf_counter()
        region = hero.resample(size, card.photo_crop)
        resample.append((time.perf_counter() - start) * 1000)
        frame.paste(region, (left, top))
        start = time.perf_counter()
        images.encode_jpeg(frame, max_bytes=OG_MAX_BYTES if card.preset == "og" else None, optimize=False)
        encode.append((time.perf_counter() - start) * 1000)
    resample_ms, encode_ms = statistics.median(resample), statistics.median(encode)
    return {
        "resample_ms": round(resample_ms, 1),
        "encode_ms": round(encode_ms, 1),
        "floor_ms": round(resample_ms + encode_ms, 1),
    }


def pin_to_one_core() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core, as one Lambda vCPU


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="timed cards per preset (default 30)")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--photo", default=str(ROOT / "examples" / "assets" / "european-leaders.jpg"))
    args = parser.parse_args()

    pin_to_one_core()
    photo_bytes = Path(args.photo).read_bytes()
    info = images.inspect_image(photo_bytes)
    results, decode_timings, article_timings = measure_presets(
        photo_bytes, _headlines(), runs=args.runs, warmup=args.warmup
    )
    median_all = statistics.median(r["median_ms"] for r in results.values())
    per_article = statistics.median(article_timings)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(f"photo {Path(args.photo).name} {info.width}x{info.height}, {args.runs} cards per preset, one core")
    print(
        f"Python {platform.python_version()} {platform.machine()}, raqm {features.version('raqm')}, "
        f"fribidi {features.version('fribidi')}, harfbuzz {features.version('harfbuzz')}"
    )
    print()
    print("| preset | size | min ms | median ms | max ms | largest card |")
    print("|---|---|---|---|---|---|")
    for name, r in results.items():
        p = PRESETS[name]
        cells = [name, f"{p.width}x{p.height}", r["min_ms"], r["median_ms"], r["max_ms"], f"{r['max_kb']} KB"]
        print("| " + " | ".join(str(cell) for cell in cells) + " |")
    print()
    print(
        f"cards/second on one core: {1000 / median_all:.1f} (median card {median_all} ms); "
        f"one article (one decode, three presets): {per_article:.0f} ms median"
    )
    print(
        "hero decode (shared by every preset and the page image): "
        f"{statistics.median(decode_timings):.1f} ms median"
    )
    print(f"peak memory (max RSS): {peak_mb:.0f} MB")
    print(json.dumps({
        "bench": "cards",
        "presets": results,
        "cards_per_second": round(1000 / median_all, 2),
        "article_ms": round(per_article, 1),
        "hero_decode_ms": round(statistics.median(decode_timings), 1),
        "peak_rss_mb": round(peak_mb, 1),
        "runs": args.runs,
        "machine": platform.machine(),
    }))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
