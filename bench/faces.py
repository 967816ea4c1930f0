"""Cards from real face photos without a focal point: a contact sheet and the detection time.

    .venv/bin/python bench/faces.py --out docs/card-faces.png

The photos ship in the dev dependencies (public domain): scikit-image's astronaut (NASA) and
matplotlib's Grace Hopper (US Navy), each placed off-centre in a wide and a tall frame, and both
together as a group shot. Every card is cropped from one detection per photo.
"""

from __future__ import annotations

import argparse
import statistics
import time

from PIL import Image, ImageDraw


def _photos() -> dict[str, Image.Image]:
    from matplotlib import cbook
    from skimage import data

    astronaut = Image.fromarray(data.astronaut())  # type: ignore[no-untyped-call]
    with cbook.get_sample_data("grace_hopper.jpg") as handle:  # type: ignore[union-attr]
        hopper = Image.open(handle).convert("RGB")

    def framed(size: tuple[int, int], *placed: tuple[Image.Image, int, tuple[int, int]]) -> Image.Image:
        canvas = Image.new("RGB", size, (96, 118, 84))
        draw = ImageDraw.Draw(canvas)
        for x in range(0, size[0], 60):
            draw.line((x, 0, x + size[1] // 3, size[1]), fill=(104, 124, 90), width=9)
        for photo, height, at in placed:
            width = round(photo.width * height / photo.height)
            canvas.paste(photo.resize((width, height), Image.Resampling.LANCZOS), at)
        return canvas

    return {
        "astronaut, wide frame, right": framed((2400, 1350), (astronaut, 700, (1600, 500))),
        "astronaut, tall frame, bottom": framed((1080, 1920), (astronaut, 620, (420, 1250))),
        "Grace Hopper, wide frame, left": framed((2400, 1350), (hopper, 900, (60, 0))),
        "Grace Hopper, tall frame, top": framed((1080, 1920), (hopper, 560, (0, 40))),
        "group shot": framed((2400, 1350), (hopper, 820, (300, 250)), (astronaut, 640, (1350, 420))),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", default="card-faces.png")
    parser.add_argument("--height", type=int, default=220)
    args = parser.parse_args()

    from newscard.models.settings import Theme
    from newscard.rendering import subject
    from newscard.rendering.cards import PRESETS, CardText, render_card
    from newscard.rendering.gallery import SheetRow, contact_sheet

    text = CardText(
        "Astronaut and admiral honoured for a lifetime of service to science", "Science", "Newscard"
    )
    rows = []
    for caption, photo in _photos().items():
        subject.find_subject(photo)  # warm: the first call loads the model
        samples = []
        for _ in range(5):
            started = time.perf_counter()
            found = subject.find_subject(photo)
            samples.append((time.perf_counter() - started) * 1000)
        cards = [
            render_card(text, preset=preset, theme=Theme(), photo=photo, subject=found)
            for preset in PRESETS.values()
        ]
        detail = f"{caption}: {len(found.faces)} face(s), {statistics.median(samples):.0f} ms"
        print(detail)
        rows.append(SheetRow(detail, [(f"{c.preset} {c.layout}", c.data) for c in cards]))
    with open(args.out, "wb") as sheet:
        sheet.write(contact_sheet(rows, row_height=args.height))
    print(f"{args.out}: {len(rows)} photos")


if __name__ == "__main__":
    main()
