"""Decoding and cropping photos: decode once, at the smallest scale that still covers every output."""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageOps

ALLOWED_FORMATS = frozenset({"JPEG", "PNG", "WEBP"})
MAX_IMAGE_BYTES = 20 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000


class ImageProblem(ValueError):
    """The bytes are not an image we accept; the message is for an editor."""


@dataclass(frozen=True)
class ImageInfo:
    format: str
    width: int
    height: int


def inspect_image(data: bytes) -> ImageInfo:
    """Check format, byte size and pixel count from the header alone (no full decode)."""
    if len(data) > MAX_IMAGE_BYTES:
        raise ImageProblem(f"the image is {len(data) / 1e6:.1f} MB; the limit is 20 MB")
    try:
        with Image.open(io.BytesIO(data)) as image:
            fmt, (width, height) = image.format or "", image.size
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageProblem("the image has too many pixels (limit 40 megapixels)") from None
    except (OSError, ValueError, SyntaxError):
        raise ImageProblem("the file is not a JPEG, PNG or WebP image") from None
    if fmt not in ALLOWED_FORMATS:
        raise ImageProblem(f"the image is {fmt or 'an unknown format'}; use JPEG, PNG or WebP")
    if width * height > MAX_IMAGE_PIXELS:
        raise ImageProblem(
            f"the image is {width}x{height} ({width * height / 1e6:.0f} megapixels); the limit is 40"
        )
    return ImageInfo(fmt, width, height)


def decode(data: bytes, *, at_least: tuple[int, int] | None = None, keep_alpha: bool = False) -> Image.Image:
    """Decode to RGB (or RGBA for logos); for JPEG, libjpeg scales by 1/2..1/8 while staying >= at_least."""
    inspect_image(data)
    opened = Image.open(io.BytesIO(data))
    if at_least is not None and opened.format == "JPEG":
        # DCT-domain scaling: a 2400x1600 photo for a 1200x630 card decodes about 6x faster.
        opened.draft("RGB", at_least)
    image = ImageOps.exif_transpose(opened)
    if keep_alpha:
        return image.convert("RGBA")
    return image if image.mode == "RGB" else _flatten(image)


def _flatten(image: Image.Image) -> Image.Image:
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def cover_source_size(width: int, height: int, targets: list[tuple[int, int]]) -> tuple[int, int]:
    """The smallest source size from which every target can be cover-cropped without upscaling."""
    scale = max(max(tw / width, th / height) for tw, th in targets)
    return (min(width, round(width * scale)), min(height, round(height * scale)))


def cover(image: Image.Image, size: tuple[int, int], focal: tuple[float, float] = (0.5, 0.5)) -> Image.Image:
    """Scale to cover size, cropping around the focal point (0..1 in each axis)."""
    target_w, target_h = size
    scale = max(target_w / image.width, target_h / image.height)
    crop_w, crop_h = target_w / scale, target_h / scale
    left = min(max(focal[0] * image.width - crop_w / 2, 0), image.width - crop_w)
    top = min(max(focal[1] * image.height - crop_h / 2, 0), image.height - crop_h)
    box = (left, top, left + crop_w, top + crop_h)
    return image.resize(size, Image.Resampling.LANCZOS, box=box, reducing_gap=2.0)


def fit_within(image: Image.Image, max_width: int) -> Image.Image:
    """Shrink to at most max_width wide, keeping the aspect ratio; never enlarge."""
    if image.width <= max_width:
        return image
    height = round(image.height * max_width / image.width)
    return image.resize((max_width, height), Image.Resampling.LANCZOS, reducing_gap=2.0)


def encode_jpeg(image: Image.Image, *, quality: int = 85, max_bytes: int | None = None) -> bytes:
    """Baseline-optimised JPEG; steps quality down until it fits max_bytes (deterministic)."""
    while True:
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=quality, optimize=True, progressive=True, subsampling="4:2:0")
        data = buffer.getvalue()
        if max_bytes is None or len(data) <= max_bytes or quality <= 40:
            return data
        quality -= 7


def encode_png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=False, compress_level=6)
    return buffer.getvalue()
