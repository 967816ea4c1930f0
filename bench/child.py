"""Fresh-process probes for bench/run.py: what a Lambda cold start pays, and peak memory.

python bench/child.py cold PHOTO OUT HEADLINE    -> "<handler import ms> <first card ms>"
python bench/child.py memory PHOTO HEADLINE      -> "<VmHWM after imports MB> <VmHWM after MB> <w> <h>"
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
    elif mode == "memory":
        photo, headline = sys.argv[2:4]
        import newscard.rendering.cards  # noqa: F401  - imports before the baseline reading

        before = high_water_mb()
        _, width, height = render_one(photo, "story", headline)
        print(before, high_water_mb(), width, height)


if __name__ == "__main__":
    main()
