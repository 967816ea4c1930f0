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
    # In place: the copy exif_transpose makes otherwise costs ~3 ms on a 2400x1600 photo.
    ImageOps.exif_transpose(opened, in_place=True)
    image: Image.Image = opened
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


class Photo:
    """A decoded photo plus cached 1/2, 1/4, ... reductions: every output resamples from the
    nearest level that still covers it, so a card costs a crop or a short resample, not a
    full-resolution convolution (2400x1600 -> 1200x630 with Lanczos is ~25 ms; crop of 1/2 ~1 ms)."""

    def __init__(self, image: Image.Image) -> None:
        self._levels = {1: image}

    @property
    def size(self) -> tuple[int, int]:
        return self._levels[1].size

    def level(self, factor: int) -> Image.Image:
        if factor not in self._levels:
            # reduce() box-averages whole blocks: fast, and exact for a power-of-two factor.
            self._levels[factor] = self.level(factor // 2).reduce(2)
        return self._levels[factor]

    def resample(self, size: tuple[int, int], box: tuple[float, float, float, float]) -> Image.Image:
        """The box (in full-size coordinates) at size, from the smallest level at least as large."""
        factor = 1
        while (box[2] - box[0]) / (factor * 2) >= size[0] and (box[3] - box[1]) / (factor * 2) >= size[1]:
            factor *= 2
        source = self.level(factor)
        scaled = tuple(edge / factor for edge in box)
        left, top = round(scaled[0]), round(scaled[1])
        if abs((scaled[2] - scaled[0]) - size[0]) < 0.5 and abs((scaled[3] - scaled[1]) - size[1]) < 0.5:
            return source.crop((left, top, left + size[0], top + size[1]))  # exact: no resampling
        # Within a factor of two, bicubic (antialiased by Pillow) looks like Lanczos at ~2/3 the cost.
        return source.resize(size, Image.Resampling.BICUBIC, box=scaled)  # type: ignore[arg-type]


def as_photo(source: Image.Image | Photo) -> Photo:
    return source if isinstance(source, Photo) else Photo(source)


def cover(
    source: Image.Image | Photo, size: tuple[int, int], focal: tuple[float, float] = (0.5, 0.5)
) -> Image.Image:
    """Scale to cover size, cropping around the focal point (0..1 in each axis)."""
    photo = as_photo(source)
    return photo.resample(size, cover_box(photo.size, size, focal))


def cover_box(
    source_size: tuple[int, int], size: tuple[int, int], focal: tuple[float, float] = (0.5, 0.5)
) -> tuple[float, float, float, float]:
    """The region of the source (pixels) that cover() shows: centred on focal, clamped inside."""
    width, height = source_size
    target_w, target_h = size
    scale = max(target_w / width, target_h / height)
    crop_w, crop_h = target_w / scale, target_h / scale
    left = min(max(focal[0] * width - crop_w / 2, 0), width - crop_w)
    top = min(max(focal[1] * height - crop_h / 2, 0), height - crop_h)
    return (left, top, left + crop_w, top + crop_h)


def reduction_factor(width: int, max_width: int) -> int:
    """The smallest power of two that brings width to max_width or under."""
    factor = 1
    while width / factor > max_width:
        factor *= 2
    return factor


def web_rendition(source: Image.Image | Photo, max_width: int) -> Image.Image:
    """The photo's own 1/2**n reduction at most max_width wide: box-reduced, never resampled.

    Widths land between max_width / 2 and max_width, which suits a responsive page image.
    """
    photo = as_photo(source)
    return photo.level(reduction_factor(photo.size[0], max_width))


def encode_jpeg(image: Image.Image, *, quality: int = 85, max_bytes: int | None = None) -> bytes:
    """Optimised baseline JPEG; steps quality down until it fits max_bytes (deterministic).

    Not progressive: that costs 2-3x the encode time for a few percent of bytes.
    """
    while True:
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=quality, optimize=True, subsampling="4:2:0")
        data = buffer.getvalue()
        if max_bytes is None or len(data) <= max_bytes or quality <= 40:
            return data
        quality -= 7


def encode_png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=False, compress_level=6)
    return buffer.getvalue()
