"""Decoding and cropping photos: decode once, at the smallest scale that still covers every output."""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageCms, ImageOps

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
    """Check format, byte size, pixel count and decode cost from the header alone (no full decode)."""
    if len(data) > MAX_IMAGE_BYTES:
        raise ImageProblem(f"the image is {len(data) / 1e6:.1f} MB; the limit is 20 MB")
    try:
        with Image.open(io.BytesIO(data)) as image:
            fmt, (width, height) = image.format or "", image.size
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageProblem("the image has too many pixels (limit 40 megapixels)") from None
    except MemoryError:
        raise
    except Exception:  # any parser failure on these bytes (hostile headers raise all sorts)
        raise ImageProblem("the file is not a JPEG, PNG or WebP image") from None
    fmt = _FORMAT_ALIASES.get(fmt, fmt)
    if fmt not in ALLOWED_FORMATS:
        raise ImageProblem(f"the image is {fmt or 'an unknown format'}; use JPEG, PNG or WebP")
    if width * height > MAX_IMAGE_PIXELS:
        raise ImageProblem(
            f"the image is {width}x{height} ({width * height / 1e6:.0f} megapixels); the limit is 40"
        )
    check_decode_cost(data, fmt, width, height)
    return ImageInfo(fmt, width, height)


def decode(data: bytes, *, at_least: tuple[int, int] | None = None, keep_alpha: bool = False) -> Image.Image:
    """Decode to sRGB RGB (or RGBA for logos); for JPEG, libjpeg scales by 1/2..1/8 while staying >= at_least.

    Raises ImageProblem (never OSError) for bytes that pass the header check but do not decode.
    """
    opened = open_checked(data)
    if at_least is not None and opened.format in ("JPEG", "MPO"):
        # DCT-domain scaling: a 2400x1600 photo for a 1200x630 card decodes about 6x faster.
        opened.draft("RGB", at_least)
    load_pixels(opened)
    upright(opened)
    return normalise(opened, keep_alpha=keep_alpha)


# --- Decode guards: bytes that pass the header check but are slow, broken or in odd pixel formats ---

# Camera "multi-picture" JPEGs (MPO) are JPEGs with extra frames; the first is the photo.
_FORMAT_ALIASES = {"MPO": "JPEG"}
# JPEG cannot encode a side longer than this; a page rendition of a taller image would fail.
MAX_IMAGE_SIDE = 65_500
# A progressive JPEG decodes every scan over the whole image, so thousands of tiny scans make a
# small file take minutes. Ordinary encoders write 1-3 scans (baseline) or about 10 (progressive).
MAX_JPEG_SCANS = 100
# Scans x megapixels: the decode work. 16 scans of 40 MP is about 2 s of libjpeg on one Lambda core.
MAX_JPEG_SCAN_MEGAPIXELS = 640


def check_decode_cost(data: bytes, fmt: str, width: int, height: int) -> None:
    """Refuse images whose decode or re-encode is unbounded or impossible, before decoding them."""
    if max(width, height) > MAX_IMAGE_SIDE:
        raise ImageProblem(f"the image is {width}x{height}; a side may be at most {MAX_IMAGE_SIDE:,} pixels")
    if fmt == "JPEG":
        scans = jpeg_scan_count(data)
        megapixels = width * height / 1e6
        if scans > MAX_JPEG_SCANS or scans * megapixels > MAX_JPEG_SCAN_MEGAPIXELS:
            raise ImageProblem(
                f"the JPEG has {scans} scans (progressive passes), too many to decode in time; "
                "save it again as an ordinary JPEG"
            )


def jpeg_scan_count(data: bytes) -> int:
    """Start-of-scan markers in the first frame, found by walking the marker segments.

    Entropy-coded data never holds 0xFF followed by anything but 0x00 or a restart marker, so
    the next marker after a scan is the next 0xFF not followed by those.
    """
    scans = 0
    position = 2  # after SOI
    end = len(data)
    while position + 4 <= end:
        if data[position] != 0xFF:
            return scans  # not a marker: malformed; the decoder will say so
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if marker == 0xD9:  # EOI: the first frame ends here (MPO frames follow)
            return scans
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            position += 2
            continue
        length = int.from_bytes(data[position + 2 : position + 4], "big")
        position += 2 + length
        if marker != 0xDA:
            continue
        scans += 1
        while True:
            position = data.find(b"\xff", position)
            if position < 0 or position + 1 >= end:
                return scans
            following = data[position + 1]
            if following == 0x00 or 0xD0 <= following <= 0xD7:
                position += 2
            else:
                break
    return scans


def open_checked(data: bytes) -> Image.Image:
    """Image.open after inspect_image: the header, size and decode cost are known to be acceptable."""
    inspect_image(data)
    image = Image.open(io.BytesIO(data))
    if getattr(image, "n_frames", 1) > 1:
        image.seek(0)  # MPO, APNG, animated WebP: the first frame is the picture
    return image


def load_pixels(image: Image.Image) -> None:
    """Decode the pixels; a truncated or corrupt stream is the image's problem, never a retry."""
    try:
        image.load()
    except MemoryError:
        raise
    except Exception:  # truncated data, bad Huffman tables, cut IDAT, zlib errors, ...
        raise ImageProblem(
            "the image is damaged or incomplete and cannot be decoded; export or upload it again"
        ) from None


def upright(image: Image.Image) -> None:
    """Apply the EXIF orientation in place; EXIF that does not parse leaves the pixels as stored."""
    try:
        # In place: the copy exif_transpose makes otherwise costs ~3 ms on a 2400x1600 photo.
        ImageOps.exif_transpose(image, in_place=True)
    except MemoryError:
        raise
    except Exception:  # a hostile or broken EXIF block (bad offsets, wrong types)
        return


_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
_ICC_MODES = {"RGB ": ("RGB", "RGBA"), "GRAY": ("L",), "CMYK": ("CMYK",)}


def normalise(image: Image.Image, *, keep_alpha: bool = False) -> Image.Image:
    """8-bit sRGB pixels (RGBA with keep_alpha): 16-bit scaled, ICC profiles converted, alpha flattened."""
    if image.mode in ("I;16", "I;16L", "I;16B", "I;16N", "I"):
        # 16-bit grayscale: convert("L") clips every value above 255 to white; scale instead.
        image = image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    elif image.mode == "F":
        image = image.point(lambda value: value * 255).convert("L")
    elif image.mode in ("P", "PA"):
        # Palette colours are described by the file's RGB profile, if any: expand them first.
        transparent = image.mode == "PA" or "transparency" in image.info
        image = image.convert("RGBA" if transparent else "RGB")
    image = to_srgb(image)
    if keep_alpha:
        return image.convert("RGBA")
    return image if image.mode == "RGB" else _flatten(image)


def to_srgb(image: Image.Image) -> Image.Image:
    """Convert an embedded ICC profile (Display P3, Adobe RGB, CMYK press profiles) to sRGB pixels.

    Browsers and social networks assume sRGB for untagged images, and the outputs carry no
    profile, so a wide-gamut photo would otherwise come out washed out. A profile that does not
    parse or does not fit the pixels is ignored: the pixels are then taken as sRGB.
    """
    icc = image.info.get("icc_profile")
    if not icc:
        return image
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        space = profile.profile.xcolor_space
        if image.mode not in _ICC_MODES.get(space, ()):
            return image
        if space == "RGB " and "srgb" in (ImageCms.getProfileDescription(profile) or "").lower():
            return image  # already sRGB: converting would only shift bytes (and every golden)
        output = "RGBA" if image.mode == "RGBA" else "RGB"
        converted = ImageCms.profileToProfile(
            image, profile, _SRGB, outputMode=output, renderingIntent=ImageCms.Intent.PERCEPTUAL
        )
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return image
    return converted if converted is not None else image


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

    def reduction_to_width(self, width: int) -> Image.Image | None:
        """The photo's own 1/2**n reduction if one is exactly width wide (else None): box-averaged,
        a few ms where a resample to the same width costs 10-15 (1600 -> 800 px). Its height is the
        reduction's, which may differ by a pixel from a resample's rounding of the aspect ratio."""
        factor = 1
        while self.size[0] // factor > width:
            factor *= 2
        if self.size[0] // factor != width or self.size[0] % factor:
            return None
        return self.level(factor)

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
        # Within a factor of two (square and story from a 2400x1600 hero: x0.675 and x1.2), Pillow's
        # Hamming filter (support 1) keeps bicubic's edge energy within 1 % and differs from it by
        # under 0.1 of 255 per channel on average, at two thirds of its cost (two taps, not four).
        return source.resize(size, Image.Resampling.HAMMING, box=scaled)  # type: ignore[arg-type]


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
    # On the axis that fits exactly, target / scale can come out a hair over the source's size
    # (1500x844 to 1200x630: 844.0000000000001); the box must stay inside it.
    crop_w, crop_h = min(target_w / scale, width), min(target_h / scale, height)
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


def encode_jpeg(
    image: Image.Image, *, quality: int = 85, max_bytes: int | None = None, optimize: bool = True
) -> bytes:
    """Optimised baseline JPEG; steps quality down until it fits max_bytes (deterministic).

    Not progressive: that costs 2-3x the encode time for a few percent of bytes. optimize (two-pass
    Huffman tables) is lossless: 4-7 % fewer bytes for 40-65 % more encode time, worth it for page
    images every reader downloads; cards turn it off (measured on the seed og card: 4.3 ms / 89 KB
    without, 7.1 ms / 85 KB with).
    """
    while True:
        buffer = io.BytesIO()
        try:
            image.save(buffer, "JPEG", quality=quality, optimize=optimize, subsampling="4:2:0")
        except (OSError, ValueError) as error:  # e.g. a side over JPEG's 65,535
            raise ImageProblem(f"the image cannot be written as a JPEG ({error})") from None
        data = buffer.getvalue()
        if max_bytes is None or len(data) <= max_bytes or quality <= 40:
            return data
        quality -= 7


def encode_png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=False, compress_level=6)
    return buffer.getvalue()
